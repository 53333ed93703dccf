"""Intake: archive each file unchanged under its content hash, validate, record, give feedback.
One bad file never stops the batch."""

from __future__ import annotations

import importlib
import os
import queue
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

from toolkit.atomic import atomic_copy
from toolkit.catalogue import Catalogue
from toolkit.catalogue_shipped import ship
from toolkit.config import DEFAULT_SETTINGS, Settings
from toolkit.digest import sha256_of
from toolkit.diff import resubmission_changes
from toolkit.findings import FileReport, make_finding
from toolkit.ledger import Ledger, Submission
from toolkit.ledger.history import LedgerHistory
from toolkit.read.accounting import RunAccount, account_run
from toolkit.read.isolate import (BackgroundTasks, Outcome, TaskError, WorkerFailure, WorkerPool, check_in_worker,
                                  shared_pool, stage_result, unpack)
from toolkit.read.stage import FileJob, StageResult, check_chunk, check_file
from toolkit.reference import Reference
from toolkit.timing import Timings, absorb, stage
from toolkit.workspace import Workspace

RETURN_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv", ".html", ".htm", ""}
#: files checked per worker task: pandera's column checks run once per sheet kind per chunk
#: (``toolkit.validate.batch``), and the catalogue and results travel in fewer messages. pandera
#: costs ~17 ms per chunk plus ~2 ms per return: 32 rather than 16 saves ~1 ms of CPU per bench
#: return (16 rather than 8 saved ~2 ms). ``chunk_size`` makes chunks smaller when there are few
#: files, so that every worker gets at least two; collect reads ahead two chunks per worker
CHUNK_FILES = 32


@dataclass
class CollectResult:
    file: str
    status: str  # recorded | duplicate | failed
    submission: Submission | None
    report: FileReport | None
    feedback: Path | None = None
    detail: str = ""
    #: data rows the reader found in the file; peak memory (bytes) and seconds of its parsing worker
    rows_read: int = 0
    peak_rss: int = 0
    seconds: float = 0.0


class CollectRun(list):
    """The results of one collect run (a list of CollectResult) and its ``account``."""

    account: RunAccount | None = None


def inbox_files(ws: Workspace) -> list[Path]:
    return sorted(p for p in ws.inbox.iterdir()
                  if p.is_file() and not p.name.startswith((".", "~$")) and p.suffix.lower() in RETURN_SUFFIXES)


def _archive(ws: Workspace, source: Path, sha: str) -> Path:
    target = ws.archive / sha[:2] / f"{sha}{source.suffix.lower()}"
    if not target.exists():
        atomic_copy(source, target)
    return target


def _parse(job: FileJob, ref: Reference, catalogue: Catalogue, settings: Settings,
           staged: Outcome | tuple[Any, BaseException | None] | None, pool: WorkerPool | None) -> StageResult:
    """The file's stage result: ``staged`` when collect already ran it (in parallel), else run now in
    an isolated worker. A worker that crashed, ran out of memory or time gives a named rejection."""
    if staged is None:
        return check_in_worker(job, ref=ref, catalogue=catalogue, settings=settings, pool=pool)
    return stage_result(staged, job.display_name)


def _refused_whole(report: FileReport) -> bool:
    """A file refused as a whole at intake is not opened again: its issues are in the report and the
    ledger only."""
    return any((f.rule.startswith("intake.") or f.rule == "file.unreadable") and not f.cell for f in report.findings)


def write_feedback_here(archived: Path, report: FileReport, out: Path, changes: Any) -> Path:
    """``toolkit.feedback.write_feedback``, imported where it runs: in a worker. Collect's own process
    sends this function by name and so never imports openpyxl (~0.25 s of its start, or of a core the
    workers need once the first feedback is due)."""
    from toolkit.feedback import write_feedback

    return write_feedback(archived, report, out, changes)


def _feedback(archived: Path, report: FileReport, out: Path, changes: Any, pool: WorkerPool | None) -> Path | None:
    """The annotated copy, written in a time- and memory-limited worker."""
    if _refused_whole(report):
        return None
    try:
        return (pool or shared_pool()).run(write_feedback_here, archived, report, out, changes)
    except (WorkerFailure, TaskError):
        return None


