"""``toolkit flags``: the findings auditors follow up, with their decisions, without writing anything.

Flags and decisions come from the ledger, as the master shows them; decisions typed into
``master.xlsx`` since the last merge are shown too (the next merge records them in the ledger)."""

from __future__ import annotations

from typing import Any

from toolkit.config import DEFAULT_SETTINGS, Settings
from toolkit.ledger import Ledger
from toolkit.merge.consolidate import build_master_data
from toolkit.merge.decisions import read_master_decisions
from toolkit.reference import Reference
from toolkit.workspace import Workspace

FIELDS = ("flag_id", "rule", "severity", "agency", "agency_name", "round", "source_file", "sheet", "cell", "value",
          "message_th", "message_en", "decision", "note", "reviewer", "decided_on")


def list_flags(ws: Workspace, ref: Reference, settings: Settings = DEFAULT_SETTINGS, open_only: bool = False,
               agency: str | None = None, round_: str | None = None) -> list[dict[str, Any]]:
    """Flags in the master's order (open first, errors first), optionally only open ones, of one
    agency or round. A flag is open while it has no decision."""
    with Ledger(ws.ledger_path) as ledger:
        data = build_master_data(ledger, ws.catalogue(), ref, settings)
    typed = read_master_decisions(ws.master_path)
    out = []
    for f in data.flags:
        row = {k: f.get(k, "") for k in FIELDS}
        pending = typed.get(row["flag_id"])
        if pending and pending["value"] == str(row["value"]):  # typed on the value still flagged
            row.update({k: pending[k] for k in ("decision", "note", "reviewer", "decided_on")})
        row["open"] = not row["decision"]
        if (open_only and not row["open"]) or (agency and row["agency"] != agency) or (round_ and row["round"] != round_):
            continue
        out.append(row)
    out.sort(key=lambda r: (not r["open"], r["severity"] != "error"))  # stable: keeps the master's order within
    return out
