"""Column checks for many returns at once: pandera runs once per sheet kind (and validation context)
on the returns' frames concatenated under a (file, excel_row) index (one integer), and every failure case is
mapped back to its own file's cell exactly as ``column_findings`` does for one file.

pandera's fixed cost per ``validate`` call, and above all its cost of building failure cases, is
paid once per batch instead of once per file and sheet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Hashable, Iterable, NamedTuple

import numpy as np
import pandas as pd
import pandera.pandas as pa

from schemas.base import KINDS, ValidationContext
from toolkit.findings import Finding, make_finding
from toolkit.normalise.frames import SheetFrames, typed_frame
from toolkit.normalise.values import clean_text
from toolkit.validate.columns import _PANDERA_BUILTINS, column_findings


#: rows per file in the combined index (Excel has 1,048,576 rows)
_ROWS = 10_000_000


@dataclass
class ColumnJob:
    """One sheet of one file: its frames, the file's validation context, cells already reported."""

    file: Hashable
    frames: SheetFrames
    ctx: ValidationContext
    skip: set[tuple[int, str]]


def _batchable(job: ColumnJob) -> bool:
    """Frames whose columns have their declared dtypes (always so after normalising); anything else
    is checked on its own so that one odd frame cannot change another file's findings."""
    spec, typed = job.frames.sheet.spec, job.frames.typed
    if spec.frame_checks or list(typed.columns) != spec.keys or typed.index.has_duplicates:
        return False
    # the dtypes of the arrays the frame was built from, else the frame's read once (a column looked up
    # by key costs ~40 us, the dtypes Series ~60 us a sheet), in spec order as checked above
    arrays = _spec_arrays(job.frames)
    dtypes = [arrays[k].dtype for k in spec.keys] if arrays is not None else list(typed.dtypes)
    return all(_DTYPES[c.kind] is None or dtype == _DTYPES[c.kind] for c, dtype in zip(spec.columns, dtypes))


def _spec_arrays(frames: SheetFrames) -> dict[str, np.ndarray] | None:
    """The arrays ``frames.typed`` was built from, when there is one for each column of its sheet kind."""
    arrays = frames.arrays
    return arrays if arrays is not None and arrays.keys() == set(frames.sheet.spec.keys) else None


#: each column kind's dtype (None: objects, not checked)
_DTYPES = {kind: None if name is None else np.dtype(name) for kind, name in KINDS.items()}


def batch_column_findings(jobs: Iterable[ColumnJob]) -> dict[Hashable, list[Finding]]:
    """Findings per ``job.file``, each file's list in the order ``column_findings`` gives."""
    jobs = list(jobs)
    out: dict[Hashable, list[Finding]] = {job.file: [] for job in jobs}
    groups: dict[tuple, list[ColumnJob]] = {}
    for job in jobs:
        if _batchable(job):
            groups.setdefault((job.frames.sheet.spec.key, job.ctx.key()), []).append(job)
        else:
            out[job.file] += column_findings(job.frames, job.ctx, job.skip)
    for group in groups.values():
        by_position = _validate_group(group)
        for position, job in enumerate(group):
            out[job.file] += by_position.get(position, [])
    return out


def _validate_group(group: list[ColumnJob]) -> dict[int, list[Finding]]:
    spec = group[0].frames.sheet.spec
    frame = _joined(group)
    try:
        spec.pandera_schema(group[0].ctx).validate(frame, lazy=True)
        return {}
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    found: dict[int, list[Finding]] = {}
    for case in cases.itertuples(index=False):
        if case.index is None or pd.isna(case.index):  # a whole-column failure: skipped per file too
            continue
        position, row = divmod(int(case.index), _ROWS)
        job = group[int(position)]
        finding = _case_finding(job, case.column, row, case.check)
        if finding is not None:
            found.setdefault(int(position), []).append(finding)
    return found


def _joined(group: list[ColumnJob]) -> pd.DataFrame:
    """The group's typed frames one under the other, under the (file, excel_row) index as one
    integer (pandera reports a MultiIndex's tuples as text). Joined a column at a time from the arrays
    the frames were built from (``pd.concat`` of the frames took ~0.4 ms a return), else by pandas."""
    spec = group[0].frames.sheet.spec
    index = pd.Index(np.concatenate([job.frames.typed.index.to_numpy(dtype=np.int64) + position * _ROWS
                                     for position, job in enumerate(group)]), name="excel_row")
    arrays = [_spec_arrays(job.frames) for job in group]
    if all(a is not None for a in arrays):
        return typed_frame([np.concatenate([a[key] for a in arrays]) for key in spec.keys], index, spec)
    # joined as they are and given the index once (a re-indexed copy of each took 3x longer)
    frame = pd.concat([job.frames.typed for job in group], ignore_index=True)
    frame.index = index
    return frame


def _case_finding(job: ColumnJob, key: str, row: object, check: object) -> Finding | None:
    """One failure case as ``column_findings`` reports it (tests prove both give the same findings)."""
    frames = job.frames
    spec, sheet = frames.sheet.spec, frames.sheet
    if key not in spec.keys or row is None or (int(row), key) in job.skip:
        return None
    rule = _PANDERA_BUILTINS.get(str(check), str(check))
    col = spec.column(key)
    return make_finding(rule if rule.count(".") else "value.unreadable", sheet=sheet.name,
                        cell=sheet.cell(key, int(row)), value=clean_text(frames.raw_value(int(row), key)), column=key,
                        item=str(frames.typed.at[int(row), spec.id_columns[0]] or ""),
                        label_th=col.th, label_en=col.en)


class PendingColumns(NamedTuple):
    """What ``validate_file(defer_columns=True)`` leaves to do: findings before the column checks,
    the column checks, findings of the cross-sheet rules after them."""

    before: list[Finding]
    jobs: list[ColumnJob]
    after: list[Finding]


def complete_batch(parsed: Iterable[Any]) -> list[Any]:
    """Run the pending column checks of many ``ParsedReturn``s with one pandera run per sheet kind,
    and complete each report exactly as validating the file alone would have."""
    from toolkit.validate.run import complete_columns

    parsed = list(parsed)
    jobs = [ColumnJob((i, job.file), job.frames, job.ctx, job.skip)
            for i, p in enumerate(parsed) if p.pending is not None for job in p.pending.jobs]
    found = batch_column_findings(jobs)
    for i, p in enumerate(parsed):
        if p.pending is not None:
            complete_columns(p, [f for job in p.pending.jobs for f in found[(i, job.file)]])
    return parsed
