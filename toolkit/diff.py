"""A resubmission against the previous accepted return of the same agency and round: cell by cell what
changed (from the ledger's rows), which flags the new file resolved and which it raised.

Rows are matched by their identifiers (project code, report number, KPI code and quarter), not by
position, so an agency that adds a row does not make every later row "changed"."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from schemas import SHEETS
from toolkit.calendar import format_be
from toolkit.errors import ToolkitError
from toolkit.ledger import Ledger, Submission
from toolkit.merge.lineage import Sources
from toolkit.reference import Reference


@dataclass(frozen=True)
class CellChange:
    sheet: str  # sheet name in the new file
    cell: str  # address in the new file ("" for a removed row)
    item: str  # row id, e.g. 21000000-3142#4
    column: str  # column key
    label_th: str
    label_en: str
    before: str
    after: str
    kind: str  # changed | added | removed


@dataclass(frozen=True)
class FlagChange:
    flag_id: str
    rule: str
    severity: str
    sheet: str
    cell: str
    value: str
    message_th: str
    message_en: str


@dataclass
class ReturnDiff:
    agency: str
    round: str
    new: Submission
    previous: Submission
    changes: list[CellChange] = field(default_factory=list)
    resolved: list[FlagChange] = field(default_factory=list)
    raised: list[FlagChange] = field(default_factory=list)

    @property
    def cells_compared(self) -> bool:
        """False when the new file was rejected: its rows are not kept, only its flags compare."""
        return self.new.outcome != "rejected"

    def to_dict(self) -> dict[str, Any]:
        def sub(s: Submission) -> dict[str, Any]:
            return {"id": s.id, "file": s.original_name, "outcome": s.outcome, "received_at": s.received_at,
                    "archived_path": s.archived_path, "held": bool(s.held)}

        return {"agency": self.agency, "round": self.round, "new": sub(self.new), "previous": sub(self.previous),
                "cells_compared": self.cells_compared,
                "changes": [asdict(c) for c in self.changes], "resolved": [asdict(f) for f in self.resolved],
                "raised": [asdict(f) for f in self.raised]}


def _show(value: Any, kind: str, vocab: str | None, ref: Reference | None) -> str:
    if value is None:
        return ""
    if kind == "date" and isinstance(value, str):
        try:
            return format_be(date.fromisoformat(value[:10]))
        except ValueError:
            return value
    if kind == "status" and ref is not None and vocab:
        return ref.status_label(vocab, str(value))
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    return str(value)


def _rows_by_id(ledger: Ledger, sid: int, key: str, id_columns: tuple[str, ...]) -> dict[str, tuple[int, dict]]:
    out = {}
    for excel_row, values in ledger.rows(sid, key):
        rid = "#".join(_show(values.get(c), "", None, None) for c in id_columns)
        out.setdefault(rid, (excel_row, values))
    return out


def previous_accepted(ledger: Ledger, new: Submission) -> Submission | None:
    """The accepted return of the same agency and round received just before ``new``."""
    before = [s for s in ledger.submissions_of(new.agency, new.round)
              if s.id < new.id and s.outcome != "rejected"]
    return before[-1] if before else None


def newest(ledger: Ledger, agency: str, round_: str) -> Submission | None:
    """The newest submission of the agency and round, held ones included."""
    found = ledger.submissions_of(agency, round_)
    return found[-1] if found else None


def diff_submissions(ledger: Ledger, new: Submission, previous: Submission,
                     ref: Reference | None = None) -> ReturnDiff:
    """Cell changes and flag changes of ``new`` against ``previous``."""
    result = ReturnDiff(new.agency, new.round, new, previous)
    sources = Sources(ledger)
    if new.outcome != "rejected":  # a rejected file's rows are not kept: only its flags compare
        for spec in SHEETS:
            src = sources.of(new.id, spec.key)
            old_rows = _rows_by_id(ledger, previous.id, spec.key, spec.id_columns)
            new_rows = _rows_by_id(ledger, new.id, spec.key, spec.id_columns)
            for rid in list(new_rows) + [r for r in old_rows if r not in new_rows]:
                excel_row, after = new_rows.get(rid, (0, {}))
                before = old_rows.get(rid, (0, {}))[1]
                kind = "changed" if rid in new_rows and rid in old_rows else "added" if rid in new_rows else "removed"
                for col in spec.columns:
                    a = _show(before.get(col.key), col.kind, col.vocab, ref)
                    b = _show(after.get(col.key), col.kind, col.vocab, ref)
                    if a == b:
                        continue
                    result.changes.append(CellChange(
                        src.sheet_name if excel_row else spec.sheet_name, src.cell(col.key, excel_row) if excel_row else "",
                        rid, col.key, col.th, col.en, a, b, kind))
    old_flags = {f["flag_id"]: f for f in ledger.findings(previous.id)}
    new_flags = {f["flag_id"]: f for f in ledger.findings(new.id)}

    def flag(f: dict[str, Any]) -> FlagChange:
        return FlagChange(f["flag_id"], f["rule"], f["severity"], f["sheet"], f["cell"], f["value"],
                          f["message_th"], f["message_en"])

    result.resolved = [flag(f) for k, f in old_flags.items() if k not in new_flags]
    result.raised = [flag(f) for k, f in new_flags.items() if k not in old_flags]
    return result


def diff_return(ledger: Ledger, agency: str, round_: str, ref: Reference | None = None) -> ReturnDiff:
    """The agency's newest return for the round against the accepted one before it."""
    new = newest(ledger, agency, round_)
    if new is None:
        raise ToolkitError("diff.no-return", f"no return from agency {agency} for round {round_}",
                           f"ยังไม่ได้รับไฟล์จากหน่วยงาน {agency} รอบ {round_}")
    previous = previous_accepted(ledger, new)
    if previous is None:
        raise ToolkitError("diff.no-previous",
                           f"agency {agency} round {round_}: #{new.id} {new.original_name} has no earlier accepted "
                           "return to compare with",
                           f"หน่วยงาน {agency} รอบ {round_}: ไฟล์ {new.original_name} ไม่มีไฟล์ที่ผ่านการตรวจก่อนหน้าให้เปรียบเทียบ")
    return diff_submissions(ledger, new, previous, ref)


def resubmission_changes(ledger: Ledger, new: Submission, ref: Reference | None = None) -> ReturnDiff | None:
    """For the feedback workbook: ``new`` against the accepted return before it; None when there is
    none, or when nothing changed."""
    previous = previous_accepted(ledger, new)
    if previous is None:
        return None
    found = diff_submissions(ledger, new, previous, ref)
    return found if found.changes or found.resolved or found.raised else None


def excerpt(before: str, after: str, context: int = 25) -> tuple[str, str]:
    """Long texts cut to where they differ: the common start and end become "…"."""
    if len(before) <= 2 * context + 20 and len(after) <= 2 * context + 20:
        return before, after
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    lo = max(0, start - context)
    space = before.find(" ", lo, start)
    if lo > 0 and space >= 0:
        lo = space + 1  # start at a word, never inside a Thai cluster

    def cut(text: str) -> str:
        hi = min(len(text), len(text) - end + context)
        return ("…" if lo > 0 else "") + text[lo:hi] + ("…" if hi < len(text) else "")

    return cut(before), cut(after)
