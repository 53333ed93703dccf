"""``toolkit merge``: decisions in, master rebuilt from the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from toolkit.config import DEFAULT_SETTINGS, Settings
from toolkit.gcpause import collector_paused
from toolkit.ledger import Ledger
from toolkit.merge.consolidate import MasterData, MergeProgress, build_master_data, consolidate
from toolkit.merge.derived import DerivedElsewhere
from toolkit.merge.decisions import import_decisions
from toolkit.merge.master import write_master
from toolkit.merge.parallel import merge_pool, uses_a_worker
from toolkit.reference import Reference
from toolkit.timing import stage
from toolkit.workspace import Workspace


@dataclass
class MergeResult:
    path: Path
    data: MasterData
    decisions_imported: int
    #: the KPI results, flags and summary came from a parsing worker (``toolkit.merge.derived``)
    derived_in_worker: bool = False


def merge_workspace(ws: Workspace, ref: Reference, settings: Settings = DEFAULT_SETTINGS,
                    progress: MergeProgress | None = None, parallel: bool | None = None) -> MergeResult:
    """Read the auditors' decisions back from the master, then rebuild it from the ledger.
    ``progress`` hears each step (at a national scale the whole takes minutes). ``parallel``: work
    out the KPI results, flags and summary in a parsing worker while this process writes the
    consolidated sheets (None: as ``toolkit.merge.parallel.uses_a_worker`` decides).

    The cyclic garbage collector is paused throughout (``toolkit.gcpause``): the master's rows and
    cells, built by the million and kept until the file is written, hold no cycles."""
    with collector_paused():
        return _merge(ws, ref, settings, progress, parallel)


def _merge(ws: Workspace, ref: Reference, settings: Settings, progress: MergeProgress | None,
           parallel: bool | None) -> MergeResult:
    elsewhere: DerivedElsewhere | None = None
    with stage("merge_read"):
        catalogue = ws.catalogue()
        with Ledger(ws.ledger_path) as ledger:
            if progress:
                progress("อ่านผลการพิจารณา / reading the auditors' decisions", 0, None)
            imported = import_decisions(ws.master_path, ledger)
            today = date.today()
            if parallel is None:
                parallel = uses_a_worker(ledger)
            if parallel:
                elsewhere = DerivedElsewhere(merge_pool(), ws.root, ledger, ref, settings, today)
                data = consolidate(ledger, catalogue, ref, today, progress=progress)
            else:
                data = build_master_data(ledger, catalogue, ref, settings, today, progress=progress)
    with stage("merge_write"):
        if elsewhere is None:
            written = write_master(data, ws.master_path, progress=progress)
        else:
            with Ledger.reader(ws.ledger_path) as ledger:  # the derived parts only read it
                written = write_master(data, ws.master_path, progress=progress, derived=lambda: elsewhere.fill(
                    data, ledger, catalogue, ref, settings, progress))
    return MergeResult(written, data, imported, elsewhere is not None and elsewhere.taken)
