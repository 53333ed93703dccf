"""An auditor's decision taken on the web goes to the ledger's ``decisions`` table through the same
``record_decision`` the master's Flags read-back uses. If a master exists it is rebuilt at once, after
reading back any decisions typed into it, so a download of the workbook shows what the web page shows.
(A master written before the decision cannot overwrite it later: rows still as the toolkit wrote them
are not read back, see ``decision_signature``.)"""

from __future__ import annotations

from datetime import date

from toolkit.calendar import format_be
from toolkit.config import DEFAULT_SETTINGS, Settings
from toolkit.ledger import Ledger
from toolkit.merge.consolidate import build_master_data
from toolkit.merge.decisions import import_decisions, record_decision
from toolkit.merge.master import DECISIONS, write_master
from toolkit.reference import Reference
from toolkit.web.submit import WRITE_LOCK
from toolkit.workspace import Workspace, locked

CHOICES = ("",) + DECISIONS


def decide(ws: Workspace, ref: Reference, flag_id: str, decision: str, note: str, reviewer: str, value: str,
           settings: Settings = DEFAULT_SETTINGS, today: date | None = None) -> bool:
    """Record ``decision`` on ``flag_id`` (``""`` reopens it); returns False when nothing changed."""
    if decision not in CHOICES:
        raise ValueError(decision)
    with WRITE_LOCK, locked(ws):
        with Ledger(ws.ledger_path) as ledger:
            if ws.master_path.exists():
                import_decisions(ws.master_path, ledger)
            changed = record_decision(ledger, flag_id, decision, note.strip()[:2000], reviewer,
                                      format_be(today or date.today()) if decision else "", value)
            data = build_master_data(ledger, ws.catalogue(), ref, settings) if ws.master_path.exists() else None
        if data is not None:
            write_master(data, ws.master_path)
    return changed
