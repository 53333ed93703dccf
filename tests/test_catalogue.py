"""The catalogue round-trips through catalogue.xlsx and is checked against the reference data."""

from dataclasses import replace

import pytest

from tests.builders import LEVEL_KPI, small_catalogue
from toolkit.catalogue import Catalogue, check_catalogue, read_catalogue
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
