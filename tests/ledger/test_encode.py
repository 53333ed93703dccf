"""The ledger's rows are encoded a column at a time: the same JSON text, byte for byte, as encoding
each row's values one by one (``_jsonable`` then ``json.dumps``), which is what earlier ledgers hold."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.builders import PROJECT, make_return, set_cell, small_catalogue
from toolkit.ledger.encode import _jsonable, encode_rows
from toolkit.validate.run import validate_file


def _row_by_row(frames: dict[str, pd.DataFrame]) -> list[tuple[str, int, str]]:
    return [(key, int(row), json.dumps({k: _jsonable(v) for k, v in values.items()}, ensure_ascii=False))
            for key, frame in frames.items() for row, values in frame.to_dict(orient="index").items()]


def test_odd_values_encode_as_row_by_row() -> None:
    frame = pd.DataFrame({
        "text": ["ก ข", None, np.float64("nan"), np.int64(7), pd.Timestamp("2021-03-04 10:00"), "=1+1", '"q"\n'],
        "number": [1.5, float("nan"), -0.0, 1e16, 2.0, 3.25, np.inf],
        "whole": np.arange(7, dtype="int64"),
        "flag": [True, False, True, True, False, False, True],
        "when": pd.to_datetime(["2021-01-01", None, "2020-10-01", "2021-09-30", None, "2021-02-28", "2021-03-01"]),
    }, index=pd.Index([4, 5, 6, 7, 9, 12, 100], name="excel_row"))
    frames = {"progress": frame, "empty": frame.iloc[0:0]}
    assert encode_rows(frames) == _row_by_row(frames)
    assert json.loads(encode_rows(frames)[1][2]) == {"text": None, "number": None, "whole": 1, "flag": False,
                                                     "when": None}


def test_a_real_returns_frames_encode_as_row_by_row(tmp_path, ref) -> None:
    path = make_return(tmp_path, "r.xlsx", text_dates=True, edit=lambda book, cells: set_cell(
        book, cells, ("progress", f"{PROJECT}#2", "progress_pct"), "about half"))
    frames = validate_file(path, ref, catalogue=small_catalogue()).frames
    assert sum(len(f) for f in frames.values()) > 10
    assert encode_rows(frames) == _row_by_row(frames)


def test_duplicate_rows_are_refused_as_before() -> None:
    frame = pd.DataFrame({"a": [1, 2]}, index=[4, 4])
    with pytest.raises(ValueError):
        _row_by_row({"k": frame})
    with pytest.raises(ValueError):
        encode_rows({"k": frame})


_TEXTS = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["100%", "%s", '"', "\\", "\x00\x1f", "ก\u0e33"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_TEXTS, st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**15, 10**15),
                          st.booleans(), st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1),
                                                                       max_value=date(2200, 1, 1)))),
                max_size=8))
def test_any_values_encode_as_row_by_row(rows) -> None:
    """Every kind of column the typed frames hold, and column names a %-format or JSON would trip on."""
    frame = pd.DataFrame({
        "text%s": pd.Series([r[0] for r in rows], dtype=object),
        'a "b"': pd.Series([r[1] for r in rows], dtype="float64"),
        "ลำดับ": pd.Series([r[2] for r in rows], dtype="int64"),
        "flag": pd.Series([r[3] for r in rows], dtype="bool"),
        "when": pd.Series([pd.Timestamp(r[4]) if r[4] else None for r in rows], dtype="datetime64[ns]"),
    })
    frame.index = pd.Index(range(4, 4 + len(rows)), name="excel_row")
    frames = {"k": frame, "none": frame[[]]}
    assert encode_rows(frames) == _row_by_row(frames)


def test_a_repeated_column_keeps_its_first_place_and_last_value() -> None:
    frame = pd.DataFrame([[1.0, "x", 2.0]], columns=["a", "b", "a"], index=[4])
    assert encode_rows({"k": frame}) == [("k", 4, '{"a": 2.0, "b": "x"}')]
