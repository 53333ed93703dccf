"""Stage timing for the benchmark: ``with stage("read"):`` around a stage adds its wall and CPU time
to the active recorder. Nothing is recorded (and almost nothing is spent) unless a caller opened
``recording()``; a worker process can record its own stages and send the ``Timings`` back, which the
parent adds with ``absorb``."""

from __future__ import annotations

import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, ContextManager, Iterator

_NOOP = nullcontext()
_current: "Timings | None" = None


@dataclass
class Timings:
    """Seconds of wall and CPU time (this process) and number of calls, per stage name."""

    wall: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, wall: float, cpu: float, calls: int = 1) -> None:
        self.wall[name] = self.wall.get(name, 0.0) + wall
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu
        self.calls[name] = self.calls.get(name, 0) + calls

    def merge(self, other: "Timings") -> None:
        for name in other.wall:
            self.add(name, other.wall[name], other.cpu.get(name, 0.0), other.calls.get(name, 0))

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {name: {"wall_s": round(self.wall[name], 4), "cpu_s": round(self.cpu.get(name, 0.0), 4),
                       "calls": self.calls.get(name, 0)} for name in sorted(self.wall)}


class _Stage:
    __slots__ = ("name", "into", "wall", "cpu")

    def __init__(self, name: str, into: Timings) -> None:
        self.name, self.into = name, into

    def __enter__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *exc: object) -> None:
        self.into.add(self.name, time.perf_counter() - self.wall, time.process_time() - self.cpu)


def stage(name: str) -> ContextManager[None]:
    """Time the block as stage ``name`` if a recorder is active; otherwise a shared no-op."""
    current = _current
    return _NOOP if current is None else _Stage(name, current)


def active() -> bool:
    return _current is not None


@contextmanager
def recording(into: Timings | None = None) -> Iterator[Timings]:
    """Record every ``stage`` entered in this process while the block runs."""
    global _current
    previous, _current = _current, into if into is not None else Timings()
    try:
        yield _current
    finally:
        _current = previous


def absorb(timings: Timings | None) -> None:
    """Add timings measured elsewhere (a worker process) to the active recorder, if any."""
    if timings is not None and _current is not None:
        _current.merge(timings)
