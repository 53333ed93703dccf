"""Locating a return's rows: reading stops at the end-of-data marker, however it was retyped."""

import pytest

from tests.builders import make_return
from toolkit.layout import END_MARKER
from toolkit.read.returned import read_return


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
