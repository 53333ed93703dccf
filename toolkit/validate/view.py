"""What cross-sheet rules see of a return: typed frames, their rows as plain records (built once per
return, so that rules loop over dicts instead of pandas rows), and a way to report a finding at a cell."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Any, Callable

import numpy as np
import pandas as pd

from schemas import SHEETS_BY_KEY
from toolkit.config import Settings
from toolkit.findings import Finding, make_finding
from toolkit.ledger.history import History
from toolkit.normalise.frames import SheetFrames
from toolkit.normalise.values import clean_text, thai_digits_to_ascii
from toolkit.reference import Reference

_THAI_DIGIT = re.compile("[\u0e50-\u0e59]")

#: one row of a typed frame: its Excel row and its typed values by column key.
Row = tuple[int, dict[str, Any]]


def present(x: object) -> bool:
    """Not None, NaN or NaT: the missing values are the ones not equal to themselves (NaN of any
    float type, pandas' and numpy's NaT). Rules call this for every cell they read (~13,000 times a
    return): one comparison instead of an ``isinstance`` and two."""
    return x is not None and x == x


def _has_missing(values: np.ndarray) -> bool:
    """``Series.isna().any()`` on a column's array, without the Series (a fifth of the time)."""
    if values.dtype.kind == "f":
        return bool(np.isnan(values).any())
    return bool(pd.isna(values).any())


def _python_values(values: np.ndarray) -> list[Any]:
    """A column's values as Python objects; dates as ``datetime`` through numpy (a pandas Timestamp
    each, as ``to_numpy(dtype=object)`` makes them, cost ~1 us a cell)."""
    if values.dtype.kind == "M":
        return values.astype("datetime64[us]").tolist()  # NaT: None
    return values.tolist()


@lru_cache(maxsize=64)
def _row_maker(keys: tuple[str, ...]) -> Callable[..., dict[str, Any]]:
    """A function of one value per key giving the row's dict, written as a dict display: the dict is
    made at its size at once, ~1.7x faster than ``dict(zip(keys, values))`` (~0.3 ms a return). The
    keys enter the code only as ``repr`` literals, whatever they hold."""
    names = [f"v{i}" for i in range(len(keys))]
    return eval(f"lambda {', '.join(names)}: {{{', '.join(f'{k!r}: {n}' for k, n in zip(keys, names))}}}")  # noqa: S307


def sort_rows(rows: list[Row], column: str) -> list[Row]:
    """``rows`` in the order ``DataFrame.sort_values(column)`` puts them: the present values sorted,
    the missing ones last. Ties are ordered by numpy's quicksort (not stable) as pandas orders them."""
    filled: list[Row] = []
    missing: list[Row] = []
    values = []
    for r in rows:  # one pass: present() once per row
        value = r[1][column]
        if present(value):
            filled.append(r)
            values.append(value)
        else:
            missing.append(r)
    if len(set(values)) == len(values):  # no ties: every sort gives the same order
        order = sorted(range(len(values)), key=values.__getitem__)
    else:
        order = np.asarray(values, dtype=float).argsort(kind="quicksort").tolist()
    return [filled[i] for i in order] + missing


