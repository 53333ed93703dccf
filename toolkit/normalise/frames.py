"""Turn a located sheet into a typed DataFrame indexed by Excel row, keeping the raw values."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime

import numpy as np
import pandas as pd

from schemas.base import KINDS, Column, SheetSpec
from toolkit.findings import Finding, make_finding
from toolkit.normalise.values import (DATE_YEARS, EMPTY_TOKENS, Unreadable, clean_text, clean_texts, normalise_code,
                                      parse_date, parse_int, parse_number)
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
    #: the raw values as given (None: made from ``sheet`` when first asked for, see ``raw``)
    given_raw: pd.DataFrame | None = None
    #: ``typed``'s columns as the arrays it was built from (what reads them one by one skips pandas)
    arrays: dict[str, np.ndarray] | None = None
    _positions: dict[int, int] | None = field(default=None, init=False, repr=False, compare=False)

    def column(self, key: str) -> np.ndarray:
        """``typed[key]`` as an array: the one the frame was built from, when there is one."""
        if self.arrays is not None and key in self.arrays:
            return self.arrays[key]
        return self.typed[key].to_numpy()

    @property
    def raw(self) -> pd.DataFrame:
        """The raw values as typed by the agency, with ``typed``'s index and columns. Made on first use:
        only findings quote raw values (``raw_value``), and most returns need none (~0.6 ms a return)."""
        if self.given_raw is None:
            self.given_raw = raw_frame(self.sheet, self.typed.index)
        return self.given_raw

    def raw_value(self, excel_row: int, key: str) -> object:
        """``raw.at[excel_row, key]``, read from the located sheet without making the raw frame."""
        if self.given_raw is not None or self.sheet is None:
            return self.raw.at[excel_row, key]
        if self._positions is None:
            self._positions = {row: i for i, row in enumerate(self.sheet.excel_rows)}
        if key not in self.sheet.spec.keys:
            raise KeyError(key)
        return self.sheet.column(key)[self._positions[excel_row]]


def raw_frame(sheet: LocatedSheet, index: pd.Index) -> pd.DataFrame:
    """A located sheet's raw values as an object frame: one column per column of its sheet kind (all
    None for a column not found), indexed by Excel row."""
    spec = sheet.spec
    # one object block filled a column at a time: a frame from a dict of lists checks every column
    raw_cells = np.empty((len(sheet.excel_rows), len(spec.columns)), dtype=object)
    for j, col in enumerate(spec.columns):
        raw_cells[:, j] = sheet.column(col.key)
    return pd.DataFrame(raw_cells, index=index.copy(), columns=_column_index(spec),
                        dtype=object)  # dtype given: no look for dates in each column


def _parse(col: Column, value: object, ref: Reference, percent_format: bool, date_1904: bool) -> object:
    if col.kind in ("int",):
        number = parse_int(value)
        return None if number is None else float(number)
    if col.kind in ("number", "money"):
        return parse_number(value)
    if col.kind == "percent":
        return parse_number(value, percent_format=percent_format)
    if col.kind == "date":
        return parse_date(value, date_1904=date_1904)  # a date; the column becomes datetime64 at once
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
    """``_parse`` down one column: (parsed values, positions of the unreadable ones). Blanks, plain
    numbers in number columns, real dates in date columns and texts already seen in the column skip
    the general path, without a call per value."""
    kind = col.kind
    if kind in ("number", "money") or (kind == "percent" and not any(percent)):
        quick = [float(v) if type(v) is int or (type(v) is float and v == v) else None if v is None else _SLOW
                 for v in values]
    elif kind == "int":
        quick = [float(v) if type(v) is int else None if v is None else _SLOW for v in values]
    elif kind == "date":
        lo, hi = DATE_YEARS  # a real date cell (calamine gives datetimes)
        quick = [v.date() if type(v) is datetime and lo <= v.year <= hi else None if v is None else _SLOW
                 for v in values]
    elif kind in ("text", "longtext", "status", "code"):
        # each distinct text parsed once: texts and codes recur (a project's code on each of its
        # reports). Only texts are keys: 1, 1.0 and True would share one
        distinct = [v for v in set(values) if type(v) is str]
        if kind == "code":
            def parse(value: object) -> object:
                return normalise_code(value) or None
            seen = {v: parse(v) for v in distinct}
        else:
            if kind == "status":
                vocab = col.vocab or ""

                def then(text: str) -> object:
                    if text in EMPTY_TOKENS:
                        return None
                    key = (vocab, text)
                    if key not in statuses:
                        statuses[key] = ref.match_status(vocab, text)
                    return statuses[key] or text
            else:
                def then(text: str) -> object:
                    return None if text in EMPTY_TOKENS else text

            def parse(value: object) -> object:
                return then(clean_text(value))
            # the texts cleaned together (a column of narratives: ~600 distinct texts a return)
            seen = {v: then(text) for v, text in clean_texts(distinct).items()}
        seen[None] = None  # blanks; any other value (a number in a text column) is no key: KeyError
        try:
            return list(map(seen.__getitem__, values)), []  # texts and blanks only: no Python step per cell
        except KeyError:
            return [seen[v] if type(v) is str else None if v is None else parse(v) for v in values], []
    else:
        quick = [_SLOW] * len(values)
    bad: list[int] = []
    if _SLOW in quick:
        for i in [i for i, q in enumerate(quick) if q is _SLOW]:
            try:
                quick[i] = _parse(col, values[i], ref, percent[i], date_1904)
            except Unreadable:
                bad.append(i)
                quick[i] = None
    return quick, bad


#: per numeric kind, the types of the cells a column converts at once when it holds no other
#: (whole numbers only in "int" columns: a fraction there is unreadable)
_PLAIN_NUMBERS = {"int": frozenset({int, type(None)}), "number": frozenset({int, float, type(None)}),
                  "money": frozenset({int, float, type(None)}), "percent": frozenset({int, float, type(None)})}

#: what a fast path leaves to ``_parse``
_SLOW = object()


@lru_cache(maxsize=64)
def _column_index(spec: SheetSpec) -> pd.Index:
    """A sheet kind's column keys as an Index (as pandas makes it from the keys), made once: frames
    built from it share it, and nothing here renames an Index in place."""
    return pd.Index(spec.keys)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NAT = np.iinfo(np.int64).min  # NaT as datetime64's integer


def _date_column(parsed: list[object]) -> np.ndarray:
    """Dates and None as datetime64[ns] (None: NaT), through their day numbers: numpy converts a list
    of date objects ~20x slower (~1.3 ms a return)."""
    days = np.array([_NAT if v is None else v.toordinal() - _EPOCH_ORDINAL for v in parsed],  # type: ignore[attr-defined]
                    dtype=np.int64)
    return days.view("datetime64[D]").astype("datetime64[ns]")


def _frame(columns: list[np.ndarray], index: pd.Index, keys: pd.Index) -> pd.DataFrame:
    """A frame of one 1-D array per column, each of ``len(index)``, kept as given (object arrays stay
    objects instead of becoming pandas' "str"). ``DataFrame._from_arrays`` without its checks takes
    a third of the public constructor's time (~1.5 ms a return); ``test_frames`` holds both to the
    same result, and a pandas without it gets the public constructor."""
    from_arrays = getattr(pd.DataFrame, "_from_arrays", None)
    if from_arrays is not None:
        try:
            return from_arrays(columns, columns=keys, index=index, verify_integrity=False)
        except TypeError:  # its signature changed
            pass
    return _public_frame(columns, index, keys)


def _public_frame(columns: list[np.ndarray], index: pd.Index, keys: pd.Index) -> pd.DataFrame:
    return pd.DataFrame({key: pd.Series(col, index=index, dtype=object) if col.dtype == object else col
                         for key, col in zip(keys, columns)}, index=index, columns=keys)


def typed_frame(columns: list[np.ndarray], index: pd.Index, spec: SheetSpec) -> pd.DataFrame:
    """A sheet kind's typed frame from its columns' arrays (in ``spec.keys`` order) as
    ``normalise_sheet`` builds it."""
    return _frame(columns, index, _column_index(spec))


def normalise_sheet(sheet: LocatedSheet, ref: Reference, date_1904: bool = False) -> tuple[SheetFrames, list[Finding]]:
    findings: list[Finding] = []
    spec = sheet.spec
    n_rows = len(sheet.excel_rows)
    excel_rows = np.array(sheet.excel_rows, dtype=np.int64)
    index = pd.Index(excel_rows, name="excel_row")
    raw_columns = {c.key: sheet.column(c.key) for c in spec.columns}
    statuses: dict[tuple[str, str], str | None] = {}
    typed: list[np.ndarray] = []
    unreadable: list[tuple[int, int]] = []  # (row position, column position)
    no_percent = [False] * n_rows
    for position, col in enumerate(spec.columns):
        percent = ([sheet.is_percent(col.key, r) for r in sheet.excel_rows] if col.kind == "percent"
                   and sheet.percent_cells else no_percent)  # most sheets show no cell as a percentage
        plain = _PLAIN_NUMBERS.get(col.kind)
        if plain is not None and plain.issuperset(map(type, raw_columns[col.key])) \
                and (col.kind != "percent" or not any(percent)):
            # numbers and blanks only (most numeric columns): numpy converts the column at once, None
            # and NaN to NaN, as the quick path below and the float array after it do a cell at a time
            typed.append(np.array(raw_columns[col.key], dtype=np.float64))
            continue
        parsed, bad = _parse_column(col, raw_columns[col.key], percent, ref, date_1904, statuses)
        unreadable += [(i, position) for i in bad]
        dtype = KINDS[col.kind]
        if dtype == "datetime64[ns]":  # dates and None (NaT)
            typed.append(_date_column(parsed))
        elif dtype:  # floats and None (NaN)
            typed.append(np.array([math.nan if v is None else v for v in parsed], dtype=dtype))
        else:  # texts and None, as objects
            texts = np.empty(n_rows, dtype=object)
            texts[:] = parsed
            typed.append(texts)
    for i, position in sorted(unreadable):  # row by row, as the agency reads the sheet
        col, excel_row = spec.columns[position], sheet.excel_rows[i]
        kind_th, kind_en = _KIND_WORDS.get(col.kind, ("ข้อความ", "text"))
        findings.append(make_finding("value.unreadable", sheet=sheet.name, cell=sheet.cell(col.key, excel_row),
                                     value=clean_text(raw_columns[col.key][i]), column=col.key,
                                     item=str(raw_columns[spec.id_columns[0]][i] or ""),
                                     label_th=col.th, label_en=col.en, kind_th=kind_th, kind_en=kind_en))
    frame = typed_frame(typed, index, spec)
    return SheetFrames(sheet, frame, None, dict(zip(spec.keys, typed))), findings
