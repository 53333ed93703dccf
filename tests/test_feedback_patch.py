"""The patched feedback workbook: same marks as openpyxl's path, everything else of the agency's file kept."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from defusedxml import ElementTree
from openpyxl.utils import coordinate_to_tuple

from tests.builders import PROJECT, make_return, set_cell, small_catalogue
from tests.corpus import CORPUS, needs_corpus
from tests.office import convert, needs_office
from toolkit.diff import CellChange, FlagChange, ReturnDiff
from toolkit.feedback import CHANGES_SHEET, ISSUES_SHEET, write_feedback, write_feedback_openpyxl
from toolkit.feedback_patch import MAIN_NS, CannotPatch, patch_feedback
from toolkit.findings import FileReport, make_finding
from toolkit.ledger.store import Submission
from toolkit.validate.run import validate_file

PROGRESS, PROJECTS = "ความก้าวหน้า (Progress)", "โครงการ (Projects)"
KPIS = "ตัวชี้วัด (KPIs)"


def _broken(book, cells):
    set_cell(book, cells, ("progress", f"{PROJECT}#3", "progress_pct"), 150)
    set_cell(book, cells, ("projects", PROJECT, "budget_used"), 0)
    book[PROJECTS]["AB4"] = "หมายเหตุ / note"  # notes typed beside and far below the table
    book[PROJECTS]["A600"] = "ตรวจแล้ว"


def _load(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def case(tmp_path_factory, ref) -> tuple[Path, FileReport]:
    """A return with real findings plus warnings and errors on three sheets, on a cell already flagged,
    on absent cells before and after existing ones, on absent rows between and after existing ones; one
    value is formula-like."""
    tmp = tmp_path_factory.mktemp("fb")
    source = make_return(tmp, "broken.xlsx", edit=_broken)
    report = validate_file(source, ref, catalogue=small_catalogue()).report
    assert any(f.severity == "error" and f.sheet == PROGRESS for f in report.findings)
    extra = [make_finding("sheet.renamed", sheet=PROGRESS, cell="E6", value="150"),  # warning on an error cell
             make_finding("sheet.renamed", sheet=KPIS, cell="B4", value="=HYPERLINK(\"http://x\")"),
             make_finding("value.percent-range", sheet=PROJECTS, cell="Z4", value="absent cell"),
             make_finding("sheet.renamed", sheet=PROJECTS, cell="C400", value="absent row"),
             make_finding("sheet.renamed", sheet=PROJECTS, cell="D700", value="absent row at the end"),
             make_finding("sheet.renamed", sheet=PROJECTS, cell="A600", value="note"),
             make_finding("sheet.renamed", sheet=PROJECTS, cell="A1", value="title")]
    report.findings.extend(extra)
    return source, report


def _diff(report: FileReport) -> ReturnDiff:
    sub = Submission(1, "ab" * 32, "first.xlsx", "x", "2026-01-02T03:04:05", "2100", "2564-Q2", "t", 2,
                     "accepted", 0, 0, None)
    f = report.findings[0]
    flag = FlagChange("id", f.rule, f.severity, f.sheet, f.cell, f.value, f.message_th, f.message_en)
    return ReturnDiff("2100", "2564-Q2", sub, sub,
                      changes=[CellChange(PROGRESS, "E6", f"{PROJECT}#3", "progress_pct", "ร้อยละ", "Percent", "30", "150",
                                          "changed"),
                               CellChange(PROJECTS, "", PROJECT, "", "แถว", "Row", "x", "", "removed")],
                      resolved=[flag], raised=[flag])


@pytest.fixture(scope="module")
def both(case, tmp_path_factory) -> tuple[Path, Path, Path, FileReport]:
    source, report = case
    out = tmp_path_factory.mktemp("out")
    patched = patch_feedback(source, report, out / "patched.xlsx", _diff(report))
    plain = write_feedback_openpyxl(source, report, out / "openpyxl.xlsx", _diff(report))
    return source, patched, plain, report


def _mark(cell) -> tuple:
    c = cell.comment
    return (cell.fill.fill_type, cell.fill.fgColor.rgb, c.text if c else None, c.author if c else None)


def _value(v):
    return None if v == "" else v


def test_marks_links_and_sheets_match_openpyxls_path(both):
    source, patched, plain, report = both
    _same_as_openpyxls(patched, plain, report)


def _same_as_openpyxls(patched: Path, plain: Path, report: FileReport, earlier: FileReport | None = None) -> None:
    """Both paths' workbooks agree cell by cell; comments sit on exactly the flagged cells (this round's,
    and ``earlier``'s ones kept from a feedback workbook sent back)."""
    p, o = _load(patched), _load(plain)
    issues_title, changes_title = p.sheetnames[:2]
    assert p.sheetnames == o.sheetnames and issues_title.startswith(ISSUES_SHEET)
    assert p.active.title == issues_title
    assert [ws.title for ws in p.worksheets if ws.sheet_view.tabSelected] == [issues_title]
    marked = set()
    for ws in p.worksheets[2:]:
        wo = o[ws.title]
        coords = {c.coordinate for r in ws.iter_rows() for c in r} | {c.coordinate for r in wo.iter_rows() for c in r}
        for ref in coords:
            assert _mark(ws[ref]) == _mark(wo[ref]), (ws.title, ref)
            if ws[ref].comment:
                marked.add((ws.title, ref))
    assert marked == {(f.sheet, f.cell) for f in report.findings + (earlier.findings if earlier else [])
                      if f.cell and f.sheet in p.sheetnames}
    assert _mark(p[PROGRESS]["E6"])[1] == "00FFC7CE"  # the error's fill wins over the warning's
    assert _mark(p[PROJECTS]["C400"])[:2] == ("solid", "00FFEB9C")
    assert "[value.percent-range]" in p[PROJECTS]["Z4"].comment.text
    for title in (issues_title, changes_title):
        rows_p = [[(_value(c.value), c.hyperlink.location if c.hyperlink else None, c.font.b, c.fill.fgColor.rgb)
                   for c in r] for r in p[title].iter_rows()]
        rows_o = [[(_value(c.value), c.hyperlink.location if c.hyperlink else None, c.font.b, c.fill.fgColor.rgb)
                   for c in r] for r in o[title].iter_rows()]
        assert rows_p == rows_o, title
        assert [p[title].column_dimensions[k].width for k in "ABCDEFG"] == \
               [o[title].column_dimensions[k].width for k in "ABCDEFG"]
    issues = p[issues_title]
    links = [issues.cell(r, 4).hyperlink.location for r in range(3, 3 + len(report.findings))]
    assert links == [f"'{f.sheet}'!{f.cell}" for f in report.findings]
    formula = next(r for r in issues.iter_rows(min_row=3) if r[2].value == KPIS)[4]
    assert formula.data_type == "s" and formula.value == '=HYPERLINK("http://x")'


