"""Past one machine: run collect's per-file stage (``toolkit.read.stage.check_file``, or ``check_chunk``
for several files per task; pure, picklable functions of the files' bytes and the catalogue) on a Dask cluster: ``collect(..., executor=
DaskExecutor(address))``, or ``toolkit collect WS --executor dask --scheduler ADDRESS``. Archiving,
recording into the ledger and feedback stay in the process that runs ``collect``; the files travel as
bytes, the catalogue and reference data once per worker."""

from __future__ import annotations

import dataclasses
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from toolkit.errors import ToolkitError


class DaskExecutor:
    """``map`` a function over jobs on the cluster at ``scheduler`` (``tcp://host:8786``, or the
    address of an in-process ``LocalCluster``); results come back in the jobs' order, at most
    ``window`` jobs in flight so that a large inbox is not sent all at once."""

    def __init__(self, scheduler: str, timeout: float = 30.0, window: int | None = None) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - dask is a declared dependency
            raise ToolkitError("executor.dask-missing", "dask.distributed is not installed",
                               "ไม่ได้ติดตั้ง dask.distributed") from exc
        try:
            self.client = Client(scheduler, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ToolkitError("executor.dask-unreachable", f"no Dask scheduler at {scheduler}: {exc}",
                               f"ติดต่อ Dask scheduler ที่ {scheduler} ไม่ได้") from exc
        threads = sum(self.client.nthreads().values()) or 1
        self.window = window or 4 * threads

    def map(self, fn: Callable[..., Any], jobs: Iterable[Any], **shared: Any) -> Iterator[tuple[Any, BaseException | None]]:
        """Yield ``(result, None)`` or ``(None, error)`` per job, in order. ``shared`` values (the
        catalogue, the reference data) are sent to every worker once, not once per job."""
        scattered = {k: self.client.scatter([v], broadcast=True, hash=False)[0] for k, v in shared.items()}
        pending: deque = deque()
        for job in jobs:
            pending.append(self.client.submit(fn, _portable(job), pure=False, **scattered))
            if len(pending) >= self.window:
                yield _outcome(pending.popleft())
        while pending:
            yield _outcome(pending.popleft())

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "DaskExecutor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _portable(job: Any) -> Any:
    """A job whose ``source`` is a local file travels as the file's bytes (workers elsewhere cannot
    read this machine's archive); so does each job of a chunk (a list of jobs)."""
    if isinstance(job, list):
        return [_portable(one) for one in job]
    source = getattr(job, "source", None)
    if dataclasses.is_dataclass(job) and isinstance(source, Path):
        return dataclasses.replace(job, source=source.read_bytes())
    return job


def _outcome(future: Any) -> tuple[Any, BaseException | None]:
    try:
        return future.result(), None
    except Exception as exc:  # the job's own exception, or KilledWorker when it kept killing workers
        return None, exc
    finally:
        future.release()
