"""The master's table cells go in through the write method of each value's type
(master._write_cells); the file is byte for byte what ``write_row`` makes of the same values."""

import math
import zipfile
from datetime import date, datetime

import openpyxl

from toolkit.merge import master
from toolkit.template.xlsx import EXCEL_MAX_STRING, check

COLUMNS = [("text", "ข้อความ", "Text", "text"), ("amount", "จำนวนเงิน", "Amount", "money"),
           ("day", "วันที่", "Day", "date"), ("flag", "ใช่หรือไม่", "Flag", "text"),
           ("count", "จำนวน", "Count", "int")]
ROWS = [
    {"text": "โครงการ ก", "amount": 1_250_000.5, "day": date(2021, 3, 31), "flag": True, "count": 3},
    {"text": "", "amount": float("nan"), "day": None, "flag": False, "count": 0},
    {"text": "ก" * (EXCEL_MAX_STRING + 10), "amount": math.inf, "day": datetime(2021, 4, 1, 13, 30), "count": -2},
    {"text": None, "amount": -math.inf, "day": date(2020, 10, 1), "flag": None, "count": 10**12},
    {"text": "=1+1", "amount": 0, "day": "2564-03-31", "flag": "ใช่", "count": 1.5},
]


def _by_write_row(ws, r, values, name, writers):
    check(ws.write_row(r, 0, [master._cell(v) for v in values]), f"write row {r} of {name}")


def _write(path):
    w = master._Writer(path)
    # write_master fixes the creation time too; without it the two files differ when they straddle a second
    w.book.set_properties({"created": datetime(2021, 10, 1)})
    w.table("Cells", COLUMNS, ROWS)
    w.book.close()
    return path


def test_typed_cells_make_the_same_file_as_write_row(tmp_path, monkeypatch):
    typed = _write(tmp_path / "typed.xlsx")
    monkeypatch.setattr(master, "_write_cells", _by_write_row)
    plain = _write(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(typed) as a, zipfile.ZipFile(plain) as b:
        assert a.namelist() == b.namelist()
        assert [n for n in a.namelist() if a.read(n) != b.read(n)] == []


def test_typed_cells_read_back(tmp_path):
    sheet = openpyxl.load_workbook(_write(tmp_path / "typed.xlsx"))["Cells"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3, max_col=len(COLUMNS))]
    assert rows[0] == ["โครงการ ก", 1_250_000.5, datetime(2021, 3, 31), "ใช่ / yes", 3]
    assert rows[1] == [None, None, None, None, 0]  # empty text, NaN, no day, False: blank
    assert len(rows[2][0]) == EXCEL_MAX_STRING and rows[2][0].endswith("…")
    assert rows[2][1] == "=1/0" and rows[2][2] == datetime(2021, 4, 1, 13, 30)  # infinity: #DIV/0!
    assert rows[4][0] == "=1+1" and sheet["A7"].data_type == "s"  # a text, never a formula
    assert rows[4][2] == "2564-03-31" and rows[4][4] == 1.5


def test_every_cell_shows_in_the_thai_font_top_aligned(tmp_path):
    """Text cells carry no format of their own (xlsxwriter writes them twice as fast): the workbook's
    default format is the master's base look, so they show like every other cell."""
    w = master._Writer(tmp_path / "look.xlsx")
    w.table("Cells", COLUMNS, ROWS[:2])
    w.book.close()
    with zipfile.ZipFile(tmp_path / "look.xlsx") as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="A3" t="s">' in sheet_xml  # the text: no style index
    sheet = openpyxl.load_workbook(tmp_path / "look.xlsx")["Cells"]
    for row in sheet.iter_rows(min_row=1, max_row=4):
        for cell in row:
            if cell.value is not None:
                assert (cell.font.name, cell.font.sz, cell.font.charset, cell.alignment.vertical) == \
                    ("TH Sarabun New", 14, 222, "top"), cell.coordinate
    assert sheet["B3"].number_format == "#,##0" and sheet["C3"].number_format == master.BE_DATE_FORMAT


def test_cells_go_through_the_undecorated_writers_and_fall_back_to_the_public_ones(tmp_path):
    import xlsxwriter

    book = xlsxwriter.Workbook(tmp_path / "w.xlsx")
    sheet = book.add_worksheet()
    assert [w.__name__ for w in master._cell_writers(sheet)] == ["_write_string", "_write_number", "_write_datetime"]

    class Public:  # an xlsxwriter without the undecorated writers
        def write_string(self, *a): return 0
        def write_number(self, *a): return 0
        def write_datetime(self, *a): return 0
    assert [w.__name__ for w in master._cell_writers(Public())] == ["write_string", "write_number", "write_datetime"]
    book.close()