def test_everything_else_of_the_agency_file_is_unchanged(both):
    source, patched, _, report = both
    a, p = _load(source), _load(patched)
    flagged = {(f.sheet, f.cell) for f in report.findings}
    assert p.sheetnames[2:] == a.sheetnames
    for wa in a.worksheets:
        wp = p[wa.title]
        assert wp.sheet_state == wa.sheet_state and wp.protection.sheet == wa.protection.sheet
        assert wp.print_title_rows == wa.print_title_rows and wp.auto_filter.ref == wa.auto_filter.ref
        assert sorted(wp.defined_names) == sorted(wa.defined_names)
        assert wp.freeze_panes == wa.freeze_panes and wp.merged_cells.ranges == wa.merged_cells.ranges
        assert [(str(v.sqref), v.type, v.formula1) for v in wp.data_validations.dataValidation] == \
               [(str(v.sqref), v.type, v.formula1) for v in wa.data_validations.dataValidation]
        for row in wa.iter_rows():
            for c in row:
                q = wp[c.coordinate]
                assert (q.value, q.number_format, *map(repr, (q.font, q.border, q.alignment, q.protection))) == \
                       (c.value, c.number_format, *map(repr, (c.font, c.border, c.alignment, c.protection))), \
                       (wa.title, c.coordinate)
                if (wa.title, c.coordinate) not in flagged:
                    assert repr(q.fill) == repr(c.fill) and q.comment is None
    assert sorted(p.defined_names) == sorted(a.defined_names)


