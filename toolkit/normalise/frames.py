"""Turn a located sheet into a typed DataFrame indexed by Excel row, keeping the raw values."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from schemas.base import KINDS, Column
from toolkit.findings import Finding, make_finding
from toolkit.normalise.values import (EMPTY_TOKENS, Unreadable, clean_text, normalise_code, parse_date, parse_int,
                                      parse_number)
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


def normalise_sheet(sheet: LocatedSheet, ref: Reference, date_1904: bool = False) -> tuple[SheetFrames, list[Finding]]:
    findings: list[Finding] = []
    spec = sheet.spec
    index = [r for r, _ in sheet.rows]
    raw = pd.DataFrame([{c.key: values.get(c.key) for c in spec.columns} for _, values in sheet.rows],
                       index=pd.Index(index, name="excel_row"), columns=spec.keys, dtype=object)
    data: dict[str, list[object]] = {c.key: [] for c in spec.columns}
    for excel_row, values in sheet.rows:
        for col in spec.columns:
            value = values.get(col.key)
            try:
                parsed = _parse(col, value, ref, sheet.is_percent(col.key, excel_row), date_1904)
            except Unreadable:
                kind_th, kind_en = _KIND_WORDS.get(col.kind, ("ข้อความ", "text"))
                findings.append(make_finding("value.unreadable", sheet=sheet.name, cell=sheet.cell(col.key, excel_row),
                                             value=clean_text(value), column=col.key,
                                             item=str(values.get(spec.id_columns[0]) or ""),
                                             label_th=col.th, label_en=col.en, kind_th=kind_th, kind_en=kind_en))
                parsed = None
            data[col.key].append(parsed)
    frame = pd.DataFrame(index=pd.Index(index, name="excel_row"))
    for col in spec.columns:
        dtype = KINDS[col.kind]
        if dtype == "datetime64[ns]":
            frame[col.key] = pd.to_datetime(pd.Series(data[col.key], index=frame.index, dtype=object)).astype(dtype)
        elif dtype:
            frame[col.key] = pd.Series(data[col.key], index=frame.index, dtype=object).astype(dtype)
        else:
            frame[col.key] = pd.Series(data[col.key], index=frame.index, dtype=object)
    return SheetFrames(sheet, frame, raw), findings
