"""The pool sends a map's shared arguments (the catalogue) once to each worker, not with every file."""

from __future__ import annotations

from toolkit.read.isolate import WorkerPool

PICKLED = []


class Big:
    """Stands for a national catalogue: counts how often the parent pickles it."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __getstate__(self) -> dict:
        PICKLED.append(self.value)
        return {"value": self.value}

    def __setstate__(self, state: dict) -> None:
        self.value = state["value"]


def _times(job: int, big: Big) -> int:
    return job * big.value


def test_shared_arguments_go_once_per_worker_and_per_map() -> None:
    PICKLED.clear()
    with WorkerPool(size=2) as pool:
        first = [o.result for o in pool.map(_times, range(8), big=Big(3))]
        second = [o.result for o in pool.map(_times, range(4), big=Big(5))]
    assert first == [3 * i for i in range(8)] and second == [5 * i for i in range(4)]
    assert PICKLED.count(3) <= 2 and PICKLED.count(5) <= 2  # per worker, not 8 and 4 times
    assert PICKLED.count(3) >= 1 and PICKLED.count(5) >= 1
