"""Parse in worker processes with memory and time limits, so that no file can take the office down.

calamine aborts its whole process on some hostile files and its panics are ``BaseException``;
openpyxl can exhaust memory; any parser can hang. A ``WorkerPool`` keeps a few worker processes
(started once, from a fork server, not once per file), each under an address-space limit
(``RLIMIT_AS``). A task whose worker dies (a signal, an abort), runs out of memory or passes its time
limit becomes a ``WorkerFailure`` naming the reason (``intake.parser-crashed``, ``intake.memory``,
``intake.timeout``); the dead worker is replaced and the batch goes on.

Functions and arguments must be picklable (top-level functions, plain data)."""

from __future__ import annotations

import atexit
import gc
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import tempfile
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable, Iterator, Sequence

from toolkit.errors import ToolkitError
from toolkit.read.preflight import DEFAULT_LIMITS, Limits


class WorkerFailure(ToolkitError):
    """The worker running a task died, ran out of memory or took too long; ``code`` is the rule id."""

    def __init__(self, code: str, message_en: str, peak_rss: int = 0) -> None:
        super().__init__(code, message_en)
        self.peak_rss = peak_rss


class TaskError(Exception):
    """The task raised an ordinary exception inside the worker (a bug, not a hostile file)."""


@dataclass
class Outcome:
    """One task's result, or the failure that ended it; ``peak_rss`` in bytes, ``seconds`` wall time."""

    result: Any = None
    error: BaseException | None = None
    peak_rss: int = 0
    seconds: float = 0.0
    #: CPU seconds the task took in its worker (``BackgroundTasks`` only)
    cpu_s: float = 0.0


def _gib(n: int) -> str:
    return f"{n / (1 << 30):.1f} GiB"


def _worker_main(conn: Connection, memory_bytes: int, stderr_path: str) -> None:  # pragma: no cover - in the child
    try:
        import resource
    except ImportError:  # Windows: no RLIMIT_AS; the time limit still applies
        resource = None  # type: ignore[assignment]

    try:  # the reason a worker died (a Rust panic, "memory allocation of N bytes failed") goes here
        fd = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 2)
        os.close(fd)
    except OSError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if memory_bytes > 0 and resource is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    cached: dict[str, Any] = {}
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        fn, args, kwargs = message
        message = None  # the shared arguments' pickle (~26 MB for a national catalogue) is not kept
        if kwargs is None:  # the shared arguments of this worker's previous task (sent once per map)
            kwargs = cached
        else:
            kwargs = pickle.loads(kwargs)  # pickled once by the parent for every worker
            # the toolkit's modules and the shared arguments (catalogue, reference) live as long as the
            # worker: out of the collector's sight, full collections stop walking them for every file
            gc.collect()
            gc.freeze()
        cached = kwargs
        try:
            result: tuple[str, Any] = ("ok", fn(*args, **kwargs))
        except MemoryError as exc:
            result = ("memory", f"MemoryError {exc}")
        except BaseException as exc:  # calamine's panics are BaseException; the worker lives on
            result = ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 if resource is not None else 0
        try:
            conn.send((*result, peak))
        except MemoryError:
            conn.send(("memory", "MemoryError while returning the result", peak))
        except Exception as exc:  # an unpicklable result
            conn.send(("error", f"{type(exc).__name__}: {exc}", peak))


#: workers may be started from several threads (``BackgroundTasks``); ``__main__`` is edited meanwhile
_starting = threading.Lock()


@contextmanager
def _main_not_reimported() -> Iterator[None]:
    """Workers need only importable modules; without this, a spawn/forkserver child re-runs the parent's
    main script (all of it, when the script has no ``if __name__ == "__main__"`` guard)."""
    with _starting:
        main = sys.modules.get("__main__")
        saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main is not None and k in main.__dict__}
        try:
            if main is not None:
                main.__dict__.pop("__file__", None)
                main.__dict__["__spec__"] = None
            yield
        finally:
            for key, value in saved.items():
                main.__dict__[key] = value  # type: ignore[union-attr]


