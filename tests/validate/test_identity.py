"""The metadata's checksum: checked on the recorded JSON text when it is as the generator wrote it,
and on the parsed values otherwise, with the same verdict either way."""

import json

import pytest

from tests.builders import LEVEL_KPI, make_return, set_cell
from toolkit.layout import META_SHEET, template_checksum, template_checksum_of_text
from toolkit.read.returned import read_return
from toolkit.validate.run import validate_file


def _rewrite_prefill(book, text: str) -> None:
    """The prefill chunks of ``book``'s metadata replaced by ``text`` (in one chunk)."""
    ws = book[META_SHEET]
    first = True
    for row in ws.iter_rows():
        key = str(row[0].value or "")
        if key.startswith("prefill_") and key != "prefill_checksum":
            row[1].value = text if first else ""
            first = False


def test_the_text_checksum_is_the_checksum_of_the_values(tmp_path):
    book = read_return(make_return(tmp_path))
    meta = book.meta
    assert book.prefill_text and book.prefill
    by_values = template_checksum(meta["agency_code"], meta["round"], book.prefill)
    assert by_values == meta["prefill_checksum"]
    assert template_checksum_of_text(meta["agency_code"], meta["round"], book.prefill_text) == by_values
    # texts needing JSON escapes in the agency or round
    for agency, rnd in (('10"01', "2564-Q1"), ("๑๐๐๑", "รอบ\\1")):
        assert template_checksum_of_text(agency, rnd, book.prefill_text) == template_checksum(agency, rnd, book.prefill)


@pytest.mark.parametrize("how, tampered", [
    ("same values, written with other spacing and key order", False),
    ("a pre-filled value changed", True),
])
def test_a_rewritten_prefill_is_judged_by_its_values(tmp_path, ref, how, tampered):
    def edit(book, cells):
        ws = book[META_SHEET]
        chunks = {str(r[0].value): str(r[1].value or "") for r in ws.iter_rows() if str(r[0].value).startswith("prefill_")
                  and r[0].value != "prefill_checksum"}
        prefill = json.loads("".join(chunks[k] for k in sorted(chunks, key=lambda k: int(k.rsplit("_", 1)[1]))))
        if tampered:
            sheet = next(iter(prefill.values()))
            row = next(iter(sheet.values()))
            row[next(iter(row))] = "แก้ไขแล้ว"
        # reversed key order, and spaces json.dumps would not write: not the generator's text
        _rewrite_prefill(book, json.dumps(dict(reversed(list(prefill.items()))), ensure_ascii=True, indent=1))

    path = make_return(tmp_path, edit=edit)
    book = read_return(path)
    meta = book.meta
    assert template_checksum_of_text(meta["agency_code"], meta["round"], book.prefill_text) != meta["prefill_checksum"]
    rules = {f.rule for f in validate_file(path, ref).report.findings}
    assert ("template.metadata-tampered" in rules) is tampered


@pytest.mark.parametrize("typed, changed", [
    (lambda day: day.replace(day=day.day % 28 + 1), True),  # another day
    (lambda day: f"{day.day}/{day.month}/{day.year + 543}", False),  # the same day, typed as Buddhist-Era text
    (lambda day: None, True),  # emptied
])
def test_a_prefilled_date_is_compared_as_a_day(tmp_path, ref, typed, changed):
    """Pre-filled dates are compared by their day, however the cell holds it."""
    at = {}

    def edit(book, cells):
        key = next(k for k in cells if k[0] == "plan_steps" and k[2] == "planned_start")
        sheet, address = cells[key]
        day = book[sheet][address].value
        at["cell"] = set_cell(book, cells, key, typed(day))

    findings = validate_file(make_return(tmp_path, edit=edit), ref).report.findings
    hits = [f.cell for f in findings if f.rule == "identity.prefilled-changed"]
    assert hits == ([at["cell"]] if changed else [])


@pytest.mark.parametrize("typed, changed", [
    ("Higher is better", False),  # the same direction, in English: the vocabulary matches it
    ("  higher is better ", False),
    ("ยิ่งน้อยยิ่งดี", True),  # the other direction
    ("ทิศทางอื่น", True),  # no direction at all
    (12, True),  # a number in a text column
])
def test_a_prefilled_status_is_compared_by_its_meaning(tmp_path, ref, typed, changed):
    at = {}

    def edit(book, cells):
        sheet, address = cells[("kpis", LEVEL_KPI, "direction")]
        assert book[sheet][address].value == "ยิ่งมากยิ่งดี"  # what the template pre-fills for this KPI
        at["cell"] = set_cell(book, cells, ("kpis", LEVEL_KPI, "direction"), typed)

    findings = validate_file(make_return(tmp_path, edit=edit), ref).report.findings
    hits = [f.cell for f in findings if f.rule == "identity.prefilled-changed"]
    assert hits == ([at["cell"]] if changed else [])


def test_the_generators_text_and_any_other_are_parsed_alike(tmp_path):
    """The generator's text is parsed by orjson, any other by the standard library: the same values
    either way, and what orjson reads otherwise (integers past 64 bits) or refuses (NaN) still read."""
    path = make_return(tmp_path)
    book = read_return(path)
    assert book.prefill_as_written
    assert book.prefill == json.loads(book.prefill_text)

    def edit(book, cells):
        _rewrite_prefill(book, '{"projects": {"x": {"budget_received": 123456789012345678901234567890, "a": NaN}}}')

    other = read_return(make_return(tmp_path / "other", edit=edit))
    assert not other.prefill_as_written
    row = other.prefill["projects"]["x"]
    assert row["budget_received"] == 123456789012345678901234567890 and row["a"] != row["a"]
