"""Cells holding a value, in the simplest cell regions (a filled template): counted only when asked
(``SheetScan.cells``) or when preflight's limit could be reached (``cells_at_most``), never in a
return's ordinary checks."""

import pickle

import pytest

import toolkit.read.preflight as pf
from tests.builders import make_return
from toolkit.read.preflight import IntakeRejected, preflight
from toolkit.read.workbook import scan_file
from toolkit.validate.run import validate_file


@pytest.fixture
def filled(tmp_path):
    return make_return(tmp_path)


def _streamed_cells(path, monkeypatch) -> list[int]:
    """Each sheet's count by the cell-by-cell scan, the reference the fast paths are held to."""
    with monkeypatch.context() as m:
        m.setattr(pf, "_plain_cells", lambda *_: False)
        m.setattr(pf, "_stream_plain_member", lambda *_: False)
        return [s.cells for s in preflight(path).sheets]


def test_a_filled_template_has_its_cells_waiting_and_counted_alike(filled, monkeypatch):
    scan = preflight(filled)
    assert any(s.value_region is not None for s in scan.sheets)
    assert all(s.cells_at_most() >= s.counted_cells for s in scan.sheets)
    bounds = [s.cells_at_most() for s in scan.sheets]
    counts = [s.cells for s in scan.sheets]
    assert counts == _streamed_cells(filled, monkeypatch)
    assert all(c <= b for c, b in zip(counts, bounds)) and sum(counts) > 100
    assert all(s.value_region is None for s in scan.sheets)


def test_a_returns_checks_never_count_the_cells(filled, ref):
    assert validate_file(filled, ref).report.accepted
    assert any(s.value_region is not None for s in scan_file(filled).sheets)  # the scan the checks used


@pytest.mark.parametrize("margin, refused", [(0, False), (-1, True)])
def test_the_limit_on_cells_still_holds_exactly(filled, margin, refused):
    exact = preflight(filled).cells
    limits = pf.Limits(max_value_cells=exact + margin)
    if refused:
        with pytest.raises(IntakeRejected) as caught:
            preflight(filled, limits)
        assert caught.value.code == "intake.range-too-large"
    else:
        assert preflight(filled, limits).cells == exact


def test_a_scan_is_pickled_with_its_cells_counted(filled):
    scan = preflight(filled)
    copy = pickle.loads(pickle.dumps(scan))
    assert [s.value_region for s in copy.sheets] == [None] * len(copy.sheets)
    assert [s.cells for s in copy.sheets] == [s.cells for s in preflight(filled).sheets]
