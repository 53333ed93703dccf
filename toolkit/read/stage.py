"""Collect's per-file stage as one pure, picklable function: the file (its path or its bytes), the
catalogue, the reference data and the settings in; the validated return out. Preflight, reading,
normalising and validating all happen here, so the stage can run in an isolated worker
(``toolkit.read.isolate``) or on another machine (a Dask worker): it writes nothing and keeps no
state between calls."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from toolkit.catalogue import Catalogue
from toolkit.config import DEFAULT_SETTINGS, Settings
from toolkit.reference import Reference
from toolkit.timing import recording, stage


@dataclass(frozen=True)
class FileJob:
    """One file to check. ``source`` is a path the worker can read, or the file's bytes (a remote
    worker); ``display_name`` is the name the agency gave it; ``history`` a picklable HistorySource."""

    source: Union[Path, bytes]
    display_name: str
    expected_round: str | None = None
    history: Any = None


@dataclass
class StageResult:
    """What the stage learnt about one file: the validated return, the rows it read and its cost."""

    parsed: Any  # toolkit.validate.run.ParsedReturn
    rows_read: int
    seconds: float
    #: peak resident memory of the process that ran the stage, in bytes (filled in by the pool)
    peak_rss: int = 0
    #: seconds per stage (check, preflight, read) spent in the worker, for ``toolkit.timing.absorb``
    timings: Any = None
    #: an accepted return's rows as the ledger stores them (``toolkit.ledger.encode.encode_rows``), made
    #: by ``check_chunk`` in the worker so that collect's serial recording loop does not
    rows_json: Any = None


def check_file(job: FileJob, *, ref: Reference, catalogue: Catalogue | None = None,
               settings: Settings = DEFAULT_SETTINGS) -> StageResult:
    """Preflight, read, normalise and validate one file. Never writes; raises only on a bug."""
    with recording() as spent, stage("check"):
        result = _check_file(job, ref=ref, catalogue=catalogue, settings=settings)
    result.timings = spent
    return result


def check_chunk(jobs: list[FileJob], *, ref: Reference, catalogue: Catalogue | None = None,
                settings: Settings = DEFAULT_SETTINGS, rows_only: bool = False) -> list[StageResult]:
    """``check_file`` for several files at once, with pandera's column checks run once per sheet kind
    for the whole chunk (``toolkit.validate.batch.complete_batch``, proven to give each file the
    findings it gets alone). Each result's ``seconds`` and ``check`` time include its share of the
    batched checks; the first result also carries them as stage ``batch_columns``.

    ``rows_only``: an accepted return's typed frames are emptied (their sheets and columns kept) once
    its rows are encoded, for a caller that records ``rows_json`` (collect): the frames are then not
    pickled back from the worker (~2 ms of CPU and ~190 KB per bench return)."""
    from toolkit.validate.batch import complete_batch

    results = []
    for job in jobs:
        with recording() as spent, stage("check"):
            result = _check_file(job, ref=ref, catalogue=catalogue, settings=settings, defer_columns=True)
        result.timings = spent
        results.append(result)
    from toolkit.ledger.encode import encode_rows

    wall, cpu = time.perf_counter(), time.process_time()
    complete_batch([r.parsed for r in results])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    for result in results:
        if result.parsed.report.accepted:
            started, began = time.perf_counter(), time.process_time()
            result.rows_json = encode_rows(result.parsed.frames)
            if rows_only:
                result.parsed.frames = {key: frame.iloc[0:0] for key, frame in result.parsed.frames.items()}
            spent_wall, spent_cpu = time.perf_counter() - started, time.process_time() - began
            result.timings.add("check", spent_wall, spent_cpu, calls=0)
            result.timings.add("encode_rows", spent_wall, spent_cpu)
    for k, result in enumerate(results):
        share_wall, share_cpu = wall / len(results), cpu / len(results)
        result.seconds += share_wall
        result.timings.add("check", share_wall, share_cpu, calls=0)
        if k == 0:
            result.timings.add("batch_columns", wall, cpu)
    return results


def _check_file(job: FileJob, *, ref: Reference, catalogue: Catalogue | None,
                settings: Settings, defer_columns: bool = False) -> StageResult:
    from toolkit.validate.run import validate_file

    started = time.perf_counter()
    if isinstance(job.source, (bytes, bytearray)):
        suffix = Path(job.display_name).suffix.lower() or ".xlsx"
        fd, name = tempfile.mkstemp(suffix=suffix, prefix="toolkit-stage-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(job.source)
            parsed = validate_file(Path(name), ref, settings, catalogue, display_name=job.display_name,
                                   expected_round=job.expected_round, history=job.history,
                                   defer_columns=defer_columns)
        finally:
            os.unlink(name)
    else:
        parsed = validate_file(Path(job.source), ref, settings, catalogue, display_name=job.display_name,
                               expected_round=job.expected_round, history=job.history, defer_columns=defer_columns)
    rows = sum(len(frame) for frame in parsed.frames.values())
    return StageResult(parsed, rows, time.perf_counter() - started)
