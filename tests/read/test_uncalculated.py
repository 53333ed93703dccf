"""Formulas saved without a result, in the simplest cell regions (a filled template): their positions
are worked out only when a formula lies in a column the toolkit reads (``SheetScan.uncalculated_in``);
the template's helper formulas (~1,000 a return, in columns it does not read) are never looked at."""

import pickle

import pytest

import toolkit.read.preflight as pf
from tests.builders import LEVEL_KPI, make_return, set_cell
from toolkit.read.preflight import preflight
from toolkit.validate.run import validate_file


@pytest.fixture
def filled(tmp_path):
    return make_return(tmp_path)  # filled by openpyxl: the template's helper formulas lose their results


def _waiting(path):
    scan = preflight(path)
    return scan, [s for s in scan.sheets if s.formula_region is not None]


def test_a_filled_template_has_its_formulas_waiting(filled):
    scan, waiting = _waiting(filled)
    assert waiting  # the fast path took the sheets holding the helper formulas
    assert sum(s.n_uncalculated for s in scan.sheets) > 0 and not any(s.formula_region for s in scan.sheets)


def test_formulas_outside_the_read_columns_are_not_looked_at(filled, ref, monkeypatch):
    monkeypatch.setattr(pf, "_simple_uncalculated", lambda *a: pytest.fail("formula positions worked out"))
    assert validate_file(filled, ref).report.findings == []


def test_a_formula_in_a_read_column_is_still_named(tmp_path, ref):
    def edit(book, cells):
        set_cell(book, cells, ("kpis", LEVEL_KPI, "achieved"), "=1+1")
    path = make_return(tmp_path, edit=edit)
    assert _waiting(path)[1]
    hits = [f for f in validate_file(path, ref).report.findings if f.rule == "intake.uncalculated-formulas"]
    assert [f.column for f in hits] == ["achieved"]


def test_uncalculated_in_is_the_whole_list_filtered(filled):
    whole = {s.name: s.uncalculated for s in preflight(filled).sheets}
    assert any(len({c for _, c in cells}) >= 2 for cells in whole.values())
    subsets = [set(), {1}, set(range(1, 27)), set(range(1, 60)), {27, 28}]
    subsets += [{c} for cells in whole.values() for c in {c for _, c in cells}]
    subsets += [{c, c + 1} for c in range(1, 26)]
    for columns in subsets:
        _, waiting = _waiting(filled)
        for sheet in waiting:
            assert sheet.uncalculated_in(columns) == [p for p in whole[sheet.name] if p[1] in columns], \
                (sheet.name, columns)


def test_the_cap_on_listed_cells_holds(filled):
    limited = preflight(filled, pf.Limits(max_listed_cells=5))
    full = preflight(filled)
    for a, b in zip(limited.sheets, full.sheets):
        assert a.uncalculated == b.uncalculated[:5] and a.n_uncalculated == b.n_uncalculated


def test_a_scan_is_pickled_with_its_positions_worked_out(filled):
    scan, waiting = _waiting(filled)
    size = sum(len(s.formula_region[0]) for s in waiting)
    copy = pickle.loads(pickle.dumps(scan))
    assert len(pickle.dumps(scan)) < size  # the parts' bytes are not sent along
    assert [s.formula_region for s in copy.sheets] == [None] * len(copy.sheets)
    assert [(s.uncalculated, s.n_uncalculated) for s in copy.sheets] == \
           [(s.uncalculated, s.n_uncalculated) for s in preflight(filled).sheets]


def test_two_threads_asking_at_once_count_the_formulas_once(filled, monkeypatch):
    """scan_file remembers the last scan, so two of the web app's threads may ask the same one."""
    import threading
    import time

    expected = [(s.uncalculated, s.n_uncalculated) for s in preflight(filled).sheets]
    scan, waiting = _waiting(filled)
    real = pf._simple_uncalculated

    def slow(*args):
        time.sleep(0.05)  # both threads are inside before either is done
        return real(*args)
    monkeypatch.setattr(pf, "_simple_uncalculated", slow)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append([(list(s.uncalculated), s.n_uncalculated)
                                                            for s in scan.sheets])) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [expected] * 4  # each thread saw the whole list and count, none a half-made one
    assert [(s.uncalculated, s.n_uncalculated) for s in scan.sheets] == expected
