"""Turn a located sheet into a typed DataFrame indexed by Excel row, keeping the raw values."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import numpy as np
import pandas as pd

from schemas.base import KINDS, Column
from toolkit.findings import Finding, make_finding
from toolkit.normalise.values import (DATE_YEARS, EMPTY_TOKENS, Unreadable, clean_text, normalise_code, parse_date,
                                      parse_int, parse_number)
from toolkit.read.returned import LocatedSheet
from toolkit.reference import Reference

_KIND_WORDS = {
    "int": ("จำนวนเต็ม", "a whole number"), "number": ("ตัวเลข", "a number"),
    "percent": ("ร้อยละ (ตัวเลข 0-100)", "a percentage (0-100)"), "money": ("จำนวนเงิน (บาท)", "an amount in baht"),
    "date": ("วันที่ (วัน/เดือน/ปี พ.ศ.)", "a date (d/m/yyyy BE)"),
}


@dataclass
class SheetFrames:
    sheet: LocatedSheet
    typed: pd.DataFrame
    raw: pd.DataFrame  # raw values as typed by the agency, same index and columns


def _parse(col: Column, value: object, ref: Reference, percent_format: bool, date_1904: bool) -> object:
    if col.kind in ("int",):
        number = parse_int(value)
        return None if number is None else float(number)
    if col.kind in ("number", "money"):
        return parse_number(value)
    if col.kind == "percent":
        return parse_number(value, percent_format=percent_format)
    if col.kind == "date":
        parsed = parse_date(value, date_1904=date_1904)
        return None if parsed is None else pd.Timestamp(parsed)
    if col.kind == "code":
        return normalise_code(value) or None
    text = clean_text(value)
    if text in EMPTY_TOKENS:
        return None
    if col.kind == "status":
        return ref.match_status(col.vocab or "", text) or text
    return text


def _parse_column(col: Column, values: list[object], percent: list[bool], ref: Reference, date_1904: bool,
                  statuses: dict[tuple[str, str], str | None]) -> tuple[list[object], list[int]]:
    """``_parse`` down one column: (parsed values, positions of the unreadable ones). Plain numbers in
    number columns and labels already seen in status columns skip the general path."""
    kind = col.kind
    if kind in ("number", "money") or (kind == "percent" and not any(percent)):
        return _parse_each(col, values, percent, ref, date_1904, _plain_number)
    if kind == "status":
        out: list[object] = []
        vocab = col.vocab or ""
        for value in values:
            text = clean_text(value)
            if text in EMPTY_TOKENS:
                out.append(None)
                continue
            key = (vocab, text)
            if key not in statuses:
                statuses[key] = ref.match_status(vocab, text)
            out.append(statuses[key] or text)
        return out, []
    if kind in ("text", "longtext"):
        texts = [clean_text(value) for value in values]
        return [None if text in EMPTY_TOKENS else text for text in texts], []
    if kind == "code":
        return [normalise_code(value) or None for value in values], []
    if kind == "int":
        return _parse_each(col, values, percent, ref, date_1904, _plain_int)
    if kind == "date":
        return _parse_each(col, values, percent, ref, date_1904, _plain_date)
    return _parse_each(col, values, percent, ref, date_1904, None)


#: what a fast path returns for a value it leaves to ``_parse``
_SLOW = object()


def _plain_number(value: object) -> object:
    return float(value) if type(value) is int or (type(value) is float and value == value) else _SLOW


def _plain_int(value: object) -> object:
    return float(value) if type(value) is int else _SLOW


def _plain_date(value: object) -> object:
    lo, hi = DATE_YEARS  # a real date cell (calamine gives datetimes)
    return pd.Timestamp(value.date()) if type(value) is datetime and lo <= value.year <= hi else _SLOW


def _parse_each(col: Column, values: list[object], percent: list[bool], ref: Reference, date_1904: bool,
                fast: Callable[[object], object] | None) -> tuple[list[object], list[int]]:
    """``_parse`` each value, after ``fast`` (if any) had its try: (values, positions unreadable)."""
    out: list[object] = []
    bad: list[int] = []
    for i, value in enumerate(values):
        if fast is not None:
            quick = fast(value)
            if quick is not _SLOW:
                out.append(quick)
                continue
        try:
            out.append(_parse(col, value, ref, percent[i], date_1904))
        except Unreadable:
            bad.append(i)
            out.append(None)
    return out, bad


def normalise_sheet(sheet: LocatedSheet, ref: Reference, date_1904: bool = False) -> tuple[SheetFrames, list[Finding]]:
    findings: list[Finding] = []
    spec = sheet.spec
    index = pd.Index([r for r, _ in sheet.rows], name="excel_row")
    rows = [values for _, values in sheet.rows]
    raw_columns = {c.key: [values.get(c.key) for values in rows] for c in spec.columns}
    raw = pd.DataFrame(raw_columns, index=index.copy(), columns=spec.keys, dtype=object)
    statuses: dict[tuple[str, str], str | None] = {}
    typed: dict[str, pd.Series] = {}
    unreadable: list[tuple[int, int]] = []  # (row position, column position)
    for position, col in enumerate(spec.columns):
        percent = ([sheet.is_percent(col.key, r) for r, _ in sheet.rows] if col.kind == "percent"
                   else [False] * len(rows))
        parsed, bad = _parse_column(col, raw_columns[col.key], percent, ref, date_1904, statuses)
        unreadable += [(i, position) for i in bad]
        dtype = KINDS[col.kind]
        if dtype == "datetime64[ns]":  # Timestamps and None (NaT)
            typed[col.key] = pd.Series(parsed, index=index, dtype=dtype)
        elif dtype:  # floats and None (NaN)
            typed[col.key] = pd.Series(np.array([math.nan if v is None else v for v in parsed], dtype=dtype),
                                       index=index)
        else:
            typed[col.key] = pd.Series(parsed, index=index, dtype=object)
    for i, position in sorted(unreadable):  # row by row, as the agency reads the sheet
        col, (excel_row, values) = spec.columns[position], sheet.rows[i]
        kind_th, kind_en = _KIND_WORDS.get(col.kind, ("ข้อความ", "text"))
        findings.append(make_finding("value.unreadable", sheet=sheet.name, cell=sheet.cell(col.key, excel_row),
                                     value=clean_text(values.get(col.key)), column=col.key,
                                     item=str(values.get(spec.id_columns[0]) or ""),
                                     label_th=col.th, label_en=col.en, kind_th=kind_th, kind_en=kind_en))
    frame = pd.DataFrame(typed, index=index, columns=spec.keys)
    return SheetFrames(sheet, frame, raw), findings
