"""Intake preflight on hostile and odd files: the shared corpus and files built here."""

import zipfile
from pathlib import Path

import pytest

from schemas.rules import RULES
from tests.builders import LEVEL_KPI, PROJECT, make_return, set_cell
from toolkit.read.preflight import IntakeRejected, Limits, preflight
from toolkit.validate.run import validate_file

from tests.corpus import CORPUS, needs_corpus

#: corpus file -> the rule that must refuse it (others must end as a named rejection, never a crash)
EXPECTED = {
    "apache-poi__poc-xmlbomb.xlsx": "intake.hostile-xml",
    "apache-poi__poc-xmlbomb-empty.xlsx": "intake.hostile-xml",
    "apache-poi__poc-shared-strings.xlsx": "intake.hostile-xml",  # one 1 MB shared string in 12,000 cells
    "apache-poi__protected_passtika.xlsx": "intake.encrypted",
    "calamine__pass_protected.xlsx": "intake.encrypted",
    "calamine__date.xls": "intake.legacy-xls",
    "calamine__OOM_alloc3.xls": "intake.legacy-xls",
    "calamine__too_small.xls": "intake.not-a-workbook",
    "python-calamine__empty_file.xlsx": "intake.not-a-workbook",
    "apache-poi__duplicate-filename.xlsx": "intake.corrupt-zip",
    "apache-poi__duplicate-filename-case-insensitive.xlsx": "intake.corrupt-zip",
    "apache-poi__clusterfuzz-testcase-minimized-POIXSSFFuzzer-5937385319563264.xlsx": "intake.corrupt-zip",
    "apache-poi__clusterfuzz-testcase-minimized-XLSX2CSVFuzzer-5636439151607808.xlsx": "intake.corrupt-zip",
    "calamine__issue_174.xlsx": "intake.range-too-large",
}


def _corpus_files():
    return sorted(p.name for p in CORPUS.glob("*.xls*")) if CORPUS.is_dir() else []