class FeedbackLater:
    """Feedback workbooks written in background workers while collect checks and records the next
    files (~35 ms of CPU per workbook patched, ~1 s where openpyxl's load + save is the fallback).
    ``finish()`` waits for them all and fills in each result's ``feedback``; every workbook is still
    written atomically (``toolkit.atomic``)."""

    def __init__(self, pool: WorkerPool | None = None) -> None:
        limits = pool.limits if pool is not None else shared_pool().limits
        self._tasks = BackgroundTasks(limits=limits)
        self._results: list[CollectResult] = []
        self._paths: set[Path] = set()

    def submit(self, result: CollectResult, archived: Path, report: FileReport, out: Path, changes: Any) -> None:
        if _refused_whole(report):
            return
        if out in self._paths:  # two files of one run with one feedback name: the later one wins, as before
            self._tasks.wait()
        self._paths.add(out)
        self._tasks.submit(write_feedback_here, archived, report, out, changes)
        self._results.append(result)

    def finish(self, cancel: bool = False) -> None:
        with stage("feedback_wait"):
            outcomes = self._tasks.finish(cancel)
        spent = Timings()  # the workers' time writing feedback, for the benchmark
        for result, outcome in zip(self._results, outcomes):
            result.feedback = outcome.result if outcome.error is None else None
            spent.add("feedback_write", outcome.seconds, outcome.cpu_s)
        absorb(spent if outcomes else None)


def collect_file(ws: Workspace, ledger: Ledger, path: Path, ref: Reference, catalogue: Catalogue,
                 settings: Settings = DEFAULT_SETTINGS, received_at: str | None = None,
                 expected_round: str | None = None, *, staged: Outcome | None = None,
                 pool: WorkerPool | None = None, later: FeedbackLater | None = None) -> CollectResult:
    """Archive, check (in an isolated worker, or ``staged``: the stage's outcome computed by
    ``collect``), record and give feedback for one file (now, or with ``later`` in the background:
    the result's ``feedback`` is filled in by ``later.finish()``)."""
    with stage("archive"):
        sha = sha256_of(path)
        known = ledger.by_sha(sha)
        if known is not None:
            return CollectResult(path.name, "duplicate", known, None, detail=f"same bytes as submission #{known.id}")
        archived = _archive(ws, path, sha)
    staged_result = None
    try:
        with stage("parse"):
            staged_result = _parse(FileJob(archived, path.name, expected_round, LedgerHistory(ws.ledger_path)),
                                   ref, catalogue, settings, staged, pool)
            parsed = staged_result.parsed
        absorb(staged_result.timings)  # the worker's own stage times (preflight, read, check)
    except Exception as exc:  # a bug or a hostile file must not stop the batch: record it as rejected
        report = FileReport(file=path.name)
        report.findings.append(make_finding("file.unreadable", detail=f"{type(exc).__name__}: {exc}"))
        parsed = None
    report = parsed.report if parsed else report
    with stage("ledger"):
        submission = ledger.record(sha, path.name, str(archived.relative_to(ws.root)), report,
                                   parsed.frames if parsed and report.accepted else {}, received_at,
                                   {k: (parsed.sheet_names[k], parsed.columns.get(k, {})) for k in parsed.sheet_names}
                                   if parsed else None,
                                   encoded=staged_result.rows_json if staged_result and report.accepted else None)
    result = CollectResult(path.name, "recorded", submission, report, None,
                           rows_read=staged_result.rows_read if staged_result else 0,
                           peak_rss=staged_result.peak_rss if staged_result else 0,
                           seconds=staged_result.seconds if staged_result else 0.0)
    changes = resubmission_changes(ledger, submission, ref)  # toolkit/diff.py; None for a first return
    if report.findings or changes:
        out = ws.feedback / f"{Path(path.name).stem}_feedback.xlsx"
        with stage("feedback"):
            if later is not None:
                later.submit(result, archived, report, out, changes)
            else:
                result.feedback = _feedback(archived, report, out, changes, pool)
    return result


def _import_soon(module: str) -> None:
    """Import ``module`` from a thread of its own. The workers' results unpickle into the validator's
    classes and pandas frames; imported on the first result's arrival (~0.5 s), that held up the
    first results while this process had nothing else to do. Imported meanwhile, it overlaps the
    archiving and the workers' first files."""
    if module not in sys.modules:
        threading.Thread(target=importlib.import_module, args=(module,), name="collect-import", daemon=True).start()


