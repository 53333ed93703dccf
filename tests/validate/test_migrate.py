"""Returns made from an older template version are read (one migration per version) with a warning
naming the version; returns without metadata are read by their headers, and say so."""

import pandas as pd
import pytest

from schemas import KPI_QUARTERS, SHEETS
from tests.builders import AGENCY, COUNT_KPI, LEVEL_KPI, ROUND, make_return, set_cell, small_catalogue
from toolkit import SCHEMA_VERSION
from toolkit.layout import META_SHEET
from toolkit.read.migrate import MIGRATIONS, added_after, infer_version
from toolkit.read.returned import LocatedSheet
from toolkit.validate.run import validate_file

QUARTERS = KPI_QUARTERS.sheet_name
EVIDENCE_COL = KPI_QUARTERS.keys.index("evidence") + 1


def _set_meta(book, key, value):
    for row in book[META_SHEET].iter_rows():
        if row[0].value == key:
            row[1].value = value


def _as_version_1(book, cells, keep_meta=True):
    """What a version-1 file looks like: no evidence column on the KPI quarters sheet."""
    book[QUARTERS].delete_cols(EVIDENCE_COL)
    if keep_meta:
        _set_meta(book, "schema_version", "1")
    else:
        book.remove(book[META_SHEET])


def test_schema_is_at_version_2_with_evidence_per_quarter():
    assert SCHEMA_VERSION == 2
    assert [c.key for spec in SHEETS for c in spec.columns if c.since == 2] == ["evidence"]
    assert KPI_QUARTERS.column("evidence").editable


def test_every_old_version_has_one_migration():
    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION))
    for version in MIGRATIONS:
        new = {key: cols for key, cols in added_after(version).items() if cols}
        sheets = {spec.key: LocatedSheet.from_rows(spec, spec.sheet_name, {}, [(4, {})]) for spec in SHEETS}
        MIGRATIONS[version](sheets)
        for key, cols in new.items():
            assert {c.key for c in cols if c.since == version + 1} <= set(sheets[key].rows[0][1]), key


def test_version_1_return_is_read_with_a_warning_naming_the_version(tmp_path, ref):
    path = make_return(tmp_path, edit=_as_version_1)
    parsed = validate_file(path, ref, catalogue=small_catalogue())
    report = parsed.report
    assert [(f.rule, f.severity) for f in report.findings] == [("template.old-version", "warning")]
    assert "รุ่น 1" in report.findings[0].message_th and "version 1 (current 2)" in report.findings[0].message_en
    assert report.accepted and report.schema_version == 1
    quarters = parsed.frames["kpi_quarters"]
    assert quarters.evidence.isna().all()
    assert quarters.result.tolist() == [1.0, 2.0, 2.0, 5.0]  # columns after the removed one still read right


def test_version_1_return_without_metadata_is_read_by_its_headers(tmp_path, ref):
    path = make_return(tmp_path, name=f"{ROUND}_{AGENCY}_old.xlsx",
                       edit=lambda b, c: _as_version_1(b, c, keep_meta=False))
    parsed = validate_file(path, ref, catalogue=small_catalogue())
    rules = [f.rule for f in parsed.report.findings]
    assert rules == ["template.old-version", "template.no-metadata"]
    no_meta = parsed.report.findings[1]
    assert "หัวคอลัมน์" in no_meta.message_th and "read by its headers" in no_meta.message_en
    assert f"agency {AGENCY}, round {ROUND}" in no_meta.message_en
    assert "by its columns" in parsed.report.findings[0].message_en
    assert parsed.report.accepted and parsed.frames["kpi_quarters"].result.notna().all()


def test_current_return_without_metadata_says_so_and_is_read(tmp_path, ref):
    path = make_return(tmp_path, name=f"{ROUND}_{AGENCY}_pasted.xlsx", edit=lambda b, c: b.remove(b[META_SHEET]))
    parsed = validate_file(path, ref, catalogue=small_catalogue())
    assert [f.rule for f in parsed.report.findings] == ["template.no-metadata"]
    assert parsed.report.agency == AGENCY and parsed.report.round == str(ROUND)
    assert parsed.frames["progress"].progress_pct.tolist() == [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]


def test_a_made_up_old_version_still_reports_missing_columns(tmp_path, ref):
    def person(book, cells):
        _set_meta(book, "schema_version", "0")
        book[QUARTERS].delete_cols(KPI_QUARTERS.keys.index("score") + 1)

    report = validate_file(make_return(tmp_path, edit=person), ref, catalogue=small_catalogue()).report
    assert [f.column for f in report.findings if f.rule == "column.missing"] == ["score"]
    assert {f.rule for f in report.findings} == {"column.missing", "column.moved", "template.old-version"}
    assert "version 0" in next(f for f in report.findings if f.rule == "template.old-version").message_en


def test_current_version_return_without_the_new_column_is_missing_it(tmp_path, ref):
    path = make_return(tmp_path, edit=lambda b, c: b[QUARTERS].delete_cols(EVIDENCE_COL))
    report = validate_file(path, ref, catalogue=small_catalogue()).report
    assert [(f.rule, f.sheet) for f in report.findings] == [("column.missing", QUARTERS)] and not report.accepted


def test_evidence_is_read_from_a_current_return(tmp_path, ref):
    def person(book, cells):
        set_cell(book, cells, ("kpi_quarters", f"{COUNT_KPI}#2", "evidence"), "หนังสือ ลว. 23 มี.ค. 2564")

    parsed = validate_file(make_return(tmp_path, edit=person), ref, catalogue=small_catalogue())
    assert parsed.report.findings == []
    quarters = parsed.frames["kpi_quarters"].set_index(["kpi_code", "quarter"])
    assert quarters.at[(COUNT_KPI, 2.0), "evidence"] == "หนังสือ ลว. 23 มี.ค. 2564"
    assert pd.isna(quarters.at[(LEVEL_KPI, 1.0), "evidence"])


@pytest.mark.parametrize("missing, version", [
    ({}, SCHEMA_VERSION), ({"kpi_quarters": {"evidence"}}, 1),
    ({"progress": {"narrative"}}, SCHEMA_VERSION),  # a column every version has: missing, not old
])
def test_version_inferred_from_the_columns(missing, version):
    assert infer_version(missing) == version
