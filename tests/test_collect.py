"""collect's staging (toolkit/collect.py): the parsing pool's outcomes are drawn by a thread ahead of
the recording loop."""

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hypothesis import given
from hypothesis import strategies as st

from toolkit.collect import SPLIT_FROM_FILES, chunk_size, run_ahead, task_ranges


def test_items_come_in_order_and_the_source_runs_ahead_of_the_caller():
    produced = []
    first_asked = threading.Event()

    def source():
        for i in range(10):
            produced.append(i)
            yield i

    items = run_ahead(source(), depth=4)
    assert next(items) == 0
    first_asked.set()
    deadline = time.monotonic() + 5
    while len(produced) < 6 and time.monotonic() < deadline:  # 1 taken + 4 waiting + 1 being put
        time.sleep(0.01)
    assert len(produced) >= 5, "the thread did not run ahead while the caller was busy"
    assert len(produced) <= 6, "the thread ran further ahead than its depth"
    assert list(items) == list(range(1, 10))


def test_an_error_of_the_source_is_raised_to_the_caller_after_the_items_before_it():
    def source():
        yield 1
        yield 2
        raise ValueError("worker pool broke")

    got = []
    with pytest.raises(ValueError, match="worker pool broke"):
        for item in run_ahead(source(), depth=8):
            got.append(item)
    assert got == [1, 2]


def test_stopping_early_closes_the_source_and_ends_the_thread():
    closed = threading.Event()

    def source():
        try:
            for i in range(1000):
                yield i
        finally:
            closed.set()  # a WorkerPool.map kills its busy workers here

    before = threading.active_count()
    items = run_ahead(source(), depth=2)
    assert next(items) == 0
    items.close()
    assert closed.wait(5)
    assert threading.active_count() == before


@given(files=st.integers(1, 5000), workers=st.integers(1, 16), most=st.integers(1, 64))
def test_tasks_are_at_most_the_chunk_size_and_even_across_workers(files, workers, most):
    size = chunk_size(files, workers, most)
    ranges = task_ranges(files, workers, most)
    assert [i for r in ranges for i in r] == list(range(files))  # every file once, in order
    tasks = [len(r) for r in ranges]
    assert min(tasks) >= 1 and max(tasks) == size <= most  # no empty task, none over the chunk size
    if files >= 2 * workers:
        assert len(tasks) >= workers  # every worker has work (two tasks each where the files divide so)
    if files >= 2 * workers * most:  # big batches: chunks of nearly ``most`` (pandera's costs shared)
        assert len(tasks) <= -(-files // most) + 2 * workers
    # each task taken by the first worker free (as the pool hands them out, files costing alike): the
    # workers end within one task of each other
    loads = [0] * workers
    for task in tasks:
        loads[loads.index(min(loads))] += task
    assert max(loads) - min(loads) <= size
    # when there is more than one round, the last round's tasks are at most half a chunk (or were too
    # small to cut)
    if -(-files // size) > workers:
        assert all(t <= -(-size // 2) or t < SPLIT_FROM_FILES for t in tasks[-workers:])


def test_seventy_files_on_two_workers_split_evenly():
    assert chunk_size(70, 2, 16) == 12  # 6 tasks: 36 and 34 files, not 38 and 32
    # four tasks of 18 (32 at most), the last two cut in two: 17 files are left to record at the end
    assert [len(r) for r in task_ranges(70, 2)] == [18, 18, 9, 9, 8, 8]


_COLLECT_AND_LIST_MODULES = """
import json, sys
from pathlib import Path
from toolkit.collect import collect
from toolkit.reference import load_reference
from toolkit.workspace import Workspace
ws = Workspace.open(Path(sys.argv[1]))
results = collect(ws, [Path(p) for p in sys.argv[2:]], load_reference(), ws.catalogue())
print(json.dumps({"openpyxl": sorted(m for m in sys.modules if m.split(".")[0] == "openpyxl"),
                  "feedback": [r.feedback is not None and r.feedback.is_file() for r in results]}))
"""


def test_collect_s_own_process_never_imports_openpyxl(tmp_path):
    """The workers write the feedback workbooks; collect's process sends them the task by name, so
    openpyxl (~0.25 s of importing) is not part of its start, nor of a core the workers need."""
    from tests.builders import PROJECT, make_return, set_cell, small_catalogue
    from toolkit.template.catalogue_writer import write_catalogue
    from toolkit.workspace import Workspace

    ws = Workspace.create(tmp_path / "ws")
    write_catalogue(small_catalogue(), ws.catalogue_path)
    broken = make_return(tmp_path, "broken.xlsx",
                         edit=lambda b, c: set_cell(b, c, ("progress", f"{PROJECT}#2", "progress_pct"), 150))
    done = subprocess.run([sys.executable, "-c", _COLLECT_AND_LIST_MODULES, str(ws.root), str(broken)],
                          cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, check=True,
                          timeout=300)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"openpyxl": [], "feedback": [True]}, done.stderr[-2000:]