def collect(ws: Workspace, files: Iterable[Path] | None, ref: Reference, catalogue: Catalogue,
            settings: Settings = DEFAULT_SETTINGS,
            progress: Callable[[int, int, str], None] | None = None,
            received_at: Callable[[Path], str | None] | None = None,
            expected_round: str | None = None, pool: WorkerPool | None = None,
            executor: Any = None) -> CollectRun:
    """Collect ``files`` (default: the inbox) into the ledger; returns one result per file, with the
    run's accounting (``.account``, also stored in the ledger). ``received_at(path)`` may give the time
    a file arrived (default: now). Files are checked in parallel by ``pool`` (default: a shared pool of
    memory-limited workers) or by ``executor`` (anything with ``map(fn, jobs, **shared)``, e.g. Dask),
    and recorded in order."""
    paths = [Path(p) for p in (list(files) if files is not None else inbox_files(ws))]
    results = CollectRun()
    _import_soon("toolkit.validate.run")
    # the workers get the agencies, and the rest only if a file needs it (toolkit/catalogue_shipped.py)
    catalogue = ship(catalogue)  # type: ignore[assignment]
    later = FeedbackLater(pool)
    finished = False
    try:
        with Ledger(ws.ledger_path) as ledger:
            _collect_into(results, ws, ledger, paths, ref, catalogue, settings, progress, received_at,
                          expected_round, pool, executor, later)
        later.finish()
        finished = True
    finally:
        if not finished:  # interrupted: do not start the feedback not begun yet
            later.finish(cancel=True)
    return results


def _collect_into(results: CollectRun, ws: Workspace, ledger: Ledger, paths: list[Path], ref: Reference,
                  catalogue: Catalogue, settings: Settings, progress: Callable[[int, int, str], None] | None,
                  received_at: Callable[[Path], str | None] | None, expected_round: str | None,
                  pool: WorkerPool | None, executor: Any, later: FeedbackLater) -> None:
    """Check, record and give feedback for ``paths`` in order, into ``results``; the run's account last."""
    staged = _stage_all(ws, ledger, paths, ref, catalogue, settings, expected_round, pool, executor)
    upcoming = next(staged, None)
    accepted_agencies: set[str] = set()
    for i, path in enumerate(paths, start=1):
        if progress:
            progress(i, len(paths), path.name)
        try:
            when = received_at(path) if received_at else None
            outcome = None
            if upcoming is not None and upcoming[0] == i - 1:
                outcome, upcoming = upcoming[1], next(staged, None)
            parsed = _result_of(outcome)
            if parsed is not None and parsed.report.agency in accepted_agencies:
                outcome = None  # the ledger changed for this agency since: check against it again
            result = collect_file(ws, ledger, path, ref, catalogue, settings, when, expected_round,
                                  staged=outcome, pool=pool, later=later)
            if result.report is not None and result.report.accepted:
                accepted_agencies.add(result.report.agency)
            results.append(result)
        except Exception as exc:  # e.g. the file vanished or the disk is full: say so, go on
            results.append(CollectResult(path.name, "failed", None, None, detail=f"{type(exc).__name__}: {exc}"))
    results.account = account_run(results, ledger)


def _result_of(outcome: Any) -> Any:
    result = outcome.result if isinstance(outcome, Outcome) else (outcome[0] if outcome else None)
    return result.parsed if isinstance(result, StageResult) else None


