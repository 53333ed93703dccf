"""Every form the issue lists, typed into a real return (generated, filled, edited as a person would
and read back through the real reader): each is normalised to its typed value and reported nowhere;
a value that cannot be read is a finding at its cell, never a crash."""

import re
import shutil
import zipfile
from datetime import datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.builders import COUNT_KPI, LEVEL_KPI, PROJECT, make_return, set_cell, small_catalogue
from schemas.base import KINDS
from toolkit.normalise.frames import normalise_sheet
from toolkit.read.returned import read_return
from toolkit.validate.run import validate_file

P = PROJECT

# (column, report, typed as a person would, the typed value expected after normalisation)
FORMS = [
    ("report_date", 1, "๒๖/๑๐/๒๕๖๓", pd.Timestamp(2020, 10, 26)),
    ("report_date", 2, "23/11/2563", pd.Timestamp(2020, 11, 23)),
    ("report_date", 3, "2020-12-01 00:00:00", pd.Timestamp(2020, 12, 1)),
    ("report_date", 4, "25 มกราคม 2564", pd.Timestamp(2021, 1, 25)),
    ("report_date", 5, "ลว. 23 ก.พ. 2564", pd.Timestamp(2021, 2, 23)),
    ("report_date", 6, datetime(2564, 3, 23), pd.Timestamp(2021, 3, 23)),  # BE year in a real date cell
    ("progress_pct", 1, "๑๐", 10.0),
    ("progress_pct", 2, "20%", 20.0),
    ("progress_pct", 3, "ร้อยละ 30", 30.0),
    ("progress_pct", 4, " 40\u200b ", 40.0),
    ("disbursed", 1, "5,000", 5000.0),
    ("disbursed", 2, "5,000 บาท", 5000.0),
    ("disbursed", 3, "๕,๐๐๐.-", 5000.0),
    ("disbursed", 4, 5000.0, 5000.0),
    ("schedule_status", 1, "เป็นไปตาม\u200bแผน", "on_plan"),
    ("schedule_status", 2, "  เป็นไปตามแผน\u00a0", "on_plan"),
    ("schedule_status", 3, "ตามแผน", "on_plan"),
    ("problems", 1, "ไม่มี", None),
    ("problems", 2, "-", None),
    ("problems", 3, "", None),
    ("obstacles", 4, "—", None),
]


def _row(cells, key, rid, col):
    return int(re.sub(r"\D", "", cells[(key, rid, col)][1]))


def test_every_listed_form_is_read_and_reported_nowhere(tmp_path, ref):
    rows = {}

    def person(book, cells):
        for col, n, typed, _ in FORMS:
            set_cell(book, cells, ("progress", f"{P}#{n}", col), typed)
            rows[(col, n)] = _row(cells, "progress", f"{P}#{n}", col)
        # a BE date typed into a plain numeric cell: the serial of 26/10/2563 read as the year 2563
        set_cell(book, cells, ("progress", f"{P}#1", "report_date"), 242456)
        set_cell(book, cells, ("kpis", COUNT_KPI, "achieved"), "๕")
        set_cell(book, cells, ("kpi_quarters", f"{LEVEL_KPI}#2", "score"), "๑๐๐ / ๑๐๐")
        set_cell(book, cells, ("projects", P, "budget_used"), "๓๐,๐๐๐ บาท")
        # SARA AM typed as NIKHAHIT + SARA AA, as some Thai keyboards and PDF copies produce
        set_cell(book, cells, ("projects", P, "project_status"), "อยู่ระหว่างด\u0e4d\u0e32เนินการ")

    parsed = validate_file(make_return(tmp_path, edit=person), ref, catalogue=small_catalogue())
    assert parsed.report.findings == []
    progress = parsed.frames["progress"]
    for col, n, _, want in FORMS:
        got = progress.at[rows[(col, n)], col]
        assert (pd.isna(got) if want is None else got == want), (col, n, got, want)
    assert progress.at[rows[("report_date", 1)], "report_date"] == pd.Timestamp(2020, 10, 26)
    assert parsed.frames["kpis"].achieved.tolist() == [2.0, 5.0]
    assert parsed.frames["projects"].budget_used.tolist() == [30000.0]
    assert parsed.frames["projects"].project_status.tolist() == ["in_progress"]


def test_merged_cells_give_every_row_the_value(tmp_path, ref):
    def person(book, cells):
        sheet, top = cells[("progress", f"{P}#1", "schedule_status")]
        _, bottom = cells[("progress", f"{P}#3", "schedule_status")]
        for n in (2, 3):
            set_cell(book, cells, ("progress", f"{P}#{n}", "schedule_status"), None)
        set_cell(book, cells, ("progress", f"{P}#1", "schedule_status"), "เป็นไปตามแผน")
        book[sheet].merge_cells(f"{top}:{bottom}")

    parsed = validate_file(make_return(tmp_path, edit=person), ref, catalogue=small_catalogue())
    assert parsed.report.findings == []
    assert parsed.frames["progress"].schedule_status.head(3).tolist() == ["on_plan"] * 3