def test_untouched_members_are_copied_byte_for_byte(both):
    source, patched, _, report = both
    with zipfile.ZipFile(source) as za, zipfile.ZipFile(patched) as zp:
        before = {i.filename: i for i in za.infolist()}
        after = {i.filename: i for i in zp.infolist()}
        assert set(before) <= set(after)
        changed = {n for n in before if za.read(n) != zp.read(n)}
        for name in set(before) - changed:
            assert (after[name].compress_type, after[name].compress_size, after[name].CRC) == \
                   (before[name].compress_type, before[name].compress_size, before[name].CRC)
            assert _raw(za, before[name]) == _raw(zp, after[name])
        for name in changed:  # every rewritten part is well-formed; rows and cells stay in order
            root = ElementTree.fromstring(zp.read(name))
            for data in root.iter(f"{{{MAIN_NS}}}sheetData"):
                rows = [int(r.get("r")) for r in data]
                assert rows == sorted(set(rows)), name
                for r in data:
                    cols = [coordinate_to_tuple(c.get("r"))[1] for c in r]
                    assert cols == sorted(set(cols)), (name, r.get("r"))
    flagged_sheets = {f.sheet for f in report.findings}
    assert len([n for n in changed if n.startswith("xl/worksheets/sheet")]) <= len(flagged_sheets) + 1  # + tabSelected
    assert {"xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"} <= changed
    assert not any(n.startswith(("docProps/", "xl/theme/")) for n in changed)


