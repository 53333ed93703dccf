"""Lineage: every consolidated row and KPI result in the master names the archived file, sheet and
cells it came from; following them in the archived copy gives back the number on the master."""

import openpyxl
import pytest

from tests.builders import COUNT_KPI, PROJECT, make_return, small_catalogue
from toolkit.collect import collect
from toolkit.merge.run import merge_workspace
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.workspace import Workspace


def _records(path, sheet):
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()
    return [dict(zip(rows[1], r)) for r in rows[2:]]


def _insert_column(book, cells):
    """The agency inserts a notes column before the results (the reader still finds them by header)."""
    sheet, _ = cells[("kpi_quarters", f"{COUNT_KPI}#1", "result")]
    book[sheet].insert_cols(2)
    book[sheet].cell(1, 2).value = "หมายเหตุของหน่วยงาน"


@pytest.fixture
def merged(tmp_path, ref):
    ws = Workspace.create(tmp_path / "ws")
    write_catalogue(small_catalogue(), ws.catalogue_path)
    make_return(ws.inbox, "moved.xlsx", edit=_insert_column)
    [result] = collect(ws, None, ref, ws.catalogue())
    assert result.submission.outcome != "rejected", result.report.flatten()
    merge_workspace(ws, ref)
    return ws


def _archived(ws, record):
    return openpyxl.load_workbook(ws.root / record["Archived file (SHA-256)"], data_only=True)


def test_kpi_results_point_at_the_cells_they_were_computed_from(merged):
    results = [r for r in _records(merged.master_path, "KPIResults") if r["Result to date"] is not None]
    assert results
    for r in results:
        assert r["Archived file (SHA-256)"].startswith("archive/") and r["Source file"] == "moved.xlsx"
        book = _archived(merged, r)
        sheet, cell = r["Result cell"].rsplit("!", 1)
        assert book[sheet.strip("'")][cell].value == r["Result to date"], r["Result cell"]
        if r["Claimed cell"]:
            sheet, cell = r["Claimed cell"].rsplit("!", 1)
            assert book[sheet.strip("'")][cell].value == r["Achieved as claimed"]
        book.close()
    moved = [r for r in results if r["KPI code"] == COUNT_KPI]
    assert moved and all(r["Result cell"].split("!")[1][0] != "E" for r in moved)  # not the template's column


def test_consolidated_rows_name_sheet_and_cells(merged):
    for sheet, code_key, code in (("Projects", "Project code", PROJECT), ("Progress", "Project code", PROJECT),
                                  ("KPIs", "KPI code", COUNT_KPI)):
        rows = [r for r in _records(merged.master_path, sheet) if r[code_key] == code]
        assert rows, sheet
        for r in rows:
            book = _archived(merged, r)
            cells = book[r["Source sheet"]][r["Source cells"]]
            values = [c.value for row in cells for c in row]
            assert code in values, (sheet, r["Source cells"], values)
            assert int(r["Source cells"].split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) == r["Source row"]
            book.close()


def test_without_recorded_columns_the_whole_row_is_named():
    from toolkit.merge.lineage import SheetSource

    known = SheetSource("ตัวชี้วัด (KPIs)", {"kpi_code": 1, "achieved": 8, "name": 2})
    assert known.row_range(5) == "A5:H5" and known.reference(known.cell("achieved", 5)) == "'ตัวชี้วัด (KPIs)'!H5"
    unknown = SheetSource("ตัวชี้วัด (KPIs)")
    assert unknown.row_range(5) == "5:5" and unknown.cell("achieved", 5) == "5:5"
