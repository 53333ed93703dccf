"""toolkit.merge.parallel: whether a merge derives in a worker, read from the ledger with sqlite3 alone."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.builders import make_return, small_catalogue
from toolkit.collect import collect
from toolkit.ledger import Ledger
from toolkit.merge import parallel
from toolkit.merge.parallel import merge_uses_a_worker
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]


def test_missing_or_unreadable_ledgers_mean_no_worker(tmp_path):
    assert not merge_uses_a_worker(tmp_path / "ledger.sqlite")
    (tmp_path / "junk.sqlite").write_bytes(b"not a database at all" * 100)
    assert not merge_uses_a_worker(tmp_path / "junk.sqlite")
    sqlite3.connect(tmp_path / "empty.sqlite").close()  # a database without the ledger's tables
    assert not merge_uses_a_worker(tmp_path / "empty.sqlite")


def test_decided_by_the_ledger_s_rows_without_changing_it(ref, tmp_path, monkeypatch):
    """A ledger in a folder with Thai letters and spaces; read only (its bytes do not change)."""
    small_ws = Workspace.create(tmp_path / "งานรวม ปี 2564")
    write_catalogue(small_catalogue(), small_ws.catalogue_path)
    collect(small_ws, [make_return(tmp_path, "ส่งคืน 1.xlsx")], ref, small_ws.catalogue())
    with Ledger(small_ws.ledger_path) as ledger:
        rows = ledger.count_rows()
    assert rows > 0
    before = small_ws.ledger_path.read_bytes()
    assert not merge_uses_a_worker(small_ws.ledger_path)  # a few rows: derived here
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ROWS", rows)
    assert merge_uses_a_worker(small_ws.ledger_path)
    assert small_ws.ledger_path.read_bytes() == before


_WORKER_MODULES = """
import json, sys
from toolkit.merge.parallel import merge_pool
pool = merge_pool()
try:
    # eval, a builtin, is what a worker can be sent without importing anything of this script
    print(json.dumps(pool.run(eval, "sorted(__import__('sys').modules)")))
finally:
    pool.close()
"""


def test_the_merge_s_worker_starts_without_the_validator():
    """The merge's worker derives KPI results, flags and the summary: its forkserver imports those, not
    pandas and pandera with a first validation (~0.9 s the merge had to wait for its parts)."""
    done = subprocess.run([sys.executable, "-c", _WORKER_MODULES], cwd=ROOT, capture_output=True, text=True,
                          check=True, timeout=120)
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "toolkit.merge.derived" in loaded and "toolkit.workspace" in loaded
    assert {"pandera", "toolkit.validate.run", "toolkit.validate.warm"}.isdisjoint(loaded)