def _raw(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    z.fp.seek(info.header_offset + 26)
    n, m = int.from_bytes(z.fp.read(2), "little"), int.from_bytes(z.fp.read(2), "little")
    z.fp.seek(info.header_offset + 30 + n + m)
    return z.fp.read(info.compress_size)


def test_last_rounds_feedback_workbook_sent_back_is_patched_like_openpyxl_would(case, tmp_path):
    """The agency fixes the feedback workbook in place and sends it back: its comments (one of them on a cell
    flagged again, one on a cell no longer flagged) and its Issues and Changes sheets are already there."""
    source, report = case
    first = write_feedback(source, report, tmp_path / "first.xlsx", _diff(report))
    with zipfile.ZipFile(source) as za, zipfile.ZipFile(first) as zp:
        assert za.read("xl/theme/theme1.xml") == zp.read("xl/theme/theme1.xml")  # written by the patcher
        assert any(n.endswith(".vml") for n in zp.namelist())
    again = FileReport(report.file, findings=[f for f in report.findings if (f.sheet, f.cell) != (PROJECTS, "A600")])
    patched = patch_feedback(first, again, tmp_path / "patched.xlsx", _diff(again))
    plain = write_feedback_openpyxl(first, again, tmp_path / "plain.xlsx", _diff(again))
    assert _load(patched).sheetnames[:2] == [ISSUES_SHEET + "1", CHANGES_SHEET + "1"]  # as openpyxl names them
    _same_as_openpyxls(patched, plain, again, report)  # A600 keeps last round's comment, as on openpyxl's path
    assert convert_if_office(patched, tmp_path)


def convert_if_office(path: Path, tmp_path: Path) -> bool:
    return needs_office.args[0] or convert(path, "pdf", tmp_path / "pdf").stat().st_size > 1000


def test_unreadable_source_gives_no_feedback(case, tmp_path):
    _, report = case
    assert write_feedback(tmp_path / "missing.xlsx", report, tmp_path / "none.xlsx") is None
    assert not list(tmp_path.iterdir())


def test_control_characters_are_dropped_and_text_stays_text(case, tmp_path):
    """Both paths drop the control characters (openpyxl would raise IllegalCharacterError on them), in
    the Issues sheet, the comments and the Changes sheet."""
    source, report = case
    odd = FileReport(report.file + "\x02", findings=[make_finding("sheet.renamed", sheet=KPIS, cell="B4",
                                                                  value="=1+1\x07 <b>\ufffe&amp;</b>\x1f")])
    previous = Submission(1, "ab" * 32, "first\x01.xlsx", "x", "2026-01-02T03:04:05", "2100", "2564-Q2", "t", 2,
                          "accepted", 0, 0, None)
    changes = ReturnDiff("2100", "2564-Q2", previous, previous, changes=[CellChange(
        KPIS, "B4", "k\x03", "target", "เป้า\x04", "Target", "1\x05", "=2\x06", "changed")])
    for path in (patch_feedback(source, odd, tmp_path / "odd.xlsx", changes),
                 write_feedback_openpyxl(source, odd, tmp_path / "odd_openpyxl.xlsx", changes)):
        book = _load(path)
        cell = book[ISSUES_SHEET]["E3"]
        assert (cell.value, cell.data_type) == ("=1+1 <b>&amp;</b>", "s"), path
        assert "\x02" not in book[ISSUES_SHEET]["A1"].value and report.file in book[ISSUES_SHEET]["A1"].value
        assert book[KPIS]["B4"].comment.author == "สยป. ตรวจสอบ"
        assert "\x07" not in book[KPIS]["B4"].comment.text
        assert "first.xlsx" in book[CHANGES_SHEET]["A1"].value
        row = [c.value for c in book[CHANGES_SHEET][4]]
        assert row[:7] == [KPIS, "B4", "k", "เป้า / Target", "1", "=2", row[6]] and book[CHANGES_SHEET]["F4"].data_type == "s"


@needs_office
def test_libreoffice_opens_the_patched_workbook(both, tmp_path):
    _, patched, _, _ = both
    converted = _load(convert(patched, "xlsx", tmp_path / "x"))
    assert converted.sheetnames[0] == ISSUES_SHEET
    cell = converted[PROGRESS]["E6"]
    assert cell.value == 150 and "value.percent-range" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FFC7CE") and converted[KPIS]["B4"].fill.fgColor.rgb.endswith("FFEB9C")
    assert convert(patched, "pdf", tmp_path / "p").stat().st_size > 1000


@needs_office
def test_a_return_saved_by_libreoffice_is_patched_like_openpyxl_would(case, tmp_path):
    """Another writer's package (shared strings, drawings on every sheet, relative targets, tabSelected="true")."""
    source, report = case
    saved = convert(source, "xlsx", tmp_path / "lo")
    patched = patch_feedback(saved, report, tmp_path / "patched.xlsx", _diff(report))
    plain = write_feedback_openpyxl(saved, report, tmp_path / "plain.xlsx", _diff(report))
    _same_as_openpyxls(patched, plain, report)
    assert convert(patched, "pdf", tmp_path / "p").stat().st_size > 1000


def test_a_package_without_styles_goes_through_openpyxl(case, tmp_path):
    source, report = case
    bare = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(source) as za, zipfile.ZipFile(bare, "w", zipfile.ZIP_DEFLATED) as zb:
        for info in za.infolist():
            data = za.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                root = ElementTree.fromstring(data)
                data = data.replace(next(r for r in root if r.get("Type").endswith("/styles")).get("Id").encode(),
                                    b"gone").replace(b"/styles", b"/unknown")
            zb.writestr(info, data)
    with pytest.raises(CannotPatch):
        patch_feedback(bare, report, tmp_path / "patched.xlsx")
    book = _load(write_feedback(bare, report, tmp_path / "feedback.xlsx"))
    assert book.sheetnames[0] == ISSUES_SHEET and book[PROGRESS]["E6"].comment is not None




@needs_corpus
def test_a_macro_workbook_goes_through_openpyxl_which_drops_the_macros(tmp_path):
    source = CORPUS / "calamine__vba.xlsm"
    report = FileReport(source.name, findings=[make_finding("sheet.renamed", sheet=_load(source).sheetnames[0],
                                                            cell="B2", value="x")])
    with pytest.raises(CannotPatch):
        patch_feedback(source, report, tmp_path / "patched.xlsx")
    written = write_feedback(source, report, tmp_path / "feedback.xlsx")
    with zipfile.ZipFile(written) as z:
        assert not any("vba" in n.lower() for n in z.namelist())
        assert b"macroEnabled" not in z.read("[Content_Types].xml")
