"""The rows cross-sheet rules loop over come in the order pandas would give them: groups in order of
first appearance, each sorted as ``sort_values`` sorts (ties and missing values included)."""

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from toolkit.normalise.frames import SheetFrames
from toolkit.validate.view import ReturnView, sort_rows

_NUMBERS = st.one_of(st.sampled_from([1.0, 2.0, 3.0, 12.0, -0.0, 0.0]), st.just(float("nan")), st.none())


def _frame(codes: list[str], numbers: list[float | None]) -> pd.DataFrame:
    n = min(len(codes), len(numbers))
    return pd.DataFrame({"code": codes[:n], "no": pd.array(numbers[:n], dtype="float64"),
                         "tag": [f"r{i}" for i in range(n)]}, index=pd.RangeIndex(4, 4 + n))


def _rows(frame: pd.DataFrame) -> list[tuple[int, dict]]:
    return list(zip(frame.index.tolist(), frame.to_dict("records")))


@settings(max_examples=200, deadline=None)
@given(numbers=st.lists(_NUMBERS, max_size=60))
def test_sort_rows_orders_as_sort_values_with_ties_and_missing_values(numbers):
    frame = _frame(["x"] * len(numbers), numbers)
    assert [row for row, _ in sort_rows(_rows(frame), "no")] == frame.sort_values("no").index.tolist()


def test_sort_rows_keeps_pandas_order_among_many_equal_numbers():
    """Past 16 rows numpy's quicksort does not keep equal values in their order; neither does pandas."""
    numbers = [float(x) for x in np.random.default_rng(3).integers(0, 4, 200)]
    frame = _frame(["x"] * 200, numbers)
    assert [row for row, _ in sort_rows(_rows(frame), "no")] == frame.sort_values("no").index.tolist()


@settings(max_examples=100, deadline=None)
@given(codes=st.lists(st.sampled_from(["a", "b", "c", None]), max_size=40), numbers=st.lists(_NUMBERS, max_size=40))
def test_groups_are_pandas_groups_in_first_appearance_order(codes, numbers):
    n = min(len(codes), len(numbers))
    typed = pd.DataFrame({"project_code": codes[:n], "report_no": pd.array(numbers[:n], dtype="float64")},
                         index=pd.RangeIndex(4, 4 + n))
    view = ReturnView({"progress": SheetFrames(None, typed, typed)}, None, None)
    kept = typed.dropna(subset=["project_code", "report_no"])  # rows without their identifiers are left out
    expected = [(code, group.sort_values("report_no").index.tolist())
                for code, group in kept.groupby("project_code", sort=False)]
    assert [(code, [row for row, _ in rows]) for code, rows in view.groups("progress", "project_code", "report_no")] \
        == expected


def test_missing_identifiers_are_found_as_pandas_finds_them():
    from toolkit.validate.view import _has_missing

    columns = [pd.Series([1.0, np.nan]), pd.Series([1.0, 2.0]), pd.Series(["a", None], dtype=object),
               pd.Series(["a", float("nan")], dtype=object), pd.Series(["a", "b"], dtype=object),
               pd.Series(pd.to_datetime(["2021-01-02", None])), pd.Series(pd.to_datetime(["2021-01-02"])),
               pd.Series([], dtype=float), pd.Series([pd.NaT, "x"], dtype=object)]
    for column in columns:
        assert _has_missing(column.to_numpy()) == bool(column.isna().any()), column


