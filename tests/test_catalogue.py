"""The catalogue round-trips through catalogue.xlsx and is checked against the reference data."""

import pickle
from dataclasses import replace

import pytest

from tests.builders import LEVEL_KPI, small_catalogue
from toolkit.catalogue import Catalogue, check_catalogue, read_catalogue
from toolkit.digest import sha256_of
from toolkit.errors import CatalogueError
from toolkit.template.catalogue_writer import write_catalogue
from workbook_templates import SAMPLE_DIR


def test_sample_catalogue_round_trips_through_excel(tmp_path, ref):
    cat = Catalogue.from_csv_folder(SAMPLE_DIR)
    assert check_catalogue(cat, ref) == []
    back = read_catalogue(write_catalogue(cat, tmp_path / "catalogue.xlsx"))
    assert back.agencies == cat.agencies and back.kpis == cat.kpis
    assert {c: (p, p.steps) for c, p in back.projects.items()} == {c: (p, p.steps) for c, p in cat.projects.items()}


def test_sample_holds_the_seed_items_faithfully(ref):
    cat = Catalogue.from_csv_folder(SAMPLE_DIR)
    p = cat.projects["21000000-3142"]
    assert (p.fiscal_year, p.budget_received, str(p.end_date)) == (2563, 3304180, "2020-09-29")
    assert [s.weight_pct for s in cat.projects["01000000-2462"].steps] == [5, 5, 5, 5, 50, 5, 5, 10, 5, 5]
    assert (cat.kpis["2100-1037"].unit, cat.kpis["2100-1037"].target) == ("volume", 6)
    assert (cat.kpis["0100-814"].unit, cat.kpis["0100-814"].target) == ("level", 5)
    assert 10 <= len(cat.agencies) <= 14


def test_unknown_unit_is_refused_with_its_code(tmp_path, ref):
    cat = small_catalogue()
    cat.kpis[LEVEL_KPI] = replace(cat.kpis[LEVEL_KPI], unit="bananas")
    write_catalogue(cat, tmp_path / "catalogue.xlsx")
    with pytest.raises(CatalogueError) as info:
        read_catalogue(tmp_path / "catalogue.xlsx")
    assert LEVEL_KPI in info.value.message_en and "bananas" in info.value.message_en


def test_project_naming_an_unknown_agency_is_refused():
    with pytest.raises(CatalogueError):
        Catalogue.from_tables({"Agencies": [], "PlanSteps": [], "KPIs": [],
                               "Projects": [("x", {"project_code": "1", "agency_code": "9", "fiscal_year": "2564",
                                                   "name_th": "x", "start_date": "", "end_date": "",
                                                   "budget_received": ""})]})


# -- reading fast: one pass per sheet, and the parsed catalogue kept in the workspace -----------------

def _sample_catalogue_file(tmp_path):
    return write_catalogue(Catalogue.from_csv_folder(SAMPLE_DIR), tmp_path / "catalogue.xlsx")


def _same(a: Catalogue, b: Catalogue) -> bool:
    return (a == b and list(a.projects) == list(b.projects) and list(a.agencies) == list(b.agencies)
            and list(a.kpis) == list(b.kpis)
            and all(a.projects[c].steps == b.projects[c].steps for c in a.projects))


def test_the_workbook_read_equals_converting_its_rows_one_dict_at_a_time(tmp_path):
    import openpyxl

    path = _sample_catalogue_file(tmp_path)
    book = openpyxl.load_workbook(path)
    tables = {}
    for name in ("Agencies", "Projects", "PlanSteps", "KPIs"):
        rows = [list(r) for r in book[name].iter_rows(values_only=True)]
        tables[name] = [(f"{name}:{i}", dict(zip(rows[0], r))) for i, r in enumerate(rows[2:], start=3)
                        if any(v not in (None, "") for v in r)]
    assert _same(read_catalogue(path), Catalogue.from_tables(tables))


def test_the_cache_gives_the_same_catalogue_and_spares_the_workbook(tmp_path, monkeypatch):
    import toolkit.catalogue as catalogue_module

    path, cache = _sample_catalogue_file(tmp_path), tmp_path / ".catalogue-cache.json.zlib"
    plain = read_catalogue(path)
    first = read_catalogue(path, cache=cache)  # reads the workbook, keeps the result
    assert cache.exists() and _same(first, plain)

    def no_workbook(_path):
        raise AssertionError("the workbook was read although the cache holds it")

    monkeypatch.setattr(catalogue_module, "_tables_from_workbook", no_workbook)
    cached = read_catalogue(path, cache=cache)
    assert _same(cached, plain)
    # a text repeated down a column is one object, as in the catalogue read from the workbook: the
    # parsing workers get a pickle of the same size
    units = [k.unit for k in cached.kpis.values()]
    assert len(set(units)) < len(units) and len({id(u) for u in units}) == len(set(units))
    assert len(pickle.dumps(cached)) <= 1.05 * len(pickle.dumps(plain))


