"""Auditors write their decisions into the master's Flags sheet; before each rebuild they are read
back into the ledger so that no note is lost."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from toolkit.ledger import Ledger
from toolkit.normalise.values import clean_text
from toolkit.read.workbook import read_own_sheet

_COLUMNS = ("Flag id", "Decision", "Note", "Reviewer", "Decided on", "Raw value")
#: English header of the Flags column (hidden) that holds ``decision_signature`` of each row as written
WRITTEN_COLUMN = "Written by the toolkit"
_DECISION_KEYS = ("decision", "note", "reviewer", "decided_on")


def decision_signature(row: Mapping[str, object]) -> str:
    """A short fingerprint of a flag's decision cells. The master stores it beside each row when it is
    written; a row whose cells still match it was not edited in that copy, so reading it back must not
    overwrite a newer decision recorded elsewhere (the web page, or another copy of the master)."""
    text = "\x1f".join(clean_text(row.get(k, "")) for k in _DECISION_KEYS)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def record_decision(ledger: Ledger, flag_id: str, decision: str, note: str, reviewer: str, decided_on: str,
                    value: str) -> bool:
    """Upsert an auditor's decision on ``flag_id``; ``value`` is the flagged raw value it was taken on
    (a later return with another value reopens the flag). Returns False when nothing changed.
    Runs in the caller's transaction if one is open, else in its own."""
    found = ledger.db.execute("SELECT * FROM decisions WHERE flag_id = ?", (flag_id,)).fetchone()
    old = dict(found) if found else None
    new = {"decision": decision, "note": note, "reviewer": reviewer, "decided_on": decided_on}
    if old and all(old[k] == v for k, v in new.items()):
        return False
    history = ("INSERT INTO decision_history (flag_id, decision, note, reviewer, decided_on, value_at_decision, "
               "replaced_at) VALUES (?,?,?,?,?,?,?)")
    sql = ("INSERT INTO decisions (flag_id, decision, note, reviewer, decided_on, value_at_decision) "
           "VALUES (?,?,?,?,?,?) ON CONFLICT(flag_id) DO UPDATE SET decision=excluded.decision, "
           "note=excluded.note, reviewer=excluded.reviewer, decided_on=excluded.decided_on, "
           "value_at_decision=excluded.value_at_decision")
    params = (flag_id, decision, note, reviewer, decided_on, value)
    kept = (old["flag_id"], old["decision"], old["note"], old["reviewer"], old["decided_on"], old["value_at_decision"],
            datetime.now(timezone.utc).replace(microsecond=0).isoformat()) if old else None
    if ledger.db.in_transaction:
        _write(ledger, history, kept, sql, params)
    else:
        with ledger._transaction():
            _write(ledger, history, kept, sql, params)
    return True


def _write(ledger: Ledger, history: str, kept: tuple | None, sql: str, params: tuple) -> None:
    if kept is not None and kept[1]:  # a decision replaced (or reopened) stays in the history
        ledger.db.execute(history, kept)
    ledger.db.execute(sql, params)


def decision_history(ledger: Ledger, flag_id: str) -> list[dict[str, Any]]:
    """Earlier decisions on ``flag_id``, oldest first."""
    return [dict(r) for r in ledger.db.execute("SELECT * FROM decision_history WHERE flag_id = ? ORDER BY id",
                                               (flag_id,))]


def read_master_decisions(master: Path) -> dict[str, dict[str, str]]:
    """Decisions typed into ``master``'s Flags sheet, by flag id (rows with nothing typed left out, and rows
    still exactly as the toolkit wrote them); each with ``value``, the raw value the row showed. Empty when
    the master is missing or unreadable."""
    if not master.exists():
        return {}
    rows = read_own_sheet(master, "Flags")  # None: an unreadable master is rebuilt from the ledger
    if not rows or len(rows) < 2:
        return {}
    header = [clean_text(v) for v in rows[1]]  # under the Thai header
    if not all(c in header for c in _COLUMNS):
        return {}
    at = {c: header.index(c) for c in _COLUMNS + ((WRITTEN_COLUMN,) if WRITTEN_COLUMN in header else ())}
    found: dict[str, dict[str, str]] = {}
    for row in rows[2:]:
        cell = {c: clean_text(row[i]) if len(row) > i else "" for c, i in at.items()}
        values = {"decision": cell["Decision"], "note": cell["Note"], "reviewer": cell["Reviewer"],
                  "decided_on": cell["Decided on"]}
        if cell.get(WRITTEN_COLUMN) == decision_signature(values):
            continue  # untouched since it was written: what the ledger holds may be newer
        if cell["Flag id"] and any(values.values()):
            found[cell["Flag id"]] = {**values, "value": cell["Raw value"]}
    return found


def import_decisions(master: Path, ledger: Ledger) -> int:
    """Copy decisions typed into ``master``'s Flags sheet into the ledger; returns how many changed."""
    typed = read_master_decisions(master)
    if not typed:
        return 0
    changed = 0
    with ledger._transaction():
        for flag, v in typed.items():
            changed += record_decision(ledger, flag, v["decision"], v["note"], v["reviewer"], v["decided_on"], v["value"])
    return changed
