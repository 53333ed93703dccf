"""Departments, district offices and groups in the Projects responsible-unit path are matched to the
canonical lists with their abbreviations and common variants; unknown names get the closest one."""

import csv
from difflib import SequenceMatcher

import pytest
from hypothesis import given, settings, strategies as st

from tests.builders import PROJECT, make_return, small_catalogue
from toolkit.validate.org_names import _key, org_names, unknown_units
from toolkit.validate.run import validate_file
from workbook_templates import SAMPLE_DIR


@pytest.fixture(scope="module")
def names(ref):
    return org_names(ref)


@pytest.mark.parametrize("path", [
    "สำนักยุทธศาสตร์และประเมินผล / กองยุทธศาสตร์บริหารจัดการ / กลุ่มงานยุทธศาสตร์บริหารจัดการ",
    "สยป. / กยบ.", "สยป / กยบ", "สพส.",                           # abbreviations, with or without dots
    "Strategy and Evaluation Department",
    "สนง.เขตบางเขน / ฝ่ายโยธา", "เขตบางเขน / ฝ่ายโยธา",            # สนง. and เขต for สำนักงานเขต
    "สำนักงานเขต ปทุมวัน / ฝ่ายปกครอง", "สำนักงานเขตปทุมวันน์",      # stray space, a known misspelling
    "สำนักอนามัย กทม. / กองควบคุมโรคติดต่อ",                         # trailing กทม.
    "สำนักการระบายน\u0e49\u0e4d\u0e32 / กองระบบคลอง",              # SARA AM typed as two characters
    "กลุ่มเขตกรุงธนเหนือ / สำนักงานเขตตลิ่งชัน (ประธานกลุ่มเขต)",
    "สำนักงบประมาณกรุงเทพมหานคร",
])
def test_known_names_in_their_usual_spellings_pass(names, path):
    assert unknown_units(names, path) == []


@pytest.mark.parametrize("path, segment, suggestion", [
    ("สำนักยุทธศาสตร์และการประเมินผล / กองยุทธศาสตร์บริหารจัดการ", "สำนักยุทธศาสตร์และการประเมินผล",
     "สำนักยุทธศาสตร์และประเมินผล"),
    ("สำนักงานเขตปทุมธานี / ฝ่ายปกครอง", "สำนักงานเขตปทุมธานี", "สำนักงานเขตปทุมวัน"),
    ("สำนักการโยธ / กองควบคุมอาคาร", "สำนักการโยธ", "สำนักการโยธา"),
    ("กลุ่มเขตกรุงธนเหนือ / สำนักงานเขตตลิ่งชนั", "สำนักงานเขตตลิ่งชนั", "สำนักงานเขตตลิ่งชัน"),
    ("กลุ่มเขตกรุงธนเหนอ / ฝ่ายปกครอง", "กลุ่มเขตกรุงธนเหนอ", "กลุ่มเขตกรุงธนเหนือ"),
])
def test_unknown_names_get_the_closest_canonical_one(names, path, segment, suggestion):
    assert unknown_units(names, path) == [(segment, suggestion)]


def test_every_sample_project_names_a_known_unit(names):
    with (SAMPLE_DIR / "projects.csv").open(encoding="utf-8") as fh:
        paths = [r["responsible_unit"] for r in csv.DictReader(fh)]
    assert paths and [p for p in paths if unknown_units(names, p)] == []


def test_unknown_department_is_flagged_at_the_responsible_unit_cell(tmp_path, ref):
    cat = small_catalogue()
    cat.projects[PROJECT].responsible_unit = "สำนักงานเขตปทุมธานี / ฝ่ายปกครอง"
    located = {}

    def look(book, cells):
        located["at"] = cells[("projects", PROJECT, "responsible_unit")]

    report = validate_file(make_return(tmp_path, edit=look, cat=cat), ref, catalogue=cat).report
    assert [(f.rule, f.severity, f.sheet, f.cell, f.value) for f in report.findings] == \
        [("ref.unknown-department", "warning", *located["at"], "สำนักงานเขตปทุมธานี")]
    assert "สำนักงานเขตปทุมวัน" in report.findings[0].message_th
    assert "did you mean 'สำนักงานเขตปทุมวัน'" in report.findings[0].message_en


def _closest_by_definition(names, segment):
    """The suggestion as first defined: the canonical name with the highest ratio, the first of equals."""
    key = _key(segment)
    return max(names.canonical, key=lambda name: SequenceMatcher(None, key, _key(name)).ratio())


_EDITS = st.lists(st.tuples(st.sampled_from(["insert", "delete", "replace"]), st.integers(0, 60),
                            st.sampled_from(list("กขคงนมยรลวสหอะัาำิีืุูเแโไ่้๊์ . abcx"))), max_size=6)


@settings(max_examples=150, deadline=None)
@given(index=st.integers(0, 10_000), edits=_EDITS)
def test_closest_name_is_the_most_similar_canonical_name(names, index, edits):
    """Screening candidates by their characters in common never changes the suggestion."""
    text = list(names.canonical[index % len(names.canonical)])
    for op, at, ch in edits:
        at = min(at, len(text))
        if op == "insert":
            text.insert(at, ch)
        elif text:
            at = min(at, len(text) - 1)
            text[at:at + 1] = [] if op == "delete" else [ch]
    segment = "".join(text)
    assert names.closest(segment) == _closest_by_definition(names, segment)
