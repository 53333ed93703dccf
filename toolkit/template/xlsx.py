"""Thin, strict helpers over XlsxWriter: untrusted strings stay text and every return code is checked."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from toolkit.errors import ToolkitError

#: XlsxWriter's safe options: nothing typed by an agency becomes a formula, link or number.
SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                "nan_inf_to_errors": True}
FONT = "TH Sarabun New"
EXCEL_MAX_STRING = 32767


def new_workbook(path: str) -> xlsxwriter.Workbook:
    book = xlsxwriter.Workbook(path, SAFE_OPTIONS)
    book.formats[0].set_font_name(FONT)
    book.formats[0].set_font_size(14)
    book.formats[0].set_font_charset(222)  # THAI_CHARSET: where TH Sarabun New is missing, Excel picks a Thai font
    return book


def check(result: Any, what: str) -> Any:
    """XlsxWriter reports many failures as -1/-2 plus a warning; make them exceptions."""
    if isinstance(result, int) and result < 0:
        raise ToolkitError("xlsx.write", f"XlsxWriter refused to {what} (code {result})")
    return result


def fit_text(text: str) -> str:
    """``text`` as one cell can hold it: cut to Excel's 32,767 characters, the cut marked "…"."""
    return text if len(text) <= EXCEL_MAX_STRING else text[: EXCEL_MAX_STRING - 1] + "…"


def write_value(ws: Worksheet, row: int, col: int, value: Any, fmt: Any, date_fmt: Any = None) -> None:
    """Write a typed value at 0-based (row, col). Strings are always written as strings."""
    if value is None or (isinstance(value, float) and value != value):
        check(ws.write_blank(row, col, None, fmt), f"write blank at {row},{col}")
    elif isinstance(value, bool):
        check(ws.write_boolean(row, col, value, fmt), f"write boolean at {row},{col}")
    elif isinstance(value, (int, float)):
        check(ws.write_number(row, col, value, fmt), f"write number at {row},{col}")
    elif isinstance(value, (date, datetime)):
        if not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        check(ws.write_datetime(row, col, value, date_fmt or fmt), f"write date at {row},{col}")
    else:
        check(ws.write_string(row, col, fit_text(str(value)), fmt), f"write string at {row},{col}")
