"""The typed frames are built by the fast routes (dates through their day numbers, the frame from its
arrays without pandas' checks); each must give exactly what the public, slower route gives."""

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

import toolkit.normalise.frames as frames
from tests.builders import PROJECT, make_return, set_cell
from toolkit.normalise.frames import normalise_sheet
from toolkit.read.returned import read_return


@pytest.mark.parametrize("days", [
    [date(2020, 10, 1), None, date(1900, 1, 1), date(2200, 12, 31), datetime(2021, 3, 4, 15, 30)],
    [None, None],
    [],
])
def test_dates_by_day_number_are_numpys_dates(days):
    expected = np.array(days, dtype="datetime64[D]").astype("datetime64[ns]")
    got = frames._date_column(days)
    assert got.dtype == expected.dtype and np.array_equal(got, expected, equal_nan=True)


def test_a_frame_from_its_arrays_is_the_public_constructors():
    index = pd.Index(np.array([4, 5, 9], dtype=np.int64), name="excel_row")
    keys = pd.Index(["code", "amount", "day", "note"])
    texts = np.empty(3, dtype=object)
    texts[:] = ["ก-1", None, "x"]
    notes = np.empty(3, dtype=object)
    notes[:] = [None, None, None]
    columns = [texts, np.array([1.5, np.nan, 3.0]), frames._date_column([date(2021, 1, 2), None, None]), notes]
    fast = frames._frame(columns, index, keys)
    public = frames._public_frame(columns, index, keys)
    pd.testing.assert_frame_equal(fast, public)
    assert [str(t) for t in fast.dtypes] == ["object", "float64", "datetime64[ns]", "object"]
    assert type(fast.at[4, "code"]) is str  # texts stay Python objects, not pandas' "str"


def test_a_return_gives_the_same_frames_either_way(tmp_path, ref, monkeypatch):
    def edit(book, cells):  # a text date, a Thai-digit amount, an unreadable value
        set_cell(book, cells, ("progress", f"{PROJECT}#2", "report_date"), "23/11/2563")
        set_cell(book, cells, ("progress", f"{PROJECT}#3", "disbursed"), "๕,๐๐๐.-")
        set_cell(book, cells, ("progress", f"{PROJECT}#4", "progress_pct"), "ครึ่งหนึ่ง")
    book = read_return(make_return(tmp_path, edit=edit))
    fast = {key: normalise_sheet(sheet, ref, book.date_1904) for key, sheet in book.sheets.items()}
    monkeypatch.setattr(frames, "_frame", frames._public_frame)
    monkeypatch.setattr(frames, "_PLAIN_NUMBERS", {})  # numeric columns a cell at a time
    monkeypatch.setattr(frames, "_date_column",
                        lambda parsed: np.array(parsed, dtype="datetime64[D]").astype("datetime64[ns]"))
    for key, sheet in book.sheets.items():
        (fast_frames, fast_findings), (slow_frames, slow_findings) = fast[key], normalise_sheet(sheet, ref,
                                                                                                  book.date_1904)
        pd.testing.assert_frame_equal(fast_frames.typed, slow_frames.typed)
        assert fast_findings == slow_findings
    assert any(f.rule == "value.unreadable" for f in fast["progress"][1])
    assert fast["progress"][0].typed["report_date"].notna().any()


@pytest.mark.parametrize("kind", ["text", "longtext", "code", "status"])
def test_a_text_column_gives_what_each_cell_gives(ref, kind):
    """Texts and blanks are looked up all at once; a column with any other value (a number, a
    boolean, a date) takes the path a cell at a time. Either way each cell is what ``_parse`` gives."""
    from schemas import SHEETS

    col = next(c for spec in SHEETS for c in spec.columns if c.kind == kind)
    texts = ["  ก ข ", "-", "", "ดำเนินการแล้ว", None, "ดำเนินการแล้ว", "1001-0001"]
    for values in (texts, texts + [12, 1.0, True, datetime(2021, 1, 1)]):
        got, bad = frames._parse_column(col, values, [False] * len(values), ref, False, {})
        expected = [None if v is None else frames._parse(col, v, ref, False, False) for v in values]
        assert (got, bad) == (expected, []), values


@pytest.mark.parametrize("values", [[1, 2.5, None, float("nan"), -0.0, 10**15], [None, None], [3, True], [1.5, "2"]])
def test_a_numeric_column_at_once_is_the_column_a_cell_at_a_time(tmp_path, values, monkeypatch):
    from schemas import SHEETS_BY_KEY
    from toolkit.read.returned import LocatedSheet

    spec = SHEETS_BY_KEY["progress"]
    rows = [(10 + i, {"disbursed": v, "report_no": 1 if type(v) is float else v}) for i, v in enumerate(values)]
    sheet = LocatedSheet.from_rows(spec, "ความก้าวหน้า", {c.key: i + 1 for i, c in enumerate(spec.columns)}, rows)
    at_once, _ = normalise_sheet(sheet, None, False)
    monkeypatch.setattr(frames, "_PLAIN_NUMBERS", {})
    one_by_one, _ = normalise_sheet(sheet, None, False)
    pd.testing.assert_frame_equal(at_once.typed, one_by_one.typed)
