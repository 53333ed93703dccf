"""Column checks batched across files (one pandera run per sheet kind) give exactly the findings of
validating each file on its own."""

from __future__ import annotations

from pathlib import Path

import pandera.pandas as pa
import pytest

from tests.builders import COUNT_KPI, LEVEL_KPI, PROJECT, make_return, set_cell, small_catalogue
from toolkit.validate.batch import complete_batch
from toolkit.validate.run import validate_file


def _edits(kind: int):
    def edit(book, cells):
        if kind == 1:
            set_cell(book, cells, ("progress", f"{PROJECT}#2", "progress_pct"), 150)
            set_cell(book, cells, ("progress", f"{PROJECT}#3", "disbursed"), -5000)
            set_cell(book, cells, ("progress", f"{PROJECT}#4", "schedule_status"), "ไปได้สวย")
        elif kind == 2:
            set_cell(book, cells, ("projects", PROJECT, "budget_used"), "สามหมื่น")  # unreadable: reported once
            set_cell(book, cells, ("kpis", LEVEL_KPI, "achieved"), -3)
            set_cell(book, cells, ("progress", f"{PROJECT}#1", "progress_pct"), 101)
        elif kind == 3:
            set_cell(book, cells, ("kpi_quarters", f"{COUNT_KPI}#2", "result"), -1)
            set_cell(book, cells, ("progress", f"{PROJECT}#5", "progress_pct"), -20)
    return edit


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    tmp = tmp_path_factory.mktemp("batch")
    return [make_return(tmp, f"r{kind}.xlsx", edit=_edits(kind) if kind else None) for kind in (0, 1, 2, 3, 1)]


def test_batched_and_per_file_findings_are_identical(returns: list[Path], ref, monkeypatch) -> None:
    cat = small_catalogue()
    alone = [validate_file(p, ref, catalogue=cat).report for p in returns]
    calls = []
    real = pa.DataFrameSchema.validate
    monkeypatch.setattr(pa.DataFrameSchema, "validate", lambda self, *a, **k: calls.append(self.name) or real(self, *a, **k))
    deferred = [validate_file(p, ref, catalogue=cat, defer_columns=True) for p in returns]
    assert calls == [] and all(d.pending is not None for d in deferred)
    batched = [p.report for p in complete_batch(deferred)]
    # one pandera run per sheet kind for the whole batch, not one per file and sheet
    assert sorted(calls) == sorted({"projects", "progress", "plan_steps", "kpis", "kpi_quarters"})
    column_rules = {"value.percent-range", "value.money-negative", "value.status-unknown"}
    assert column_rules <= {f.rule for r in alone for f in r.findings}
    assert not alone[0].findings or all(f.severity != "error" for f in alone[0].findings)
    for one, many in zip(alone, batched):
        assert many.findings == one.findings
        assert many.to_dict() == one.to_dict()
    assert batched[1].findings == batched[4].findings  # same edits, same cells, in their own files


def test_a_file_that_cannot_be_read_passes_through_a_batch(returns: list[Path], tmp_path: Path, ref) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    cat = small_catalogue()
    parsed = complete_batch([validate_file(p, ref, catalogue=cat, defer_columns=True) for p in (broken, returns[1])])
    assert not parsed[0].report.accepted and parsed[0].pending is None
    assert parsed[1].report.findings == validate_file(returns[1], ref, catalogue=cat).report.findings


def test_frames_joined_from_their_arrays_equal_pandas_concat(returns: list[Path], ref) -> None:
    import pandas as pd

    from toolkit.validate import batch

    cat = small_catalogue()
    deferred = [validate_file(p, ref, catalogue=cat, defer_columns=True) for p in returns]
    for key in ("projects", "progress", "plan_steps", "kpis", "kpi_quarters"):
        group = [job for d in deferred for job in d.pending.jobs if job.frames.sheet.spec.key == key]
        assert len(group) == len(returns) and all(batch._batchable(job) for job in group)
        joined = batch._joined(group)
        without_arrays = [batch.ColumnJob(job.file, type(job.frames)(job.frames.sheet, job.frames.typed), job.ctx,
                                          job.skip) for job in group]
        by_pandas = batch._joined(without_arrays)  # the pd.concat path
        pd.testing.assert_frame_equal(joined, by_pandas)
        assert joined.index[len(group[0].frames.typed)] == batch._ROWS + group[1].frames.typed.index[0]