def _stage_all(ws: Workspace, ledger: Ledger, paths: list[Path], ref: Reference, catalogue: Catalogue,
               settings: Settings, expected_round: str | None, pool: WorkerPool | None,
               executor: Any) -> Iterator[tuple[int, Any]]:
    """Archive every new file (now, in this thread: the ledger's connection is this thread's), then
    run the per-file stage on them in parallel: the iterator yields (index in ``paths``, outcome) in
    order. Duplicates and files that cannot be archived are left to ``collect_file``."""
    jobs, index, seen = [], [], set()
    for i, path in enumerate(paths):
        try:
            sha = sha256_of(path)
            if sha in seen or ledger.by_sha(sha) is not None:
                continue
            seen.add(sha)
            jobs.append(FileJob(_archive(ws, path, sha), path.name, expected_round, LedgerHistory(ws.ledger_path)))
            index.append(i)
        except OSError:
            continue
    if not jobs:
        return iter(())
    runner = executor or pool or shared_pool()
    chunks = task_ranges(len(jobs), getattr(runner, "size", None) or os.cpu_count() or 1)
    outcomes = _chunk_outcomes(runner, jobs, index, chunks, {"ref": ref, "catalogue": catalogue, "settings": settings})
    return run_ahead(outcomes, 2 * CHUNK_FILES * (getattr(runner, "size", None) or 1))


def _chunk_outcomes(runner: Any, jobs: list[FileJob], index: list[int], chunks: list[range],
                    shared: dict[str, Any]) -> Iterator[tuple[int, Any]]:
    # rows_only: the ledger records each accepted return's encoded rows, so its frames stay behind
    outcomes = runner.map(check_chunk, [[jobs[j] for j in chunk] for chunk in chunks], **shared, rows_only=True)
    for chunk, outcome in zip(chunks, outcomes):
        result, error, peak = unpack(outcome)
        if error is None and isinstance(result, list) and len(result) == len(chunk):
            for j, one in zip(chunk, result):
                yield index[j], Outcome(one, None, peak, one.seconds)
        else:  # the chunk's worker died, ran out of memory or time, or hit a bug: each file alone, so
            # that only the file that did it is rejected for it
            yield from zip((index[j] for j in chunk), runner.map(check_file, [jobs[j] for j in chunk], **shared))


_T = TypeVar("_T")
_END = object()


def run_ahead(items: Iterator[_T], depth: int) -> Iterator[_T]:
    """``items``, produced by a thread of their own up to ``depth`` items ahead of the caller. Driving
    the pool's ``map`` that way hands a worker its next chunk the moment it finishes one, instead of
    when this thread is done recording the previous chunk (at N=1,000 the workers stood idle ~10 s
    each). Stopping early (or an error here) stops the thread, which closes ``items``."""
    buffer: queue.Queue = queue.Queue(max(1, depth))
    stop = threading.Event()

    def put(entry: tuple[Any, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                buffer.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_END, None))
        except BaseException as exc:  # handed to the caller, raised there
            put((_END, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a map's workers still busy are killed, not left running

    thread = threading.Thread(target=produce, name="collect-stage", daemon=True)
    thread.start()
    try:
        while True:
            item, error = buffer.get()
            if item is _END:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join()


#: a last-round task is cut in two only from this many files (each half is a batch of its own)
SPLIT_FROM_FILES = 8


def task_ranges(files: int, workers: int, most: int = CHUNK_FILES) -> list[range]:
    """The positions of ``files`` files cut into worker tasks of ``chunk_size`` files, in order; when
    there is more than one round of tasks, each task of the last round (one per worker) is cut in two.
    Results are recorded in order, and the files of the last round only once the workers are done:
    70 returns on two workers were four tasks of 18, the last 34 files recorded after all checking
    (~0.3 s); halves leave ~17 to record then, for one more pandera batch per worker (~17 ms)."""
    size = chunk_size(files, workers, most)
    tasks = [range(k, min(k + size, files)) for k in range(0, files, size)]
    if len(tasks) <= workers:
        return tasks
    out = tasks[:-workers]
    for task in tasks[-workers:]:
        if len(task) >= SPLIT_FROM_FILES:
            half = task.start + (len(task) + 1) // 2
            out += [range(task.start, half), range(half, task.stop)]
        else:
            out.append(task)
    return out


def chunk_size(files: int, workers: int, most: int = CHUNK_FILES) -> int:
    """Files per task: up to ``most``, in a number of tasks every worker gets as many of (at least
    two each, so that recording in order overlaps checking), as even as can be: 70 files on two
    workers go as six tasks of 12 or 10, not four of 16 and one of 6 that a worker does alone."""
    workers = max(1, workers)
    tasks = max(2 * workers, -(-files // most))
    tasks = -(-tasks // workers) * workers  # a whole number of tasks per worker
    return max(1, -(-files // tasks))