def _cache_formula_results(path, results):
    """Write each formula's cached result into the saved file, as Excel does when it saves
    (openpyxl writes formulas without one)."""
    tmp = path.with_suffix(".tmp")
    shutil.move(path, tmp)
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                for formula, value in results.items():
                    text = re.sub(rf"<f>{re.escape(formula)}</f>(<v\s*/>|<v></v>)?", f"<f>{formula}</f><v>{value}</v>", text)
                data = text.encode()
            dst.writestr(info, data)
    tmp.unlink()


def test_formulas_are_read_by_their_cached_values(tmp_path, ref):
    def person(book, cells):
        set_cell(book, cells, ("progress", f"{P}#2", "disbursed"), "=2500*2")
        set_cell(book, cells, ("projects", P, "budget_used"), "=5000*6")

    path = make_return(tmp_path, edit=person)
    _cache_formula_results(path, {"2500*2": 5000, "5000*6": 30000})
    parsed = validate_file(path, ref, catalogue=small_catalogue())
    assert parsed.report.findings == []
    assert parsed.frames["progress"].disbursed.tolist()[1] == 5000.0
    assert parsed.frames["projects"].budget_used.tolist() == [30000.0]


def test_cached_formula_result_that_breaks_a_rule_is_recomputed_against_the_reports(tmp_path, ref):
    def person(book, cells):
        located["at"] = set_cell(book, cells, ("projects", P, "budget_used"), "=5000*5")

    located = {}
    path = make_return(tmp_path, edit=person)
    _cache_formula_results(path, {"5000*5": 25000})
    report = validate_file(path, ref, catalogue=small_catalogue()).report
    assert [(f.rule, f.cell, f.value) for f in report.findings] == \
        [("project.budget-used-mismatch", located["at"], "25000")]


@pytest.mark.parametrize("col, typed", [
    ("progress_pct", "สามสิบ"), ("progress_pct", "#DIV/0!"), ("progress_pct", True),
    ("disbursed", "1.2.3"), ("disbursed", datetime(2021, 1, 5)),
    ("report_date", "32/13/2563"), ("report_date", "พรุ่งนี้"), ("report_date", 1e9), ("report_date", "#REF!"),
])
def test_unreadable_value_is_a_finding_at_its_cell(tmp_path, ref, col, typed):
    located = {}

    def person(book, cells):
        located["at"] = set_cell(book, cells, ("progress", f"{P}#3", col), typed)

    report = validate_file(make_return(tmp_path, edit=person), ref, catalogue=small_catalogue()).report
    hits = [f for f in report.findings if f.rule == "value.unreadable"]
    assert [f.cell for f in hits] == [located["at"]] and not report.accepted


@pytest.fixture(scope="module")
def located_progress(tmp_path_factory):
    return read_return(make_return(tmp_path_factory.mktemp("forms"))).sheets["progress"]


_ANY_CELL = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                      st.text(max_size=30), st.datetimes(), st.dates(), st.times(),
                      st.sampled_from(["#REF!", "#DIV/0!", "๑,๒๓๔", "ลว. 99 มี.ค. 2564", "1e400", "inf", "ไม่มี"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(_ANY_CELL, min_size=10, max_size=10))
def test_normalising_never_raises_whatever_is_in_the_cells(located_progress, ref, values):
    sheet = located_progress
    excel_row, original = sheet.rows[0]
    row = dict(zip(sheet.spec.keys, values))
    row["project_code"], row["report_no"] = original["project_code"], original["report_no"]
    sheet_copy = type(sheet).from_rows(sheet.spec, sheet.name, sheet.columns, [(excel_row, row)], sheet.percent_cells)
    frames, findings = normalise_sheet(sheet_copy, ref)
    # each raw value as findings quote it, read before the raw frame exists (and without making it)
    assert all(frames.raw_value(excel_row, k) is row.get(k) for k in sheet.spec.keys)
    assert frames.given_raw is None
    assert all(f.rule == "value.unreadable" and f.cell.endswith(str(excel_row)) for f in findings)
    assert len(frames.typed) == 1
    # each column's dtype is its kind's (texts stay objects: pandas 3 would otherwise make them "str",
    # whose blanks are NaN instead of None), and the raw frame holds what was in the cells
    want = {c.key: KINDS[c.kind] or "object" for c in sheet.spec.columns}
    assert {k: str(t) for k, t in frames.typed.dtypes.items()} == want
    assert set(map(str, frames.raw.dtypes)) == {"object"}
    keys = pd.Index(sheet.spec.keys)  # the columns as pandas makes them from the keys
    assert all(f.columns.equals(keys) and f.columns.dtype == keys.dtype for f in (frames.typed, frames.raw))
    assert all(frames.raw.at[excel_row, k] is row.get(k) for k in sheet.spec.keys)


def test_raw_values_agree_with_the_raw_frame(located_progress, ref):
    """``raw_value`` reads the located sheet; ``raw`` (made on first use) holds the same values."""
    frames, _ = normalise_sheet(located_progress, ref)
    cells = [(row, key) for row in located_progress.excel_rows for key in located_progress.spec.keys]
    before = [frames.raw_value(row, key) for row, key in cells]
    assert frames.given_raw is None
    assert [frames.raw.at[row, key] for row, key in cells] == before
    assert [frames.raw_value(row, key) for row, key in cells] == before
    with pytest.raises(KeyError):
        normalise_sheet(located_progress, ref)[0].raw_value(located_progress.excel_rows[-1] + 1000, "narrative")
