"""``toolkit merge``: decisions in, master rebuilt from the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from toolkit.config import DEFAULT_SETTINGS, Settings
from toolkit.ledger import Ledger
from toolkit.merge.consolidate import MasterData, build_master_data
from toolkit.merge.decisions import import_decisions
from toolkit.merge.master import write_master
from toolkit.reference import Reference
from toolkit.timing import stage
from toolkit.workspace import Workspace


@dataclass
class MergeResult:
    path: Path
    data: MasterData
    decisions_imported: int


def merge_workspace(ws: Workspace, ref: Reference, settings: Settings = DEFAULT_SETTINGS) -> MergeResult:
    with stage("merge_read"):
        catalogue = ws.catalogue()
        with Ledger(ws.ledger_path) as ledger:
            imported = import_decisions(ws.master_path, ledger)
            data = build_master_data(ledger, catalogue, ref, settings)
    with stage("merge_write"):
        written = write_master(data, ws.master_path)
    return MergeResult(written, data, imported)
