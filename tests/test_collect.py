"""collect's staging (toolkit/collect.py): the parsing pool's outcomes are drawn by a thread ahead of
the recording loop."""

import threading
import time

import pytest

from hypothesis import given
from hypothesis import strategies as st

from toolkit.collect import chunk_size, run_ahead, task_ranges


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
        assert len(tasks) <= -(-files // most) + workers
    # workers taking tasks in turn end within one task of each other
    loads = [sum(tasks[w::workers]) for w in range(workers)]
    assert max(loads) - min(loads) <= size


def test_seventy_files_on_two_workers_split_evenly():
    assert chunk_size(70, 2, 16) == 12  # 6 tasks: 36 and 34 files, not 38 and 32
