"""``toolkit merge``: decisions in, master rebuilt from the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from toolkit.config import DEFAULT_SETTINGS, Settings
from toolkit.ledger import Ledger
from toolkit.merge.consolidate import MasterData, MergeProgress, build_master_data
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


def merge_workspace(ws: Workspace, ref: Reference, settings: Settings = DEFAULT_SETTINGS,
                    progress: MergeProgress | None = None) -> MergeResult:
    """Read the auditors' decisions back from the master, then rebuild it from the ledger.
    ``progress`` hears each step (at a national scale the whole takes minutes)."""
    with stage("merge_read"):
        catalogue = ws.catalogue()
        with Ledger(ws.ledger_path) as ledger:
            if progress:
                progress("อ่านผลการพิจารณา / reading the auditors' decisions", 0, None)
            imported = import_decisions(ws.master_path, ledger)
            data = build_master_data(ledger, catalogue, ref, settings, progress=progress)
    with stage("merge_write"):
        written = write_master(data, ws.master_path, progress=progress)
    return MergeResult(written, data, imported)
