"""What the office dashboard shows: a round's roster and chase list, an agency's submission history,
and what changed between two submissions. Built from the ledger and ``toolkit.expected``'s catalogue
view (a minimal stand-in while ``toolkit status`` / ``toolkit diff`` library functions are written)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from schemas import SHEETS_BY_KEY
from toolkit.calendar import Round, format_be
from toolkit.catalogue import Catalogue
from toolkit.config import Settings
from toolkit.ledger import Ledger, Submission

STATES = {
    "accepted": ("ผ่าน", "accepted"), "accepted_with_warnings": ("ผ่าน มีคำเตือน", "accepted with warnings"),
    "rejected": ("ไม่ผ่าน", "rejected"), "missing": ("ยังไม่ส่ง", "missing"),
}


@dataclass
class RosterRow:
    agency: str
    name: str
    state: str  # accepted | accepted_with_warnings | rejected | missing
    received: str = ""
    late: bool = False
    attempts: int = 0
    errors: int = 0
    warnings: int = 0
    newer_rejected: bool = False

    @property
    def label(self) -> tuple[str, str]:
        return STATES[self.state]

    @property
    def chase(self) -> bool:
        """The office has to contact the agency: nothing accepted yet."""
        return self.state in ("missing", "rejected")


@dataclass
class Roster:
    round: str
    due: str
    rows: list[RosterRow] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(r.state == state for r in self.rows)

    @property
    def late(self) -> int:
        return sum(r.late for r in self.rows)

    @property
    def chase_list(self) -> list[RosterRow]:
        return [r for r in self.rows if r.chase]


def known_rounds(ledger: Ledger) -> list[str]:
    """Rounds with a submission or an issued agency link, oldest first."""
    rounds = {s.round for s in ledger.submissions() if s.round}
    try:
        rounds |= {r[0] for r in ledger.db.execute("SELECT DISTINCT round FROM web_tokens")}
    except Exception:  # no link issued yet
        pass
    valid = []
    for text in rounds:
        try:
            valid.append(Round.parse(text))
        except Exception:
            continue
    return [str(r) for r in sorted(valid)]


def build_roster(ledger: Ledger, cat: Catalogue, round_text: str, settings: Settings,
                 today: date | None = None) -> Roster:
    """Every agency expected in the round (and any other that sent one), with its state."""
    rnd = Round.parse(round_text)
    due = rnd.due_date(settings.due_days_after_round)
    mine = [s for s in ledger.submissions() if s.round == str(rnd)]
    codes = [a.agency_code for a in cat.agencies_for(rnd)]
    codes += sorted({s.agency for s in mine} - set(codes))
    roster = Roster(str(rnd), format_be(due))
    for code in codes:
        subs = [s for s in mine if s.agency == code]
        agency = cat.agencies.get(code)
        row = RosterRow(code, agency.name_th if agency else "?", "missing", attempts=len(subs))
        accepted = [s for s in subs if s.outcome != "rejected"]
        shown = accepted[-1] if accepted else (subs[-1] if subs else None)
        if shown is not None:
            row.state, row.errors, row.warnings = shown.outcome, shown.n_errors, shown.n_warnings
            first_ok = accepted[0] if accepted else shown
            received = datetime.fromisoformat(first_ok.received_at)
            row.received = format_be(received.date()) + received.strftime(" %H:%M")
            row.late = received.date() > due
            row.newer_rejected = bool(accepted) and subs[-1].outcome == "rejected"
        else:
            row.late = (today or date.today()) > due
        roster.rows.append(row)
    return roster


def history(ledger: Ledger, agency: str, round_text: str) -> list[Submission]:
    return [s for s in ledger.submissions() if s.agency == agency and s.round == round_text]


@dataclass(frozen=True)
class Change:
    sheet: str
    item: str
    column: str
    old: Any
    new: Any


def _id_part(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _rows_by_id(ledger: Ledger, submission_id: int, key: str) -> dict[str, dict[str, Any]]:
    spec = SHEETS_BY_KEY[key]
    out = {}
    for _, values in ledger.rows(submission_id, key):
        out["#".join(_id_part(values.get(c)) for c in spec.id_columns)] = values
    return out


def diff_submissions(ledger: Ledger, old_id: int, new_id: int) -> list[Change]:
    """Cells whose value changed, rows added or removed, by sheet, item and column."""
    changes = []
    for key, spec in SHEETS_BY_KEY.items():
        old, new = _rows_by_id(ledger, old_id, key), _rows_by_id(ledger, new_id, key)
        for item in sorted(set(old) | set(new)):
            before, after = old.get(item), new.get(item)
            if before is None or after is None:
                changes.append(Change(spec.sheet_name, item, "", "(ไม่มีแถว / no row)" if before is None else "แถว / row",
                                      "(ไม่มีแถว / no row)" if after is None else "แถว / row"))
                continue
            for col in spec.columns:
                if before.get(col.key) != after.get(col.key):
                    changes.append(Change(spec.sheet_name, item, f"{col.th} / {col.en}", before.get(col.key),
                                          after.get(col.key)))
    return changes
