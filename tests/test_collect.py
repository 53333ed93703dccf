"""collect's staging (toolkit/collect.py): the parsing pool's outcomes are drawn by a thread ahead of
the recording loop."""

import threading
import time

import pytest

from toolkit.collect import run_ahead


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
