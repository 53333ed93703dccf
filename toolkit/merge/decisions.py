"""Auditors write their decisions into the master's Flags sheet; before each rebuild they are read
back into the ledger so that no note is lost."""

from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl

from toolkit.ledger import Ledger
from toolkit.normalise.values import clean_text

_COLUMNS = ("Flag id", "Decision", "Note", "Reviewer", "Decided on", "Raw value")


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
    sql = ("INSERT INTO decisions (flag_id, decision, note, reviewer, decided_on, value_at_decision) "
           "VALUES (?,?,?,?,?,?) ON CONFLICT(flag_id) DO UPDATE SET decision=excluded.decision, "
           "note=excluded.note, reviewer=excluded.reviewer, decided_on=excluded.decided_on, "
           "value_at_decision=excluded.value_at_decision")
    params = (flag_id, decision, note, reviewer, decided_on, value)
    if ledger.db.in_transaction:
        ledger.db.execute(sql, params)
    else:
        with ledger._transaction():
            ledger.db.execute(sql, params)
    return True


def import_decisions(master: Path, ledger: Ledger) -> int:
    """Copy decisions typed into ``master``'s Flags sheet into the ledger; returns how many changed."""
    if not master.exists():
        return 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(master, read_only=True, data_only=True)
    except Exception:
        return 0  # an unreadable master is rebuilt from the ledger; decisions already there are kept
    try:
        if "Flags" not in book.sheetnames:
            return 0
        rows = book["Flags"].iter_rows(values_only=True)
        next(rows, None)  # Thai header
        header = [clean_text(v) for v in next(rows, ())]
        if not all(c in header for c in _COLUMNS):
            return 0
        at = {c: header.index(c) for c in _COLUMNS}
        changed = 0
        with ledger._transaction():
            for row in rows:
                flag = clean_text(row[at["Flag id"]]) if len(row) > at["Flag id"] else ""
                if not flag:
                    continue
                values = {k: clean_text(row[at[c]]) if len(row) > at[c] else "" for k, c in
                          (("decision", "Decision"), ("note", "Note"), ("reviewer", "Reviewer"), ("decided_on", "Decided on"))}
                if not any(values.values()):
                    continue
                raw = clean_text(row[at["Raw value"]]) if len(row) > at["Raw value"] else ""
                changed += record_decision(ledger, flag, values["decision"], values["note"], values["reviewer"],
                                           values["decided_on"], raw)
        return changed
    finally:
        book.close()
