"""Intake preflight on hostile and odd files: the shared corpus and files built here."""

import zipfile
from pathlib import Path

import pytest

from schemas.rules import RULES
from tests.builders import make_return
from toolkit.read.preflight import IntakeRejected, Limits, preflight
from toolkit.validate.run import validate_file

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")

#: corpus file -> the rule that must refuse it (others must end as a named rejection, never a crash)
EXPECTED = {
    "apache-poi__poc-xmlbomb.xlsx": "intake.hostile-xml",
    "apache-poi__poc-xmlbomb-empty.xlsx": "intake.hostile-xml",
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


def test_every_intake_rule_is_exercised():
    exercised = set(EXPECTED.values()) | {"intake.zip-bomb", "intake.too-large", "intake.not-a-workbook"}
    assert exercised == {r for r in RULES if r.startswith("intake.")}
