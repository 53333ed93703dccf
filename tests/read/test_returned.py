"""Locating a return's rows: reading stops at the end-of-data marker, however it was retyped."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.builders import make_return
from toolkit.layout import END_MARKER
from toolkit.normalise.values import clean_text
from toolkit.read.returned import _data_columns, read_return


@pytest.mark.parametrize("marker", [
    END_MARKER,
    "  " + END_MARKER.replace(" / ", "\u200b  /\u00a0") + " ",  # zero-width, doubled and non-breaking spaces
])
def test_reading_stops_at_the_end_marker(tmp_path, marker):
    def edit(book, cells):
        ws = book[cells[next(k for k in cells if k[0] == "progress")][0]]
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == END_MARKER)
        ws.cell(row, 1).value = marker
        ws.cell(row + 1, 1).value = "21000000-9999"  # past the marker: not data
        ws.cell(row + 1, 2).value = 7

    located = read_return(make_return(tmp_path, edit=edit)).sheets["progress"]
    assert located.rows
    assert all(values["project_code"] != "21000000-9999" for _, values in located.rows)


def test_a_dash_alone_is_data(tmp_path):
    """A text holding the marker's dash but not the marker is an ordinary value."""
    def edit(book, cells):
        sheet, address = cells[next(k for k in cells if k[0] == "progress" and k[2] == "project_code")]
        book[sheet][address].value = "— 21000000-3142"

    located = read_return(make_return(tmp_path, edit=edit)).sheets["progress"]
    assert any(values["project_code"] == "— 21000000-3142" for _, values in located.rows)


_CELLS = st.one_of(st.none(), st.integers(-3, 3), st.floats(allow_nan=True), st.sampled_from(
    ["", " ", "\u200b", "\u00a0", "_x000D_", "\u200b_x000D_ ", "\t\n", "\u0e34", "\u0e48\u0e48", "x", " x", "0", "ก",
     "_a", "\u3000", "\ufeffก"]), st.text(max_size=4))


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(_CELLS, min_size=3, max_size=3), max_size=8))
def test_the_rows_kept_are_those_holding_something(rows):
    """A data row is kept when any located value is not None and does not clean to nothing; the
    quick look at a row's first value must not change which."""
    columns = {"a": 1, "b": 2, "c": 3}
    excel_rows, values = _data_columns([list(r) for r in rows], 1, columns)
    want = [i for i, r in enumerate(rows) if any(v is not None and clean_text(v) != "" for v in r)]
    assert excel_rows == [1 + i for i in want]
    assert values == {k: [rows[i][c - 1] for i in want] for k, c in columns.items()}
