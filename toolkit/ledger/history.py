"""What an agency already reported: its latest accepted return of an earlier round of the same fiscal
year, from the ledger, as the validator compares a new return against it."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.calendar import Round
from toolkit.errors import ToolkitError
from toolkit.ledger.store import Ledger, Submission


@dataclass(frozen=True)
class History:
    """Prior values by item from one earlier accepted return."""

    agency: str
    round: str  # the earlier round the values come from
    source_file: str = ""
    #: project code -> report number -> cumulative progress (%) as accepted then.
    progress: dict[str, dict[int, float]] = field(default_factory=dict)

    def prior_progress(self, project_code: str, report_no: int) -> tuple[float, int] | None:
        """The highest progress the earlier return reported for this project up to ``report_no``
        (cumulative progress can only have grown since), with the report it was stated in."""
        reports = self.progress.get(project_code, {})
        best = None
        for no, pct in reports.items():
            if no <= report_no and (best is None or pct > best[0]):
                best = (pct, no)
        return best


def _earlier(candidate: str, rnd: Round) -> Round | None:
    try:
        other = Round.parse(candidate)
    except ToolkitError:
        return None
    same_year = other.fiscal_year == rnd.fiscal_year
    return other if same_year and other.months_elapsed < rnd.months_elapsed else None


def _current_of(ledger: Ledger, agency: str) -> list[Submission]:
    """``Ledger.current()`` for one agency (the same choice, without reading every agency's rows:
    collect asks once per file)."""
    chosen: dict[str, Submission] = {}
    for row in ledger.db.execute("SELECT * FROM submissions WHERE agency = ? ORDER BY id", (agency,)):
        s = Submission(**dict(row))
        if getattr(s, "held", False):
            continue
        held = chosen.get(s.round)
        if held is None or s.outcome != "rejected" or held.outcome == "rejected":
            chosen[s.round] = s
    return list(chosen.values())


def previous_accepted(ledger: Ledger, agency: str, round_text: str) -> Submission | None:
    """The agency's latest accepted return of an earlier round of the same fiscal year."""
    try:
        rnd = Round.parse(round_text)
    except ToolkitError:
        return None
    best: tuple[int, int, Submission] | None = None
    for s in _current_of(ledger, agency):
        if s.outcome == "rejected":
            continue
        other = _earlier(s.round, rnd)
        if other is not None and (best is None or (other.months_elapsed, s.id) > best[:2]):
            best = (other.months_elapsed, s.id, s)
    return best[2] if best else None


def build_history(ledger: Ledger, agency: str, round_text: str) -> History | None:
    """Prior values for a return of ``agency`` in ``round_text``; None when nothing earlier was accepted."""
    s = previous_accepted(ledger, agency, round_text)
    if s is None:
        return None
    progress: dict[str, dict[int, float]] = {}
    for _, row in ledger.rows(s.id, "progress"):
        code, no, pct = row.get("project_code"), row.get("report_no"), row.get("progress_pct")
        if code and no is not None and pct is not None:
            progress.setdefault(str(code), {})[int(no)] = float(pct)
    return History(agency, s.round, s.original_name, progress)


@dataclass(frozen=True)
class LedgerHistory:
    """History looked up when a return's agency and round are known. Holds only the ledger's path,
    so it can be handed to a worker process."""

    ledger_path: Path

    def for_return(self, agency: str, round_text: str) -> History | None:
        if not agency or not round_text or not Path(self.ledger_path).exists():
            return None
        try:
            with Ledger.reader(self.ledger_path) as ledger:
                return build_history(ledger, agency, round_text)
        except sqlite3.Error:  # a locked or damaged ledger must not stop validation
            return None


HistorySource = History | LedgerHistory


def history_for(source: HistorySource | None, agency: str, round_text: str) -> History | None:
    """The history that applies to a return of ``agency`` in ``round_text``."""
    if source is None:
        return None
    if isinstance(source, History):
        return source if source.agency == agency else None
    return source.for_return(agency, round_text)