def test_the_collector_is_paused_while_the_catalogue_is_built(tmp_path, monkeypatch):
    """Reading the workbook and loading the cache make millions of objects for a national catalogue:
    no collection may start while they are made, and the collector is on again after."""
    import gc

    import toolkit.catalogue as catalogue_module
    from toolkit import catalogue_cache

    path, cache = _sample_catalogue_file(tmp_path), tmp_path / ".catalogue-cache.json.zlib"
    seen = []

    def watching(fn):
        def run(*args):
            starts = []

            def watch(phase, info):
                if phase == "start":
                    starts.append(info["generation"])

            gc.callbacks.append(watch)
            try:
                return fn(*args)
            finally:
                gc.callbacks.remove(watch)
                seen.append((fn.__name__, gc.isenabled(), starts))
        return run

    monkeypatch.setattr(catalogue_module, "_tables_from_workbook", watching(catalogue_module._tables_from_workbook))
    monkeypatch.setattr(catalogue_cache, "loads", watching(catalogue_cache.loads))
    assert gc.isenabled()
    first = read_catalogue(path, cache=cache)  # the workbook (no cache yet)
    again = read_catalogue(path, cache=cache)  # the cache
    assert _same(first, again)
    assert seen == [("_tables_from_workbook", False, []), ("loads", False, [])]
    assert gc.isenabled()


def test_a_changed_workbook_is_read_again(tmp_path):
    path, cache = _sample_catalogue_file(tmp_path), tmp_path / ".catalogue-cache.json.zlib"
    cat = read_catalogue(path, cache=cache)
    code = next(iter(cat.projects))
    cat.projects[code] = replace(cat.projects[code], name_th="ชื่อใหม่ของโครงการ", steps=cat.projects[code].steps)
    write_catalogue(cat, path)
    again = read_catalogue(path, cache=cache)
    assert again.projects[code].name_th == "ชื่อใหม่ของโครงการ" and _same(again, read_catalogue(path))
    assert read_catalogue(path, cache=cache).projects[code].name_th == "ชื่อใหม่ของโครงการ"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong shape", "missing table", "other layout",
                                    "directory"])
def test_a_damaged_cache_is_ignored_and_replaced(tmp_path, damage):
    import json
    import zlib

    from toolkit import catalogue_cache

    path, cache = _sample_catalogue_file(tmp_path), tmp_path / ".catalogue-cache.json.zlib"
    plain = read_catalogue(path)
    read_catalogue(path, cache=cache)
    good = cache.read_bytes()
    head, *tables = [json.loads(line) for line in zlib.decompress(good).split(b"\n")]  # JSON lines

    def write(head, tables):
        cache.write_bytes(zlib.compress(b"\n".join(json.dumps(x).encode() for x in [head, *tables])))

    if damage == "garbage":
        cache.write_bytes(b"\x00not a cache at all")
    elif damage == "truncated":
        cache.write_bytes(good[: len(good) // 2])
    elif damage == "wrong shape":
        projects = next(t for t in tables if t[0] == "Projects")
        projects[1][0] = projects[1][0][:3]
        write(head, tables)
    elif damage == "missing table":
        write(head, tables[:-1])
    elif damage == "other layout":
        head["layout"]["KPIs"] = head["layout"]["KPIs"][:-1]
        write(head, tables)
    else:  # a folder where the cache should be: neither readable nor writable
        cache.unlink()
        cache.mkdir()
    assert _same(read_catalogue(path, cache=cache), plain)
    if damage != "directory":
        assert catalogue_cache.load(cache, sha256_of(path)) is not None  # rewritten


def test_the_reference_check_runs_on_a_cached_catalogue(tmp_path):
    cat = small_catalogue()
    cat.kpis[LEVEL_KPI] = replace(cat.kpis[LEVEL_KPI], unit="bananas")
    path, cache = write_catalogue(cat, tmp_path / "catalogue.xlsx"), tmp_path / ".catalogue-cache.json.zlib"
    for _ in range(2):  # the second time from the cache
        with pytest.raises(CatalogueError) as info:
            read_catalogue(path, cache=cache)
        assert "bananas" in info.value.message_en


def test_an_unreadable_value_names_its_row_and_field(tmp_path):
    import openpyxl

    path = write_catalogue(small_catalogue(), tmp_path / "catalogue.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["Projects"]
    column = [c.value for c in sheet[1]].index("budget_received") + 1
    sheet.cell(3, column, "lots")
    book.save(path)
    with pytest.raises(CatalogueError) as info:
        read_catalogue(path, cache=tmp_path / "cache")
    assert info.value.code == "catalogue.value"
    assert "Projects row 3" in info.value.message_en and "budget_received" in info.value.message_en


def test_the_workspace_keeps_its_catalogue_cache(ws):
    assert not ws.catalogue_cache_path.exists()
    first = ws.catalogue()
    assert ws.catalogue_cache_path.exists() and _same(ws.catalogue(), first)


def test_agencies_for_a_round_are_those_with_projects_or_kpis_in_its_year():
    from toolkit.calendar import Round

    cat = Catalogue.from_csv_folder(SAMPLE_DIR)
    for year in [*cat.fiscal_years(), 2500]:
        rnd = Round.parse(f"{year}-Q2")
        expected = [a for code, a in sorted(cat.agencies.items()) if cat.projects_for(code, rnd) or cat.kpis_for(code, rnd)]
        assert cat.agencies_for(rnd) == expected
    assert cat.agencies_for(Round.parse(f"{cat.fiscal_years()[-1]}-Q2"))
