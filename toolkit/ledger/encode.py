"""An accepted return's typed rows as the ledger stores them: one JSON object per row. Made by
collect's parsing workers (the only part of the ledger that needs pandas, so that reading the ledger,
as the merge does, never imports it)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd


def _jsonable(value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    return value


#: json.dumps(value, ensure_ascii=False) without building an encoder per call
_ROW_JSON = json.JSONEncoder(ensure_ascii=False).encode
#: a text as json.dumps(text, ensure_ascii=False) writes it (the C function the encoder itself calls)
_TEXT_JSON = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring
_INFINITY = float("inf")
_DATES = np.dtype("datetime64[ns]")


def _float_json(value: float) -> str:
    if value != value:
        return "null"  # NaN: _jsonable makes it None
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _column_json(series: pd.Series) -> list[str]:
    """Each value of a column as JSON text, as ``json.dumps(_jsonable(value), ensure_ascii=False)``
    writes it, converted a column at a time."""
    kind = series.dtype.kind
    if kind == "f":  # NaN fails v == v; -inf < v < inf fails only for infinities
        return [float.__repr__(v) if -_INFINITY < v < _INFINITY else _float_json(v) for v in series.tolist()]
    if kind == "b":
        return ["true" if v else "false" for v in series.tolist()]
    if kind in "iu":
        return list(map(int.__repr__, series.tolist()))
    if series.dtype == _DATES:
        return ["null" if day == "NaT" else f'"{day}"' for day in np.datetime_as_string(series.to_numpy(), unit="D")]
    if kind == "M":  # another unit, or a time zone
        return ["null" if v is pd.NaT else f'"{v.date().isoformat()}"' for v in series]
    return [_TEXT_JSON(v) if type(v) is str else "null" if v is None else _ROW_JSON(_jsonable(v))
            for v in series.tolist()]


def encode_rows(frames: dict[str, pd.DataFrame]) -> list[tuple[str, int, str]]:
    """``(sheet key, excel row, JSON of the row)`` for every row of ``frames``: what ``data_rows`` holds,
    the same text as ``json.dumps({column: _jsonable(value)})`` row by row, built column by column:
    each column's values become JSON texts, and a row is one %-format of its texts."""
    out: list[tuple[str, int, str]] = []
    for key, frame in frames.items():
        if not frame.index.is_unique:
            raise ValueError("DataFrame index must be unique for orient='index'.")
        names = list(frame.columns)
        if not frame.columns.is_unique:  # a dict keeps a repeated name once, with its last column's value
            last = {name: j for j, name in enumerate(names)}
            names = list(last)
            columns = [_column_json(frame.iloc[:, last[name]]) for name in names]
        else:
            columns = [_column_json(frame[name]) for name in names]
        # json.dumps' layout: {"key": value, "key": value}; a % in a key is doubled for the format
        template = "{" + ", ".join(_TEXT_JSON(str(name)).replace("%", "%%") + ": %s" for name in names) + "}"
        rows = map(int, frame.index)
        if columns:
            out += [(key, row, template % values) for row, values in zip(rows, zip(*columns))]
        else:
            out += [(key, row, "{}") for row in rows]
    return out