@needs_corpus
@pytest.mark.parametrize("name", _corpus_files())
def test_every_corpus_file_ends_in_a_named_rejection(name, ref):
    report = validate_file(CORPUS / name, ref).report
    assert not report.accepted  # none of them is a return of ours
    assert report.findings and all(f.rule in RULES for f in report.findings)
    if name in EXPECTED:
        assert [f.rule for f in report.findings] == [EXPECTED[name]]


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_zip_bomb(tmp_path):
    bomb = _zip(tmp_path / "bomb.xlsx", {"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (40 << 20)})
    with pytest.raises(IntakeRejected) as info:
        preflight(bomb)
    assert info.value.code == "intake.zip-bomb"


def test_cell_beyond_the_range_limit(tmp_path):
    sheet = b'<worksheet><sheetData><row r="1"><c r="A1"/></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'
    far = _zip(tmp_path / "far.xlsx", {"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": sheet})
    with pytest.raises(IntakeRejected) as info:
        preflight(far)
    assert info.value.code == "intake.range-too-large" and "XFD1048576" in info.value.message_en


def test_html_named_xlsx_and_size_limit(tmp_path, ref):
    page = tmp_path / "page.xlsx"
    page.write_text("<!DOCTYPE html><html><body><table></table></body></html>")
    assert [f.rule for f in validate_file(page, ref).report.findings] == ["intake.not-a-workbook"]
    with pytest.raises(IntakeRejected) as info:
        preflight(make_return(tmp_path), Limits(max_file_bytes=1000))
    assert info.value.code == "intake.too-large"


def test_a_real_return_passes_preflight(tmp_path):
    preflight(make_return(tmp_path))


#: odd but legitimate corpus files: read (and then found not to be our template), never refused at intake
READABLE = ["calamine__strict_iso_paths.xlsx", "calamine__issue_530.xlsx", "calamine__minimal_package.xlsx",
            "calamine__date_1904.xlsx", "calamine__date_iso.xlsx", "calamine__empty_sheet.xlsx", "calamine__errors.xlsx",
            "calamine__empty_shared_string_value.xlsx", "calamine__encoded_entities.xlsx", "calamine__has_x000D_.xlsx",
            "calamine__inlineStr_cdata.xlsx", "calamine__whitespace_trim.xlsx", "calamine__merged_range.xlsx",
            "calamine__nonstandard-xml-ns-prefix.xlsx", "calamine__issue_261.xlsx", "calamine__vba.xlsm",
            "frictionless-py__merged-cells.xlsx", "frictionless-py__multiline-headers.xlsx",
            "apache-poi__sheetProtection_allLocked.xlsx", "apache-poi__MalformedSSTCount.xlsx"]


@needs_corpus
@pytest.mark.parametrize("name", READABLE)
def test_odd_but_legitimate_files_are_read(name, ref):
    rules = {f.rule for f in validate_file(CORPUS / name, ref).report.findings}
    assert "sheet.missing" in rules and not any(r.startswith("intake.") or r == "file.unreadable" for r in rules)


@needs_corpus
def test_strict_backslash_and_minimal_packages_give_their_rows():
    from toolkit.read.workbook import open_workbook

    rows = {name: sum(1 for r in next(iter(open_workbook(CORPUS / name).sheets.values())).rows if any(v is not None for v in r))
            for name in ("calamine__strict_iso_paths.xlsx", "calamine__issue_530.xlsx", "calamine__minimal_package.xlsx")}
    assert rows["calamine__strict_iso_paths.xlsx"] == 76 and rows["calamine__issue_530.xlsx"] == 5
    assert rows["calamine__minimal_package.xlsx"] >= 190


@needs_corpus
def test_scan_facts_of_corpus_files():
    errors = preflight(CORPUS / "calamine__errors.xlsx").sheets[0]
    assert errors.n_error_cells == 7 and {t for _, _, t in errors.error_cells} >= {"#DIV/0!", "#REF!", "#N/A"}
    assert errors.cells == 7
    assert preflight(CORPUS / "calamine__date_1904.xlsx").date_1904
    minimal = preflight(CORPUS / "calamine__minimal_package.xlsx")  # sheet at the package root, found by its relationship
    assert minimal.sheets[0].name == "Sheet1" and minimal.sheets[0].cells > 190


def test_error_cells_in_data_cells_are_named(tmp_path, ref):
    def edit(book, cells):  # openpyxl writes these as error cells (t="e"), as Excel saves a failed formula
        set_cell(book, cells, ("progress", f"{PROJECT}#3", "narrative"), "#N/A")
        set_cell(book, cells, ("progress", f"{PROJECT}#4", "progress_pct"), "#DIV/0!")
    path = make_return(tmp_path, edit=edit)
    report = validate_file(path, ref).report
    by_rule = {(f.rule, f.column): f for f in report.findings}
    text = by_rule[("intake.error-cells", "narrative")]  # a text column would have taken "#N/A" as text
    assert text.value == "#N/A" and "#N/A" in text.message_th and "#N/A" in text.message_en
    assert by_rule[("value.unreadable", "progress_pct")].value == "#DIV/0!"  # a number column refuses it itself
    assert len(report.findings) == 2 and not report.accepted


def test_formula_without_cached_value_in_a_data_cell_is_named(tmp_path, ref):
    def edit(book, cells):
        set_cell(book, cells, ("kpis", LEVEL_KPI, "achieved"), "=1+1")  # openpyxl saves formulas without results
    report = validate_file(make_return(tmp_path, edit=edit), ref).report
    hits = [f for f in report.findings if f.rule == "intake.uncalculated-formulas"]
    assert [(f.sheet, f.column) for f in hits] == [("ตัวชี้วัด (KPIs)", "achieved")] and not report.accepted


def test_helper_formulas_outside_data_columns_are_not_findings(tmp_path, ref):
    path = make_return(tmp_path)  # filled by openpyxl: the template's helper formulas lose their results
    assert sum(s.n_uncalculated for s in preflight(path).sheets) > 0
    assert validate_file(path, ref).report.findings == []


def test_percent_formatted_cell_read_as_percent(tmp_path, ref):
    from toolkit.read.workbook import open_workbook, open_workbook_openpyxl

    def edit(book, cells):
        sheet, address = cells[("progress", f"{PROJECT}#2", "progress_pct")]
        book[sheet][address].value = 0.2
        book[sheet][address].number_format = "0%"
    path = make_return(tmp_path, edit=edit)
    fast, reference = open_workbook(path), open_workbook_openpyxl(path)
    assert {n: s.percent_cells for n, s in fast.sheets.items()} == {n: s.percent_cells for n, s in reference.sheets.items()}
    assert any(s.percent_cells for s in fast.sheets.values())
    assert validate_file(path, ref).report.findings == []  # 20 %, as typed


def test_calamine_reader_agrees_with_openpyxl_on_a_return(tmp_path):
    from toolkit.read.workbook import open_workbook, open_workbook_openpyxl

    path = make_return(tmp_path, text_dates=True)
    fast, reference = open_workbook(path), open_workbook_openpyxl(path)
    assert list(fast.sheets) == list(reference.sheets)
    for name, sheet in fast.sheets.items():
        other = reference.sheets[name]
        assert sheet.state == other.state
        width = max(len(r) for r in other.rows)
        for r in range(1, len(other.rows) + 1):
            assert [sheet.value(r, c) for c in range(1, width + 1)] == [other.value(r, c) for c in range(1, width + 1)]


def test_every_intake_rule_is_exercised():
    exercised = set(EXPECTED.values()) | {"intake.zip-bomb", "intake.too-large", "intake.not-a-workbook"}
    exercised |= {"intake.error-cells", "intake.uncalculated-formulas"}  # above
    exercised |= {"intake.parser-crashed", "intake.timeout", "intake.memory"}  # tests/read/test_isolate.py
    assert exercised == {r for r in RULES if r.startswith("intake.")}


@needs_corpus
@pytest.mark.parametrize("name", ["calamine__merged_range.xlsx", "frictionless-py__merged-cells.xlsx",
                                  "calamine__date_1904.xlsx", "frictionless-py__multiline-headers.xlsx",
                                  "calamine__nonstandard-xml-ns-prefix.xlsx", "apache-poi__MalformedSSTCount.xlsx",
                                  "calamine__issue_261.xlsx", "calamine__empty_shared_string_value.xlsx"])
def test_calamine_reader_agrees_with_openpyxl_on_corpus_files(name):
    """Merged areas filled, the 1904 flag, odd namespaces: the fast reader gives what openpyxl gives."""
    from toolkit.read.workbook import open_workbook, open_workbook_openpyxl

    fast, reference = open_workbook(CORPUS / name), open_workbook_openpyxl(CORPUS / name)
    assert list(fast.sheets) == list(reference.sheets) and fast.date_1904 == reference.date_1904
    for sheet_name, other in reference.sheets.items():
        sheet = fast.sheets[sheet_name]
        width = max((len(r) for r in other.rows), default=0)
        for r in range(1, max(len(other.rows), len(sheet.rows)) + 1):
            assert [sheet.value(r, c) for c in range(1, width + 2)] == [other.value(r, c) for c in range(1, width + 2)]


def test_column_letters_are_openpyxls():
    from openpyxl.utils import get_column_letter

    from toolkit.read.preflight import column_letters

    assert [column_letters(n) for n in (1, 26, 27, 52, 702, 703, 16384)] == \
        [get_column_letter(n) for n in (1, 26, 27, 52, 702, 703, 16384)] == ["A", "Z", "AA", "AZ", "ZZ", "AAA", "XFD"]


def test_parsing_workers_start_without_openpyxl():
    import subprocess
    import sys

    code = "import sys, toolkit.read.stage, toolkit.validate.run; print('openpyxl' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def _with_part(path: Path, out: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, data if info.filename == name else src.read(info))
    return out


def test_returns_of_one_template_share_their_parsed_structure(tmp_path, monkeypatch):
    import toolkit.read.preflight as pf

    first, second = make_return(tmp_path, "first.xlsx"), make_return(tmp_path, "second.xlsx")
    expected = preflight(second)
    parsed = []
    monkeypatch.setattr(pf.SafeET, "fromstring", lambda data, *a, **k: parsed.append(data) or pytest.fail("parsed"))
    preflight(first)
    scan = preflight(second)
    assert parsed == []
    assert [(s.name, s.state, s.part) for s in scan.sheets] == [(s.name, s.state, s.part) for s in expected.sheets]
    assert scan.date_1904 == expected.date_1904


def test_a_remembered_structure_still_refuses_a_dtd_and_reads_a_1904_workbook(tmp_path):
    path = make_return(tmp_path)
    preflight(path)
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml")
    hostile = _with_part(path, tmp_path / "dtd.xlsx", "xl/workbook.xml",
                         b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + workbook.split(b"?>", 1)[-1])
    for _ in range(2):
        with pytest.raises(IntakeRejected) as exc:
            preflight(hostile)
        assert exc.value.code == "intake.hostile-xml"
    dated = workbook.replace(b"<workbookPr", b'<workbookPr date1904="1"', 1) if b"<workbookPr" in workbook \
        else workbook.replace(b"<sheets>", b'<workbookPr date1904="1"/><sheets>', 1)
    old_dates = _with_part(path, tmp_path / "1904.xlsx", "xl/workbook.xml", dated)
    assert preflight(old_dates).date_1904 and not preflight(path).date_1904
