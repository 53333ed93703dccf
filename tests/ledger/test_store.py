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


def test_a_reader_reads_while_collect_holds_the_write_lock_and_cannot_write(ws, ref, tmp_path):
    import sqlite3
    import time

    import pytest

    from toolkit.ledger.history import LedgerHistory

    collect(ws, [make_return(tmp_path, "first.xlsx")], ref, ws.catalogue())
    with Ledger(ws.ledger_path) as writer:
        writer.db.execute("BEGIN IMMEDIATE")  # as Ledger.record holds it while it records a return
        try:
            started = time.perf_counter()
            with Ledger.reader(ws.ledger_path) as reader:
                assert [s.original_name for s in reader.submissions()] == ["first.xlsx"]
                with pytest.raises(sqlite3.OperationalError, match="readonly"):
                    reader.db.execute("DELETE FROM submissions")
            # the history a parsing worker looks up, through the same kind of connection
            history = LedgerHistory(ws.ledger_path).for_return(AGENCY, "2564-Q3")
            assert history is not None and (history.round, history.source_file) == (str(ROUND), "first.xlsx")
            assert history.progress  # the accepted return's progress rows, read under the lock
            assert time.perf_counter() - started < 5  # a connection that wrote on opening would wait for the lock (30 s)
        finally:
            writer.db.execute("ROLLBACK")


def test_a_reader_of_a_file_that_is_not_a_ledger_raises_sqlite_errors(tmp_path):
    import sqlite3

    import pytest

    missing = tmp_path / "none.sqlite"
    with pytest.raises(sqlite3.Error):
        Ledger.reader(missing).submissions()
    assert not missing.exists()  # read-only: nothing is created


def test_opening_an_up_to_date_ledger_writes_nothing_so_it_does_not_wait_for_the_write_lock(tmp_path):
    import sqlite3
    import time

    from toolkit.ledger.store import LEDGER_VERSION

    path = tmp_path / "ledger.sqlite"
    Ledger(path).close()  # a new file: schema and version written
    with Ledger(path) as writer:
        writer.db.execute("BEGIN IMMEDIATE")  # as Ledger.record holds it while it records a return
        try:
            started = time.perf_counter()
            with Ledger(path) as other:
                assert other.submissions() == []
            assert time.perf_counter() - started < 5  # a write on opening would wait 30 s, then fail
        finally:
            writer.db.execute("ROLLBACK")
    # an older ledger is still brought up to date when opened
    with sqlite3.connect(path) as db:
        db.execute("UPDATE ledger_meta SET value = '1' WHERE key = 'version'")
    with Ledger(path) as ledger:
        assert ledger._version() == LEDGER_VERSION
