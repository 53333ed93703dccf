"""When a merge works out its derived parts (KPI results, flags, summary) in a parsing worker
(``toolkit.merge.derived``): from this many consolidated rows. Decided on a read-only look at the
ledger, so that ``toolkit merge`` can start the workers before it imports the rest (the workers'
start, ~0.7 s of importing pandas and pandera, then overlaps this process's own)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from toolkit.ledger.store import Ledger
from toolkit.read.isolate import WorkerPool, shared_pool

#: consolidated rows from which a merge derives in a worker (~1.5 s of merging on the bench machine)
PARALLEL_MIN_ROWS = 20_000
#: what the merge's worker needs imported: the derived parts, not the validator. The pool's default
#: (pandas, pandera and a first validation, ~0.9 s before a worker can start) made the 70-return merge
#: wait ~0.4-1.1 s for the worker's parts; with this it has them before it asks (~0.2 s to start)
MERGE_PRELOAD = ("toolkit.merge.derived", "toolkit.workspace")


def uses_a_worker(ledger: Ledger) -> bool:
    """Whether a merge of ``ledger`` derives in a worker: it holds ``PARALLEL_MIN_ROWS`` rows or more."""
    return ledger.count_rows() >= PARALLEL_MIN_ROWS


def merge_pool() -> WorkerPool:
    """The process's worker pool, started for a merge (``MERGE_PRELOAD``) unless already running."""
    return shared_pool(preload=MERGE_PRELOAD)


def merge_uses_a_worker(ledger_path: Path) -> bool:
    """``uses_a_worker`` for the ledger at ``ledger_path`` (False for a missing or unreadable one: the
    merge itself then reports what is wrong). ``merge_workspace`` asks the same of the ledger it
    already has open, unless told."""
    path = Path(ledger_path)
    if not path.is_file():
        return False
    try:
        with Ledger.reader(path) as ledger:
            return uses_a_worker(ledger)
    except sqlite3.Error:
        return False