@dataclass
class ReturnView:
    frames: dict[str, SheetFrames]
    ref: Reference
    settings: Settings
    #: what the agency's accepted return of an earlier round of the fiscal year reported, if any.
    history: History | None = None
    _memo: dict[tuple, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def _once(self, key: tuple, build: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def frame(self, key: str) -> pd.DataFrame:
        """The typed frame of a sheet, rows without their identifiers left out (those are reported by
        the column checks); empty with the right columns when the sheet is missing. Rules must not
        change it: it is built once per return."""
        return self._once(("frame", key), lambda: self._frame(key))

    def _frame(self, key: str) -> pd.DataFrame:
        if key in self.frames:
            typed = self.frames[key].typed
            ids = list(SHEETS_BY_KEY[key].id_columns)
            if not any(_has_missing(self.frames[key].column(c)) for c in ids):
                return typed  # nothing to leave out (the usual case): no copy
            return typed.dropna(subset=ids)
        return SHEETS_BY_KEY[key].empty_frame()

    def rows(self, key: str) -> list[Row]:
        """The rows of ``frame(key)`` in sheet order, as (Excel row, {column: typed value}): Python
        floats (NaN for none), texts or None, and dates as ``datetime`` (None for none)."""
        def build() -> list[Row]:
            frame = self.frame(key)
            keys = list(frame.columns)
            cells = [_python_values(self._array(key, k)) for k in keys]
            index = frame.index.tolist()
            if not cells:
                return [(row, {}) for row in index]
            return list(zip(index, map(_row_maker(tuple(keys)), *cells)))
        return self._once(("rows", key), build)

    def _array(self, key: str, column: str) -> np.ndarray:
        """Column ``column`` of ``frame(key)`` as an array: the one the typed frame was built from when
        no row was left out (no pandas), else the frame's (rows left out, or the sheet missing)."""
        frame = self.frame(key)
        if key in self.frames and frame is self.frames[key].typed:
            return self.frames[key].column(column)
        return frame[column].to_numpy()

    def groups(self, key: str, by: str, order: str) -> list[tuple[str, list[Row]]]:
        """The rows of ``frame(key)`` grouped by column ``by`` (groups in order of first appearance,
        rows without a ``by`` value left out), each group sorted by ``order``: what
        ``frame.groupby(by, sort=False)`` and ``group.sort_values(order)`` give."""
        def build() -> list[tuple[str, list[Row]]]:
            grouped: dict[Any, list[Row]] = {}
            for row in self.rows(key):
                value = row[1][by]
                if present(value):
                    grouped.setdefault(value, []).append(row)
            return [(str(value), sort_rows(rows, order)) for value, rows in grouped.items()]
        return self._once(("groups", key, by, order), build)

    def rows_holding(self, key: str, columns: tuple[str, ...], words: tuple[str, ...]) -> list[Row]:
        """The rows of ``rows(key)``, in sheet order, where one of ``columns`` holds a text containing
        one of ``words`` (none holding a NUL): for rules that read only such texts (a district office's
        name, a percentage), which a return's ~1,500 texts rarely hold. Each column's texts are searched
        joined, once per word and hit, instead of a test per text."""
        def build() -> list[Row]:
            hits: set[int] = set()
            for column in columns:
                joined, starts = self._joined(key, column)
                for word in words:
                    at = joined.find(word)
                    while at >= 0:
                        i = bisect_right(starts, at) - 1  # the text holding the hit
                        hits.add(i)
                        at = joined.find(word, starts[i + 1])  # on from the next text
            rows = self.rows(key)
            return [rows[i] for i in sorted(hits)]
        return self._once(("holding", key, columns, words), build)

    def _joined(self, key: str, column: str) -> tuple[str, list[int]]:
        """Column ``column`` of ``rows(key)`` as one text, each value followed by a NUL (none: an empty
        text), and where each value starts in it (the last entry: the end)."""
        def build() -> tuple[str, list[int]]:
            texts = [v if type(v) is str else "" for v in self._array(key, column).tolist()]
            starts = list(accumulate(map((1).__add__, map(len, texts)), initial=0))
            return "\x00".join(texts) + "\x00", starts
        return self._once(("joined", key, column), build)

    @staticmethod
    def ref_digits(text: str) -> str:
        """Thai digits as ASCII, for rules that read numbers out of narrative text."""
        return thai_digits_to_ascii(text) if _THAI_DIGIT.search(text) else text

    def raw(self, key: str, row: int, column: str) -> str:
        return clean_text(self.frames[key].raw_value(row, column)) if key in self.frames else ""

    def finding(self, rule: str, key: str, row: int | None, column: str, value: Any = None, *,
                item: str = "", **params: Any) -> Finding:
        """A finding at (sheet ``key``, Excel ``row``, ``column``); value defaults to the raw cell."""
        sheet = self.frames.get(key)
        cell = sheet.sheet.cell(column, row) if sheet is not None and row is not None else ""
        if value is None and sheet is not None and row is not None:
            value = self.raw(key, row, column)
        spec = SHEETS_BY_KEY[key]
        col = spec.column(column) if column in spec.keys else None
        return make_finding(rule, sheet=sheet.sheet.name if sheet else spec.sheet_name, cell=cell, value=value,
                            item=item, column=column, label_th=col.th if col else "", label_en=col.en if col else "",
                            **params)
