"""Auditors write their decisions into the master's Flags sheet; before each rebuild they are read
back into the ledger so that no note is lost."""

from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl

from toolkit.ledger import Ledger
from toolkit.normalise.values import clean_text

_COLUMNS = ("Flag id", "Decision", "Note", "Reviewer", "Decided on", "Raw value")


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
        known = ledger.decisions()
        changed = 0
        with ledger._transaction():
            for row in rows:
                flag = clean_text(row[at["Flag id"]]) if len(row) > at["Flag id"] else ""
                if not flag:
                    continue
                values = {k: clean_text(row[at[c]]) for k, c in
                          (("decision", "Decision"), ("note", "Note"), ("reviewer", "Reviewer"), ("decided_on", "Decided on"))}
                if not any(values.values()):
                    continue
                old = known.get(flag)
                if old and all(old[k] == v for k, v in values.items()):
                    continue
                ledger.db.execute(
                    "INSERT INTO decisions (flag_id, decision, note, reviewer, decided_on, value_at_decision) "
                    "VALUES (?,?,?,?,?,?) ON CONFLICT(flag_id) DO UPDATE SET decision=excluded.decision, "
                    "note=excluded.note, reviewer=excluded.reviewer, decided_on=excluded.decided_on, "
                    "value_at_decision=excluded.value_at_decision",
                    (flag, values["decision"], values["note"], values["reviewer"], values["decided_on"],
                     clean_text(row[at["Raw value"]])))
                changed += 1
        return changed
    finally:
        book.close()
