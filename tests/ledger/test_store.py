"""The ledger's reads (toolkit/ledger/store.py) on returns recorded by a real collect."""

from tests.builders import AGENCY, ROUND, make_return, set_cell
from toolkit.collect import collect
from toolkit.ledger import Ledger


def _budget_changed(book, cells):
    set_cell(book, cells, ("projects", next(k for (s, k, _) in cells if s == "projects"), "budget_used"), 12345)


def test_submissions_of_one_agency_and_round_are_those_of_all_submissions(ws, ref, tmp_path):
    first = make_return(tmp_path, "first.xlsx")
    second = make_return(tmp_path, "second.xlsx", edit=_budget_changed)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")  # refused before its agency or round is known: both ""
    other = tmp_path / "other.xlsx"
    other.write_bytes(b"neither is this")
    collect(ws, [first, junk, second, other], ref, ws.catalogue())
    with Ledger(ws.ledger_path) as ledger:
        everything = ledger.submissions()
        keys = {(s.agency, s.round) for s in everything}
        assert keys == {(AGENCY, str(ROUND)), ("", "")} and len(everything) == 4
        for agency, round_ in keys | {(AGENCY, "2570-Q1"), ("9999", str(ROUND))}:
            assert ledger.submissions_of(agency, round_) == [s for s in everything
                                                              if s.agency == agency and s.round == round_]
        assert [s.original_name for s in ledger.submissions_of(AGENCY, str(ROUND))] == ["first.xlsx", "second.xlsx"]
