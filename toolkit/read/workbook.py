"""Open a workbook into plain Python values: sheets as rows of cell values, merged areas filled.

The values come from python-calamine (fast, and it reads Strict OOXML, backslash part names and
minimal packages that openpyxl drops); the few facts calamine does not give (cells shown with a percent
format, the 1904 date system, the text of error cells such as ``#DIV/0!``, which calamine reads as
"") come from preflight's pass over the zip. Preflight always
runs first: calamine aborts the whole process on some hostile files (values at A1 and XFD1048576, zip
bombs), and its panics are ``BaseException``. Collect runs all of this in a memory- and time-limited
worker (``toolkit.read.isolate``). openpyxl stays for what needs styles (feedback, the demo filler)
and as ``open_workbook_openpyxl``, the reference the tests compare against."""

from __future__ import annotations

import math
import os
import warnings
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

import defusedxml  # noqa: F401  - openpyxl only guards against entity expansion when this is installed
from python_calamine import CalamineWorkbook

from toolkit.errors import ToolkitError
from toolkit.read.preflight import DEFAULT_LIMITS, Limits, PackageScan, is_percent_format, preflight


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
    #: what preflight saw (cells holding values, error cells, formulas without values); None from openpyxl
    scan: PackageScan | None = None


_is_percent_format = is_percent_format  # kept for callers of the old name
_STATES = {"visible": "visible", "hidden": "hidden", "veryhidden": "veryHidden"}
_last_scan: tuple[tuple[str, int, int, int], PackageScan] | None = None


def scan_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> PackageScan:
    """``preflight(path)``, remembered for the file last scanned (validate_file scans before reading)."""
    global _last_scan
    st = os.stat(path)
    key = (os.fspath(Path(path).resolve()), st.st_size, st.st_mtime_ns, st.st_ino)
    if _last_scan is not None and _last_scan[0] == key:
        return _last_scan[1]
    scan = preflight(path, limits)
    _last_scan = (key, scan)
    return scan


def _plain(value: object) -> object:
    """calamine's values as openpyxl gave them: blanks None, whole numbers int, dates datetime."""
    if value == "" or value is None:
        return None
    if type(value) is float:
        if value.is_integer() and abs(value) < 2 ** 53:
            return int(value)
        return None if math.isnan(value) else value
    if type(value) is date:
        return datetime(value.year, value.month, value.day)
    return value


_EXACT = 2 ** 53  # floats below this are whole numbers exactly
#: a merged area reaching past the cells that hold values is filled only up to this many cells
_MERGE_FILL_LIMIT = 10_000


def _sheet_rows(sheet: object) -> list[list[object]]:
    # _plain inlined for texts and ordinary numbers (most cells)
    rows = [[(v or None) if type(v) is str else
             (int(v) if v.is_integer() and -_EXACT < v < _EXACT else v) if type(v) is float and v == v else _plain(v)
             for v in row]
            for row in sheet.to_python(skip_empty_area=False)]  # type: ignore[attr-defined]
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ():  # type: ignore[attr-defined]
        top_left = rows[r0][c0] if r0 < len(rows) and c0 < len(rows[r0]) else None
        if top_left is None:
            continue
        if (r1 - r0 + 1) * (c1 - c0 + 1) <= _MERGE_FILL_LIMIT:  # as openpyxl: the whole area, even past the values
            width = max(c1 + 1, len(rows[0]) if rows else 0)
            while len(rows) <= r1:
                rows.append([None] * width)
            for r in range(r0, r1 + 1):
                if len(rows[r]) <= c1:
                    rows[r].extend([None] * (c1 + 1 - len(rows[r])))
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, min(c1, len(rows[r]) - 1) + 1):
                rows[r][c] = top_left
    return rows


class _Unreadable(Exception):
    """What python-calamine raised (or panicked with) on a file, as an ordinary exception."""


@contextmanager
def _calamine(path: Path) -> Iterator[CalamineWorkbook]:
    """The workbook opened through python-calamine and closed after. Its errors, and its Rust panics
    (``BaseException`` subclasses), come out as ``_Unreadable``; ToolkitErrors raised inside, the
    interpreter's exits and memory errors go through as they are."""
    try:
        book = CalamineWorkbook.from_path(os.fspath(path))
        try:
            yield book
        finally:
            book.close()
    except (ToolkitError, KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:
        raise _Unreadable(f"{type(exc).__name__}: {exc}") from exc


def open_workbook(path: Path, scan: PackageScan | None = None) -> RawWorkbook:
    """Read every sheet's cached values. Raises IntakeRejected (a ToolkitError) for what preflight
    refuses and ToolkitError('file.unreadable') for anything else calamine cannot read, with the reason."""
    scan = scan or scan_file(Path(path))
    sheets: dict[str, RawSheet] = {}
    try:
        with _calamine(path) as book:
            for meta in book.sheets_metadata:
                if "Work" not in str(meta.typ):  # chart sheets and macro sheets hold no cells
                    continue
                rows = _sheet_rows(book.get_sheet_by_name(meta.name))
                seen = scan.sheet(meta.name)
                for r, c, text in seen.error_cells if seen else ():  # calamine reads errors as ""
                    if r <= len(rows) and c <= len(rows[r - 1]):
                        rows[r - 1][c - 1] = text  # the error text, as openpyxl and Excel show it
                state = _STATES.get(str(meta.visible).rsplit(".", 1)[-1].lower(), "visible")
                sheets[meta.name] = RawSheet(meta.name, state, rows, set(seen.percent_cells) if seen else set())
    except _Unreadable as exc:
        raise ToolkitError("file.unreadable", str(exc), "ไฟล์เสียหายหรือไม่ใช่ไฟล์ Excel (.xlsx)") from exc.__cause__
    if not sheets:
        raise ToolkitError("file.unreadable", "the workbook has no worksheet",
                           "ไม่พบแผ่นงานในไฟล์")
    return RawWorkbook(Path(path), sheets, scan.date_1904, scan)


def read_own_sheet(path: Path, name: str) -> list[list[object]] | None:
    """The values of sheet ``name`` of a workbook the toolkit wrote and people edit (the master), as
    ``open_workbook`` gives them; None when the file or the sheet cannot be read. No preflight: the
    file is the workspace's own, not a return. Reads that sheet alone: openpyxl, which first reads
    every text of the workbook, took 0.9 s where this takes 0.02 s on the 70-return master."""
    try:
        with _calamine(path) as book:
            return _sheet_rows(book.get_sheet_by_name(name)) if name in book.sheet_names else None
    except _Unreadable:
        return None


def open_workbook_openpyxl(path: Path) -> RawWorkbook:
    """The same RawWorkbook through openpyxl (slow; styles read from the cells). Used where styles are
    needed and by the tests as the reference the calamine reader must agree with."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

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
                   if isinstance(c.value, (int, float)) and is_percent_format(c.number_format)}
        sheets[ws.title] = RawSheet(ws.title, ws.sheet_state, rows, percent)
    return RawWorkbook(Path(path), sheets, bool(book.epoch.year == 1904))
