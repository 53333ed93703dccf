"""Where a round stands: every agency expected to report (those with projects or KPIs in the round's
fiscal year), what it sent, whether that was accepted, late or is still missing, and a chase list the
office can paste into an email.

State is that of the agency's newest submission (held resubmissions aside); an approved return keeps
its own state. Received is the date of the first accepted return, else of the newest file. Late: that
date is after the due date (``Settings.due_days_after_round`` days after the round ends), or nothing
acceptable had arrived by the due date and it has passed."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from toolkit.calendar import Round, format_be
from toolkit.catalogue import Catalogue
from toolkit.config import Settings
from toolkit.ledger import Ledger, Submission
from toolkit.ledger.approval import approvals

STATE_LABELS = {
    "accepted": ("ผ่าน", "accepted"), "accepted_with_warnings": ("ผ่าน มีคำเตือน", "accepted with warnings"),
    "rejected": ("ไม่ผ่าน", "rejected"), "not_received": ("ยังไม่ส่ง", "not received"),
}


@dataclass(frozen=True)
class AgencyState:
    round: str
    agency: str
    name_th: str
    name_en: str
    expected: bool  # False: sent a return though the catalogue has nothing for it this round
    state: str  # accepted | accepted_with_warnings | rejected | not_received
    due: date
    received: date | None
    late: bool
    approved: bool
    held: int  # accepted resubmissions waiting while approved
    files: int  # submissions received for the round
    latest_file: str
    errors: int  # in the newest file
    warnings: int

    @property
    def label(self) -> str:
        th, en = STATE_LABELS[self.state]
        return f"{th} / {en}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["due"] = self.due.isoformat()
        d["received"] = self.received.isoformat() if self.received else None
        return d


@dataclass(frozen=True)
class RoundStatus:
    round: str
    due: date
    as_of: date
    agencies: list[AgencyState]

    def count(self, state: str) -> int:
        return sum(a.state == state for a in self.agencies)

    @property
    def late(self) -> list[AgencyState]:
        return [a for a in self.agencies if a.late]

    @property
    def to_chase(self) -> list[AgencyState]:
        """Agencies that still owe an acceptable return."""
        return [a for a in self.agencies if a.state in ("not_received", "rejected")]

    def totals(self) -> dict[str, int]:
        return {"expected": sum(a.expected for a in self.agencies), "received": sum(a.files > 0 for a in self.agencies),
                "accepted": self.count("accepted"), "accepted_with_warnings": self.count("accepted_with_warnings"),
                "rejected": self.count("rejected"), "not_received": self.count("not_received"),
                "late": len(self.late), "approved": sum(a.approved for a in self.agencies)}

    def to_dict(self) -> dict[str, Any]:
        return {"round": self.round, "due": self.due.isoformat(), "as_of": self.as_of.isoformat(),
                "totals": self.totals(), "agencies": [a.to_dict() for a in self.agencies],
                "chase": [a.agency for a in self.to_chase], "chase_text": chase_text(self)}


def _day(received_at: str) -> date:
    return datetime.fromisoformat(received_at).date()


def agency_state(rnd: Round, code: str, cat: Catalogue, subs: list[Submission], approved: Submission | None,
                 due: date, today: date, expected: bool = True) -> AgencyState:
    """The state of one agency in one round from its submissions (oldest first)."""
    applied = [s for s in subs if not s.held]
    newest = applied[-1] if applied else None
    shown = approved or newest
    accepted = [s for s in applied if s.outcome != "rejected"]
    received = _day(accepted[0].received_at) if accepted else _day(newest.received_at) if newest else None
    late = bool(received and received > due) or (not accepted and today > due)
    agency = cat.agencies.get(code)
    return AgencyState(
        str(rnd), code, agency.name_th if agency else "?", agency.name_en if agency else "", expected,
        shown.outcome if shown else "not_received", due, received, late, approved is not None,
        sum(1 for s in subs if s.held), len(subs), newest.original_name if newest else "",
        newest.n_errors if newest else 0, newest.n_warnings if newest else 0)


def round_status(ledger: Ledger, cat: Catalogue, rnd: Round, settings: Settings, today: date | None = None) -> RoundStatus:
    """The roster of ``rnd``: expected agencies first (by code), then unexpected senders."""
    today = today or date.today()
    due = rnd.due_date(settings.due_days_after_round)
    by_agency: dict[str, list[Submission]] = {}
    for s in ledger.submissions():
        if s.round == str(rnd):
            by_agency.setdefault(s.agency, []).append(s)
    approved_ids = {k[0]: v["submission_id"] for k, v in approvals(ledger).items() if k[1] == str(rnd)}
    by_id = {s.id: s for subs in by_agency.values() for s in subs}
    expected = [a.agency_code for a in cat.agencies_for(rnd)]
    extra = sorted(set(by_agency) - set(expected) - {""})
    states = [agency_state(rnd, code, cat, by_agency.get(code, []), by_id.get(approved_ids.get(code, -1)), due, today,
                           code in expected) for code in expected + extra]
    return RoundStatus(str(rnd), due, today, states)


def chase_text(status: RoundStatus) -> str:
    """A paragraph to paste into an email: Thai first, English beside."""
    due = format_be(status.due)
    owed = status.to_chase
    if not status.agencies:
        return (f"รอบรายงาน {status.round}: ไม่มีหน่วยงานที่ต้องรายงาน (ไม่มีโครงการหรือตัวชี้วัดในปีงบประมาณนี้) / "
                f"Round {status.round}: no agency has projects or KPIs to report.")
    if not owed:
        return (f"รอบรายงาน {status.round}: ได้รับรายงานที่ผ่านการตรวจจากทุกหน่วยงานแล้ว / "
                f"Round {status.round}: every agency's return has been received and accepted.")
    lines = [f"เรื่อง ติดตามรายงานผลการดำเนินงานรอบ {status.round} (กำหนดส่ง {due}) / "
             f"Subject: {status.round} progress report follow-up (due {status.due.isoformat()})", ""]
    missing = [a for a in owed if a.state == "not_received"]
    rejected = [a for a in owed if a.state == "rejected"]
    if missing:
        lines.append("หน่วยงานที่ยังไม่ได้ส่งรายงาน กรุณาส่งโดยเร็ว / Not yet received, please send it as soon as possible:")
        lines += [f"- {a.agency} {a.name_th}" + (f" / {a.name_en}" if a.name_en else "")
                  + (" (เลยกำหนดส่ง / overdue)" if a.late else "") for a in missing]
        lines.append("")
    if rejected:
        lines.append("หน่วยงานที่ส่งแล้วแต่ไม่ผ่านการตรวจ กรุณาแก้ไขตามไฟล์ผลการตรวจ (feedback) แล้วส่งใหม่ / "
                     "Received but rejected, please correct it as the feedback workbook shows and send it again:")
        lines += [f"- {a.agency} {a.name_th}" + (f" / {a.name_en}" if a.name_en else "")
                  + f": ไฟล์ {a.latest_file} ข้อผิดพลาด {a.errors} รายการ / {a.errors} error(s)" for a in rejected]
        lines.append("")
    lines.append("ขอบคุณครับ/ค่ะ สำนักยุทธศาสตร์และประเมินผล / Thank you. Strategy and Evaluation Department")
    return "\n".join(lines)
