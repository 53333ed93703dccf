"""The master's tables added without xlsxwriter's per-cell overlap bookkeeping (master.add_table_alone)
give the same file as the plain ``add_table``, and each table covers every row."""

import zipfile
from datetime import date

import openpyxl
import pytest

from tests.builders import make_return
from toolkit.collect import collect
from toolkit.merge import master
from toolkit.merge.consolidate import build_master_data
from toolkit.config import DEFAULT_SETTINGS
from toolkit.ledger import Ledger


def _plain_add_table(ws, first_row, last_row, last_col, options, what):
    master.check(ws.add_table(first_row, 0, last_row, last_col, options), what)


@pytest.fixture
def merged(ws, ref):
    for k in range(3):
        make_return(ws.inbox, f"r{k}.xlsx")
    collect(ws, None, ref, ws.catalogue(), received_at=lambda p: "2021-04-10T09:00:00")
    with Ledger(ws.ledger_path) as ledger:
        return build_master_data(ledger, ws.catalogue(), ref, DEFAULT_SETTINGS)


def test_the_master_is_the_same_file_as_with_plain_add_table(merged, tmp_path, monkeypatch):
    light = master.write_master(merged, tmp_path / "light.xlsx")
    monkeypatch.setattr(master, "add_table_alone", _plain_add_table)
    plain = master.write_master(merged, tmp_path / "plain.xlsx")
    with zipfile.ZipFile(light) as a, zipfile.ZipFile(plain) as b:
        assert a.namelist() == b.namelist()
        assert [n for n in a.namelist() if a.read(n) != b.read(n)] == []
        assert any("tables/table" in n for n in a.namelist())


def test_the_light_path_is_taken_and_falls_back_when_xlsxwriter_differs(merged, tmp_path, monkeypatch):
    assert master._ranges_can_be_widened()  # this xlsxwriter records a widened table as a whole one
    light = master.write_master(merged, tmp_path / "light.xlsx")
    monkeypatch.setattr(master, "_ranges_can_be_widened", lambda: False)
    monkeypatch.setattr(master, "_widen", lambda *a: pytest.fail("widened although the check said no"))
    fallback = master.write_master(merged, tmp_path / "fallback.xlsx")
    with zipfile.ZipFile(light) as a, zipfile.ZipFile(fallback) as b:
        assert [n for n in a.namelist() if a.read(n) != b.read(n)] == []


def test_each_consolidated_table_spans_its_rows(merged, tmp_path):
    assert len(merged.sheets["progress"]) >= 2  # a table longer than the one added first
    book = openpyxl.load_workbook(master.write_master(merged, tmp_path / "m.xlsx"))
    for key, name in master.MASTER_SHEETS.items():
        sheet = book[name]
        [table] = sheet.tables.values()
        n = len(merged.sheets[key])
        last_col = openpyxl.utils.get_column_letter(len(master._consolidated_columns(key)))
        assert table.ref == f"A2:{last_col}{max(n, 1) + 2}" and sheet.max_row == n + 2, name


def test_consolidated_rows_read_like_the_dicts_they_replace(merged):
    from schemas import SHEETS_BY_KEY
    from toolkit.merge.consolidate import Row

    rows = merged.sheets["progress"]
    assert rows and all(type(r) is Row for r in rows)
    row = rows[0]
    plain = dict(row)
    assert list(plain)[:9] == ["round", "agency", "agency_name", "source_file", "submission", "excel_row",
                               "archived_path", "source_sheet", "source_range"]
    assert list(plain)[9:] == [c.key for c in SHEETS_BY_KEY["progress"].columns]
    assert row == plain and {**row} == plain and len(row) == len(plain)
    assert row["agency"] == row.get("agency") == plain["agency"] and "agency" in row
    assert row.get("no such column") is None and row.get("no such column", 7) == 7 and "no such column" not in row
    with pytest.raises(KeyError):
        row["no such column"]
    assert len({id(r.key_index) for r in rows}) == 1  # one key index shared by the sheet's rows


def test_equal_short_texts_and_days_are_one_object_across_rows(merged):
    rows = merged.sheets["progress"]
    codes = [r["project_code"] for r in rows if r.get("project_code")]
    assert len(codes) >= 2 and len(set(codes)) < len(codes)
    for code in set(codes):
        assert len({id(c) for c in codes if c == code}) == 1
    days = [r["report_date"] for r in merged.sheets["progress"] if r.get("report_date")]
    assert all(isinstance(d, date) for d in days) and len({id(d) for d in days}) == len(set(days))
