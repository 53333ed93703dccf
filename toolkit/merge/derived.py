"""The merge's derived parts (KPI results, flags with the outliers across returns, the summary) worked
out in a worker of the parsing pool while this process consolidates the sheets and writes them.

On two cores this takes the outlier search and the rest off the merge's path: the 70-return merge
goes from 6.3 s to ~5.7 s. The worker reads the ledger itself (SQLite in WAL mode lets both read) and
consolidates the sheets it needs; its result is taken only if it saw the submissions this process
did. Any failure there (its memory or time limit, a bug, a ledger that moved on) means deriving here,
as a merge always did. Small merges derive here: a worker's start is not worth it."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

from toolkit.catalogue import Catalogue
from toolkit.config import Settings
from toolkit.gcpause import collector_paused
from toolkit.ledger import Ledger
from toolkit.merge.consolidate import (DERIVED_FROM, OUTLIER_STEP, MasterData, MergeProgress, consolidate,
                                      derive)
from toolkit.reference import Reference

Parts = tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]


def last_submission(ledger: Ledger) -> int:
    """The newest submission's id (0 for none): what both processes must have seen."""
    return int(ledger.db.execute("SELECT COALESCE(MAX(id), 0) FROM submissions").fetchone()[0])


def derived_parts(root: str, ref: Reference, settings: Settings, today: date, seen: int) -> Parts | None:
    """In the worker: KPI results, flags and summary from the workspace at ``root``; None if the
    ledger's newest submission is not ``seen`` (a collect recorded another return meanwhile). The
    catalogue is read here (from the workspace's cache), not sent: pickling a national catalogue would
    hold up the process that writes."""
    from toolkit.workspace import Workspace

    ws = Workspace.open(Path(root))
    with collector_paused(), Ledger.reader(ws.ledger_path) as ledger:  # as in the merge: rows without cycles
        if last_submission(ledger) != seen:
            return None
        catalogue = ws.catalogue()
        data = consolidate(ledger, catalogue, ref, today, keys=DERIVED_FROM)
        derive(data, ledger, catalogue, ref, settings)
        return data.kpi_results, data.flags, data.summary


class DerivedElsewhere:
    """``derived_parts`` started in ``pool`` from a thread of its own; ``fill`` puts its result in the
    master's data, or derives here."""

    def __init__(self, pool: Any, root: Path, ledger: Ledger, ref: Reference, settings: Settings,
                 today: date) -> None:
        self.seen = last_submission(ledger)
        self._parts: Parts | None = None
        #: whether ``fill`` took the worker's parts (False: derived here)
        self.taken = False
        args = (str(root), ref, settings, today, self.seen)
        self._thread = threading.Thread(target=self._run, args=(pool, args), name="merge-derived", daemon=True)
        self._thread.start()

    def _run(self, pool: Any, args: tuple[Any, ...]) -> None:
        try:
            self._parts = pool.run(derived_parts, *args)
        except Exception:  # noqa: BLE001 - a worker's failure only means deriving here
            self._parts = None

    def fill(self, data: MasterData, ledger: Ledger, catalogue: Catalogue, ref: Reference, settings: Settings,
             progress: MergeProgress | None = None) -> None:
        """Wait for the worker; take its parts, or derive them here if it has none."""
        if progress and self._thread.is_alive():
            progress(OUTLIER_STEP, 0, None)
        self._thread.join()
        self.taken = self._parts is not None and last_submission(ledger) == self.seen
        if self.taken:
            data.kpi_results, data.flags, data.summary = self._parts  # type: ignore[misc]
        else:
            derive(data, ledger, catalogue, ref, settings, progress=progress)