class _Worker:
    def __init__(self, ctx: Any, memory_bytes: int) -> None:
        fd, self.stderr_path = tempfile.mkstemp(prefix="toolkit-worker-", suffix=".log")
        os.close(fd)
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, memory_bytes, self.stderr_path), daemon=True)
        with _main_not_reimported():
            self.process.start()
        child.close()
        self.deadline = 0.0
        self.started = 0.0
        self.index = -1
        self.shared_token = 0  # which map's shared arguments this worker holds

    def stderr_tail(self) -> str:
        try:
            with open(self.stderr_path, "rb") as fh:
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - 4000))
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()
        try:
            os.unlink(self.stderr_path)
        except OSError:
            pass

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(2)
        self.kill()


#: what the forkserver imports once before it forks each worker (a pool's default)
FORKSERVER_PRELOAD = ["toolkit.read.worker_preload"]


class WorkerPool:
    """``size`` worker processes under ``limits.worker_memory_bytes`` and ``limits.worker_timeout_s``
    per task. Use ``run`` for one task or ``map`` for many in parallel; ``close`` when done (or use
    ``with``). ``preload``: the modules the forkserver imports before it forks the workers (default
    ``FORKSERVER_PRELOAD``), if this pool is the first to start it (there is one per process)."""

    def __init__(self, size: int = 0, limits: Limits = DEFAULT_LIMITS,
                 preload: Sequence[str] | None = None) -> None:
        self.size = max(1, size or limits.workers or os.cpu_count() or 1)
        self.limits = limits
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self._ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            # (the default's toolkit.validate.warm runs a first validation: no worker pays pandera's one-time costs)
            self._ctx.set_forkserver_preload(list(FORKSERVER_PRELOAD if preload is None else preload))
        self._idle: list[_Worker] = []
        self.replaced = 0  # workers that died and were replaced
        self._maps = 0
        # collect drives one map from a thread of its own while its main thread may run() a re-check:
        # the idle workers and the map counter are shared between them
        self._lock = threading.Lock()
        self._warming: threading.Thread | None = None

    def warm_up(self) -> None:
        """Start the workers in a background thread while the caller goes on (the first start runs
        the forkserver, which imports the toolkit: ~0.8 s in which the caller can import and read the
        catalogue); the first task waits for them. Does nothing once workers are running."""
        with self._lock:
            if self._warming is not None or self._idle:
                return
            self._warming = threading.Thread(target=self._start_idle, name="toolkit-pool-warm-up", daemon=True)
        self._warming.start()

    def _start_idle(self) -> None:
        for _ in range(self.size):
            try:
                worker = self._new_worker()
            except Exception:  # noqa: BLE001 - the first task starts its worker itself, and reports
                return
            with self._lock:
                self._idle.append(worker)

    def _new_worker(self) -> _Worker:
        return _Worker(self._ctx, self.limits.worker_memory_bytes)

    def _join_warm_up(self) -> None:
        warming = self._warming
        if warming is not None:
            warming.join()

    def _worker(self) -> _Worker:
        self._join_warm_up()
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.is_alive():
                    return worker
                worker.kill()
        return self._new_worker()

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` in a worker; return its result, raise ``WorkerFailure`` or
        ``TaskError``."""
        outcome = next(self.map(fn, [args], **kwargs, _star=True))
        if outcome.error is not None:
            raise outcome.error
        return outcome.result

    def map(self, fn: Callable[..., Any], jobs: Iterable[Any], _star: bool = False,
            **shared: Any) -> Iterator[Outcome]:
        """``fn(job, **shared)`` for every job, up to ``size`` at a time; yields an ``Outcome`` per job
        in the jobs' order."""
        with self._lock:
            self._maps += 1
            token = self._maps  # shared arguments (a catalogue can be megabytes) go once to each worker
        blob: bytes | None = None

        def shared_blob() -> bytes:  # pickled once for all of them (a national catalogue takes ~1.5 s)
            nonlocal blob
            if blob is None:
                blob = pickle.dumps(shared, pickle.HIGHEST_PROTOCOL)
            return blob

        pending = iter(enumerate(jobs))
        busy: dict[Connection, _Worker] = {}
        done: dict[int, Outcome] = {}
        next_out = 0
        exhausted = False
        try:
            while True:
                while not exhausted and len(busy) < self.size:
                    item = next(pending, None)
                    if item is None:
                        exhausted = True
                        break
                    index, job = item
                    args = tuple(job) if _star else (job,)
                    worker = self._worker()
                    try:
                        worker.conn.send((fn, args, None if worker.shared_token == token else shared_blob()))
                    except (OSError, ValueError, EOFError):  # the worker died idle: start another
                        worker.kill()
                        worker = self._new_worker()
                        worker.conn.send((fn, args, shared_blob()))
                    worker.shared_token = token
                    worker.index, worker.started = index, time.monotonic()
                    worker.deadline = worker.started + self.limits.worker_timeout_s
                    busy[worker.conn] = worker
                while next_out in done:
                    yield done.pop(next_out)
                    next_out += 1
                if not busy:
                    if exhausted:
                        return
                    continue
                timeout = max(0.0, min(w.deadline for w in busy.values()) - time.monotonic())
                for conn in wait(list(busy), timeout):
                    worker = busy.pop(conn)  # type: ignore[arg-type]
                    done[worker.index] = self._collect(worker)
                now = time.monotonic()
                for conn, worker in list(busy.items()):
                    if now >= worker.deadline:
                        del busy[conn]
                        worker.kill()
                        self.replaced += 1
                        done[worker.index] = Outcome(
                            error=WorkerFailure("intake.timeout", f"{self.limits.worker_timeout_s:.0f} s"),
                            seconds=now - worker.started)
        finally:
            for worker in busy.values():  # the caller stopped early: do not leave tasks running
                worker.kill()

    def _collect(self, worker: _Worker) -> Outcome:
        seconds = time.monotonic() - worker.started
        try:
            status, payload, peak = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(5)
            code = worker.process.exitcode
            tail = worker.stderr_tail()
            worker.kill()
            self.replaced += 1
            peak = 0  # unknown once dead; RLIMIT_AS bounded it
            if "memory allocation" in tail or "MemoryError" in tail:
                return Outcome(error=WorkerFailure("intake.memory", f"limit {_gib(self.limits.worker_memory_bytes)}", peak),
                               peak_rss=peak, seconds=seconds)
            what = f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
            last = next((line.strip() for line in reversed(tail.splitlines()) if line.strip()), "")
            return Outcome(error=WorkerFailure("intake.parser-crashed", what + (f": {last[:160]}" if last else ""), peak),
                           peak_rss=peak, seconds=seconds)
        with self._lock:
            keep = len(self._idle) < self.size
            if keep:
                self._idle.append(worker)
        if not keep:  # a nested run() started an extra worker: do not keep more than ``size``
            worker.stop()
        if status == "ok":
            return Outcome(payload, None, peak, seconds)
        if status == "memory":
            return Outcome(error=WorkerFailure("intake.memory", f"limit {_gib(self.limits.worker_memory_bytes)}", peak),
                           peak_rss=peak, seconds=seconds)
        return Outcome(error=TaskError(payload), peak_rss=peak, seconds=seconds)

    def close(self) -> None:
        self._join_warm_up()
        while self._idle:
            self._idle.pop().stop()

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_shared: WorkerPool | None = None


def shared_pool(limits: Limits = DEFAULT_LIMITS, preload: Sequence[str] | None = None) -> WorkerPool:
    """One pool per process, started on first use and closed at exit (collect runs reuse it).
    ``preload`` (default ``FORKSERVER_PRELOAD``) is used only by the call that starts the pool."""
    global _shared
    if _shared is None or _shared.limits != limits:
        if _shared is not None:
            _shared.close()
        _shared = WorkerPool(limits=limits, preload=preload)
    return _shared


def _cpu_timed(fn: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """``fn(*args)`` and the CPU seconds it took (run in a worker)."""
    began = time.process_time()
    result = fn(*args)
    return result, time.process_time() - began


class BackgroundTasks:
    """Tasks run in isolated workers while the caller goes on: ``submit(fn, *args)`` returns at once,
    ``finish()`` waits for every submitted task and gives its ``Outcome`` (in submission order). Up to
    ``size`` threads each drive their own one-worker ``WorkerPool`` (same memory and time limits, a
    dead worker replaced): the first starts with the first task, each next one only once more than
    ``BACKLOG_PER_WORKER`` tasks per running worker wait. ``collect`` writes feedback workbooks this way
    while it checks and records the next files: a handful of them at the office's scale, which one
    worker keeps up with (a second one's start and first imports took ~0.4 s of a core the checking
    workers needed)."""

    BACKLOG_PER_WORKER = 2

    def __init__(self, size: int = 0, limits: Limits = DEFAULT_LIMITS) -> None:
        self.size = max(1, size or limits.workers or os.cpu_count() or 1)
        self.limits = limits
        self._queue: queue.Queue = queue.Queue()
        self._outcomes: list[Outcome | None] = []
        self._threads: list[threading.Thread] = []

    def submit(self, fn: Callable[..., Any], *args: Any) -> int:
        """Queue ``fn(*args)``; returns its index in ``finish()``'s list."""
        self._outcomes.append(None)
        index = len(self._outcomes) - 1
        self._queue.put((index, fn, args))
        if not self._threads or (len(self._threads) < self.size and
                                 self._queue.qsize() > self.BACKLOG_PER_WORKER * len(self._threads)):
            thread = threading.Thread(target=self._serve, name=f"toolkit-background-{len(self._threads)}", daemon=True)
            self._threads.append(thread)
            thread.start()
        return index

    def _serve(self) -> None:
        with WorkerPool(1, self.limits) as pool:
            while True:
                item = self._queue.get()
                try:
                    if item is None:
                        return
                    index, fn, args = item
                    started = time.monotonic()
                    try:
                        result, cpu = pool.run(_cpu_timed, fn, *args)
                        self._outcomes[index] = Outcome(result, seconds=time.monotonic() - started, cpu_s=cpu)
                    except BaseException as exc:  # WorkerFailure, TaskError: the caller decides
                        self._outcomes[index] = Outcome(error=exc, seconds=time.monotonic() - started)
                finally:
                    self._queue.task_done()

    def wait(self) -> None:
        """Until every task submitted so far is done."""
        self._queue.join()

    def finish(self, cancel: bool = False) -> list[Outcome]:
        """Wait for every task (``cancel``: drop those not started yet), stop the workers, return the
        outcomes; a dropped task's outcome has a ``TaskError``."""
        if cancel:
            while True:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
                self._queue.task_done()
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        self._threads = []
        return [o if o is not None else Outcome(error=TaskError("cancelled before it started")) for o in self._outcomes]


@atexit.register
def _close_shared() -> None:
    if _shared is not None:
        _shared.close()


def unpack(outcome: Any) -> tuple[Any, BaseException | None, int]:
    """(result, error, peak memory) of a pool's ``Outcome`` or an executor's ``(result, error)`` pair."""
    if isinstance(outcome, Outcome):
        return outcome.result, outcome.error, outcome.peak_rss
    return (*outcome, 0)


def stage_result(outcome: Any, display_name: str) -> Any:
    """The per-file stage's ``StageResult`` from its outcome in a worker (``unpack``'s forms). A worker
    that crashed, ran out of memory or time gives a StageResult whose report holds that named
    rejection; a bug raises."""
    from toolkit.findings import FileReport, make_finding
    from toolkit.read.stage import StageResult
    from toolkit.validate.run import ParsedReturn

    result, error, peak = unpack(outcome)
    if isinstance(error, WorkerFailure):
        report = FileReport(file=display_name)
        report.findings.append(make_finding(error.code, detail=error.message_en))
        return StageResult(ParsedReturn(report), 0, getattr(outcome, "seconds", 0.0), error.peak_rss)
    if error is not None:
        raise error
    result.peak_rss = result.peak_rss or peak
    return result


def check_in_worker(job: Any, *, ref: Any, catalogue: Any = None, settings: Any = None,
                    pool: WorkerPool | None = None) -> Any:
    """``check_file(job)`` in an isolated worker (``toolkit validate``'s path), as ``stage_result``
    gives it."""
    from toolkit.catalogue_shipped import ship
    from toolkit.config import DEFAULT_SETTINGS
    from toolkit.read.stage import check_file

    outcome = next((pool or shared_pool()).map(check_file, [job], ref=ref, catalogue=ship(catalogue),
                                               settings=settings or DEFAULT_SETTINGS))
    return stage_result(outcome, job.display_name)
