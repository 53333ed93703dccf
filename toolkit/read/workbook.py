"""Open a workbook into plain Python values: sheets as rows of cell values, merged areas filled."""

from __future__ import annotations

import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import defusedxml  # noqa: F401  - openpyxl only guards against entity expansion when this is installed
import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from toolkit.errors import ToolkitError


@dataclass
class RawSheet:
    name: str
    state: str  # visible | hidden | veryHidden
    rows: list[list[object]]
    #: (row, col) 1-based of cells shown with a percent number format.
    percent_cells: set[tuple[int, int]] = field(default_factory=set)

    def value(self, row: int, col: int) -> object:
        """1-based access; outside the used range is None."""
        if 1 <= row <= len(self.rows) and 1 <= col <= len(self.rows[row - 1]):
            return self.rows[row - 1][col - 1]
        return None


@dataclass
class RawWorkbook:
    path: Path
    sheets: dict[str, RawSheet]
    date_1904: bool = False


def _is_percent_format(number_format: str | None) -> bool:
    """Excel scales a value by 100 only for a % outside quotes (``0.0" %"`` is a literal sign)."""
    return "%" in re.sub(r'"[^"]*"|\\.', "", number_format or "")


def open_workbook(path: Path) -> RawWorkbook:
    """Read every sheet's cached values. Raises ToolkitError('file.unreadable') for anything that is
    not a readable .xlsx/.xlsm, with the reason."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops; irrelevant here
            book = openpyxl.load_workbook(path, data_only=True, read_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, IndexError, TypeError) as exc:
        raise ToolkitError("file.unreadable", f"{type(exc).__name__}: {exc}",
                           "ไฟล์เสียหายหรือไม่ใช่ไฟล์ Excel (.xlsx)") from exc
    if not book.worksheets:
        raise ToolkitError("file.unreadable", "the workbook has no worksheet openpyxl can read (Strict OOXML?)",
                           "ไม่พบแผ่นงานที่อ่านได้ (อาจบันทึกแบบ Strict Open XML)")
    sheets = {}
    for ws in book.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        for merged in ws.merged_cells.ranges:
            top_left = ws.cell(merged.min_row, merged.min_col).value
            for r in range(merged.min_row, min(merged.max_row, len(rows)) + 1):
                for c in range(merged.min_col, min(merged.max_col, len(rows[r - 1])) + 1):
                    rows[r - 1][c - 1] = top_left
        percent = {(c.row, c.column) for row in ws.iter_rows() for c in row
                   if isinstance(c.value, (int, float)) and _is_percent_format(c.number_format)}
        sheets[ws.title] = RawSheet(ws.title, ws.sheet_state, rows, percent)
    return RawWorkbook(Path(path), sheets, bool(book.epoch.year == 1904))
