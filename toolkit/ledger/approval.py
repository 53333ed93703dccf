"""Approval: the office marks an agency's accepted return for a round approved. An approved return is
locked: a later accepted resubmission is recorded as held (pending) and not applied to the master
until the approval is withdrawn, when the newest held one supersedes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from toolkit.errors import ToolkitError
from toolkit.ledger.store import Ledger, Submission


@dataclass(frozen=True)
class ApprovalResult:
    agency: str
    round: str
    submission: Submission
    #: approve: False when the return was already approved. withdraw: always True.
    changed: bool
    #: withdraw: the held resubmissions now applied (oldest first); the last one is current.
    released: tuple[Submission, ...] = ()


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _current_accepted(ledger: Ledger, agency: str, round_: str) -> Submission:
    for s in ledger.current():
        if s.agency == agency and s.round == round_ and s.outcome != "rejected":
            return s
    raise ToolkitError("approval.nothing-accepted",
                       f"agency {agency} has no accepted return for round {round_} to approve",
                       f"หน่วยงาน {agency} ยังไม่มีไฟล์ที่ผ่านการตรวจในรอบ {round_} จึงอนุมัติไม่ได้")


def held(ledger: Ledger, agency: str, round_: str) -> list[Submission]:
    """Accepted resubmissions waiting while the round is approved, oldest first."""
    return [s for s in ledger.submissions_of(agency, round_) if s.held]


def approve(ledger: Ledger, agency: str, round_: str, by: str = "", note: str = "",
            when: str | None = None) -> ApprovalResult:
    """Approve the agency's current accepted return for the round (idempotent)."""
    with ledger._transaction():
        target = _current_accepted(ledger, agency, round_)
        active = ledger.approval(agency, round_)
        if active is not None:
            return ApprovalResult(agency, round_, target, False)
        ledger.db.execute("INSERT INTO approvals (agency, round, submission_id, approved_at, approved_by, note) "
                          "VALUES (?,?,?,?,?,?)", (agency, round_, target.id, when or _now(), by, note))
    return ApprovalResult(agency, round_, target, True)


def withdraw(ledger: Ledger, agency: str, round_: str, by: str = "", when: str | None = None) -> ApprovalResult:
    """Withdraw the approval; held resubmissions are applied in the order they arrived."""
    with ledger._transaction():
        active = ledger.approval(agency, round_)
        if active is None:
            raise ToolkitError("approval.not-approved", f"agency {agency} round {round_} is not approved",
                               f"หน่วยงาน {agency} รอบ {round_} ยังไม่ได้รับการอนุมัติ")
        ledger.db.execute("UPDATE approvals SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ?",
                          (when or _now(), by, active["id"]))
        waiting = held(ledger, agency, round_)
        for s in waiting:
            ledger.db.execute("UPDATE submissions SET held = 0 WHERE id = ?", (s.id,))
            ledger.supersede(s.id, agency, round_)
        current = _current_accepted(ledger, agency, round_)
    return ApprovalResult(agency, round_, current, True,
                          tuple(ledger.by_sha(s.sha256) for s in waiting))  # type: ignore[misc]


def approvals(ledger: Ledger) -> dict[tuple[str, str], dict]:
    """Approvals in force by (agency, round)."""
    rows = ledger.db.execute("SELECT * FROM approvals WHERE withdrawn_at IS NULL ORDER BY id")
    return {(r["agency"], r["round"]): dict(r) for r in rows}
