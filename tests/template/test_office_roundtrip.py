"""A real office suite opens the templates, and a copy it re-saves validates like the original."""

import shutil
import subprocess

import openpyxl
import pytest

from tests.builders import PROJECT, make_return, make_template, set_cell
from tests.office import convert, needs_office
from toolkit.validate.run import validate_file

pytestmark = needs_office
XLSX = 'xlsx:Calc MS Excel 2007 XML'


def _issues(report):
    return sorted((f.rule, f.sheet, f.cell, f.value) for f in report.findings)


@pytest.mark.parametrize("broken", [False, True], ids=["clean", "broken"])
def test_libreoffice_resave_validates_the_same(tmp_path, ref, broken):
    edit = (lambda b, c: (set_cell(b, c, ("progress", f"{PROJECT}#3", "progress_pct"), 150),
                          set_cell(b, c, ("projects", PROJECT, "budget_used"), 0))) if broken else None
    original = make_return(tmp_path, "filled.xlsx", edit=edit, text_dates=True)
    resaved = convert(original, XLSX, tmp_path / "lo")
    before = validate_file(original, ref).report
    after = validate_file(resaved, ref).report
    assert _issues(after) == _issues(before)
    assert after.accepted == (not broken) and (after.agency, after.round) == ("2100", "2564-Q2")


def test_libreoffice_keeps_metadata_protection_and_computes_formulas(tmp_path):
    resaved = convert(make_return(tmp_path, "filled.xlsx"), XLSX, tmp_path / "lo")
    book = openpyxl.load_workbook(resaved, data_only=True)
    assert book["_meta"].sheet_state in ("hidden", "veryHidden")  # LibreOffice has no "very hidden"
    progress = book["ความก้าวหน้า (Progress)"]
    assert progress.protection.sheet
    header = [c.value for c in progress[3]]
    to_date = header.index("Disbursed to date (baht) [computed]") + 1
    remaining = header.index("Budget remaining (baht) [computed]") + 1
    assert [progress.cell(r, to_date).value for r in range(4, 10)] == [5000, 10000, 15000, 20000, 25000, 30000]
    assert progress.cell(9, remaining).value == 70000
    steps = book["ขั้นตอน (PlanSteps)"]
    assert steps.cell(4, [c.value for c in steps[3]].index("Project weight total [computed]") + 1).value == 100


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed (.ci/run installs it)")
def test_template_renders_with_thai_text_and_repeated_headers(tmp_path):
    pdf = convert(make_template(tmp_path).path, "pdf", tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # labels without stacked marks: pdftotext reorders Thai tone marks, the rendering itself is fine
    for label in ("แบบรายงานผลการดำเนินงานโครงการและ", "Project and KPI progress return", "รหัสโครงการ",
                  "Report date", "Weight (%)", "100,000"):
        assert label in text, label
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 6  # instructions + five data sheets
    assert all("2564-Q2" in p and f"/ {len(pages)}" in p for p in pages)  # footer: round and page n / N