def test_rows_hold_plain_python_values_whichever_way_they_are_built(tmp_path, ref):
    """From the arrays the frame was built from, or from the frame when rows were left out: the same
    rows, with dates as ``datetime`` and missing dates as None."""
    from datetime import datetime

    from tests.builders import make_return
    from toolkit.config import Settings
    from toolkit.normalise.frames import normalise_sheet
    from toolkit.read.returned import read_return

    book = read_return(make_return(tmp_path))
    frames = {key: normalise_sheet(sheet, ref, book.date_1904)[0] for key, sheet in book.sheets.items()}
    fast = ReturnView(frames, ref, Settings())
    slow = ReturnView({k: SheetFrames(f.sheet, f.typed, f.raw) for k, f in frames.items()}, ref, Settings())
    for key, sheet_frames in frames.items():
        expected = [(row, {k: (None if v is pd.NaT else v.to_pydatetime() if isinstance(v, pd.Timestamp) else v)
                           for k, v in zip(sheet_frames.typed.columns, values)})
                    for row, values in zip(sheet_frames.typed.index.tolist(),
                                           sheet_frames.typed.to_numpy(dtype=object).tolist())]
        for got in (fast.rows(key), slow.rows(key)):
            assert [r for r, _ in got] == [r for r, _ in expected]
            for (_, a), (_, b) in zip(got, expected):
                assert a.keys() == b.keys()
                assert all(a[k] == b[k] or (a[k] != a[k] and b[k] != b[k]) for k in a), key
    dates = [r["report_date"] for _, r in fast.rows("progress")]
    assert any(type(d) is datetime for d in dates) and all(d is None or type(d) is datetime for d in dates)


def test_present_tells_missing_values_from_the_rest():
    from datetime import date, datetime

    from toolkit.validate.view import present

    missing = [None, float("nan"), np.nan, np.float64("nan"), np.float32("nan"), pd.NaT, np.datetime64("NaT")]
    given = [0, 0.0, -0.0, float("inf"), np.float64(1.5), "", "x", "ไม่มี", False, datetime(2021, 1, 1),
             date(2021, 1, 1), pd.Timestamp("2021-01-01"), np.datetime64("2021-01-01")]
    assert [bool(present(x)) for x in missing] == [False] * len(missing)
    assert [bool(present(x)) for x in given] == [True] * len(given)


def test_a_row_maker_gives_what_dict_of_zip_gives():
    from toolkit.validate.view import _row_maker

    for keys in (("a", "b", "c"), ("project_code", "ชื่อ", "x"), ("a b", "1x", "c'}"), ("a", "a"), ("only",)):
        values = (1, None, "ข้อความ")[: len(keys)]
        made = _row_maker(keys)(*values)
        assert made == dict(zip(keys, values)) and list(made) == list(dict(zip(keys, values))), keys


_TEXTS = st.one_of(st.none(), st.lists(st.sampled_from(["ร้อยละ", "ร้อย", "ละ", "กลุ่ม", "สำนักงานเขต", "เขต", "\x00", " ",
                                                         "x", "๕"]), max_size=6).map("".join))


@settings(max_examples=200, deadline=None)
@given(notes=st.lists(_TEXTS, max_size=30), others=st.lists(_TEXTS, max_size=30),
       codes=st.lists(st.sampled_from(["P-1", "P-2", None]), max_size=30))
def test_rows_holding_a_word_are_the_rows_a_test_per_text_finds(notes, others, codes):
    n = min(len(notes), len(others), len(codes))
    for ids in (["P-1"] * n, codes[:n]):  # the rows as the typed frame, and with rows left out
        typed = pd.DataFrame({"project_code": pd.array(ids, dtype=object), "report_no": [1.0] * n,
                              "narrative": pd.array(notes[:n], dtype=object),
                              "problems": pd.array(others[:n], dtype=object)}, index=pd.RangeIndex(4, 4 + n))
        view = ReturnView({"progress": SheetFrames(None, typed, typed)}, None, None)
        for columns, words in ((("narrative", "problems"), ("สำนักงานเขต", "กลุ่ม")), (("narrative",), ("ร้อยละ",)),
                               (("problems",), ("x", "ละ"))):
            expected = [(row, r) for row, r in view.rows("progress")
                        if any(type(r[c]) is str and any(w in r[c] for w in words) for c in columns)]
            assert view.rows_holding("progress", columns, words) == expected, (columns, words)
