"""The catalogue collect ships to its workers: the agencies at once, the rest only when a file needs it,
and every file checked exactly as against the catalogue itself."""

from __future__ import annotations

import pickle

import pytest

from tests.builders import AGENCY, PROJECT, ROUND, make_return, set_cell, small_catalogue
from toolkit.catalogue_shipped import ShippedCatalogue, ship
from toolkit.layout import META_SHEET
from toolkit.read.isolate import Limits, WorkerPool
from toolkit.read.stage import FileJob, check_chunk
from toolkit.validate.run import validate_file


def checked_and_unpacked(jobs, *, ref, catalogue):
    """In a worker: each file's report, and whether the worker unpacked the whole catalogue."""
    reports = [r.parsed.report.to_dict() for r in check_chunk(jobs, ref=ref, catalogue=catalogue)]
    return reports, catalogue.unpacked


def test_a_shipped_catalogue_unpacks_on_first_need():
    cat = small_catalogue()
    shipped = ship(cat)
    assert ship(shipped) is shipped and ship(None) is None
    arrived = pickle.loads(pickle.dumps(shipped))
    assert isinstance(arrived, ShippedCatalogue) and not arrived.unpacked
    assert arrived.agencies == cat.agencies and not arrived.unpacked  # the agencies come at once
    assert arrived.projects == cat.projects and arrived.unpacked  # the rest on first use
    assert arrived.kpis == cat.kpis
    assert pickle.loads(pickle.dumps(arrived)).projects == cat.projects  # and it travels on
    with pytest.raises(AttributeError):
        arrived.no_such_thing


def test_the_catalogue_is_pickled_and_unpickled_with_the_collector_paused(monkeypatch):
    """Both make a temporary or an object per catalogue object (hundreds of thousands for a national
    catalogue), none in a cycle: the collector stays off meanwhile, and is on again after."""
    import gc

    import toolkit.catalogue_shipped as shipped_module

    calls = []

    class Watched:
        HIGHEST_PROTOCOL = pickle.HIGHEST_PROTOCOL

        @staticmethod
        def dumps(obj, protocol=None):
            calls.append(("dumps", gc.isenabled()))
            return pickle.dumps(obj, protocol)

        @staticmethod
        def loads(data):
            calls.append(("loads", gc.isenabled()))
            return pickle.loads(data)

    monkeypatch.setattr(shipped_module, "pickle", Watched)
    cat = small_catalogue()
    arrived = pickle.loads(pickle.dumps(ship(cat)))
    assert arrived.projects == cat.projects
    assert calls == [("dumps", False), ("loads", False)] and gc.isenabled()


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(1, Limits(worker_memory_bytes=1 << 30, worker_timeout_s=60)) as p:
        yield p


def test_a_worker_unpacks_only_for_a_return_without_metadata(pool, tmp_path, ref):
    made = [make_return(tmp_path / "a", "plain.xlsx"),
            make_return(tmp_path / "b", "edited.xlsx", edit=lambda book, cells: set_cell(
                book, cells, ("projects", PROJECT, "name"), "ชื่ออื่น")),
            make_return(tmp_path / "c", f"{ROUND}_{AGENCY}_pasted.xlsx",
                        edit=lambda book, cells: book.remove(book[META_SHEET]))]
    cat = small_catalogue()
    alone = [validate_file(path, ref, catalogue=cat).report.to_dict() for path in made]
    assert [f["rule"] for f in alone[2]["issues"]] == ["template.no-metadata"]
    assert "identity.prefilled-changed" in [f["rule"] for f in alone[1]["issues"]]
    jobs = [FileJob(path, path.name) for path in made]
    [outcome] = pool.map(checked_and_unpacked, [jobs[:2]], ref=ref, catalogue=ship(cat))
    assert outcome.result == (alone[:2], False)
    [outcome] = pool.map(checked_and_unpacked, [jobs], ref=ref, catalogue=ship(cat))
    assert outcome.result == (alone, True)
