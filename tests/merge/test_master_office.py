"""LibreOffice (headless) opens the master and prints every sheet, charts included: no repair, no loss."""

import shutil
import subprocess

import openpyxl

from tests.builders import PROJECT, make_return, set_cell, small_catalogue
from tests.office import convert, needs_office
from toolkit.collect import collect
from toolkit.merge.run import merge_workspace
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.workspace import Workspace

pytestmark = needs_office


def test_master_converts_to_pdf_and_back_to_xlsx(tmp_path, ref):
    ws = Workspace.create(tmp_path / "ws")
    write_catalogue(small_catalogue(), ws.catalogue_path)
    make_return(ws.inbox, "a.xlsx", edit=lambda b, c: set_cell(b, c, ("projects", PROJECT, "budget_used"), 0))
    collect(ws, None, ref, ws.catalogue())
    merge_workspace(ws, ref)
    pdf = convert(ws.master_path, "pdf", tmp_path / "pdf")
    assert pdf.stat().st_size > 10_000
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        for words in ("Reporting summary", "Returns by state", "KPI status", "Budget received and disbursed",
                      "Flag id", "project.budget-used-mismatch", "Archived file"):
            assert words in text, words
        footers = {line.split()[0] for line in text.splitlines() if "หน้า" in line and line.split()}
        assert footers >= {"Summary", "Submissions", "Projects", "Progress", "PlanSteps", "KPIs", "KPIResults", "Flags"}
    resaved = convert(ws.master_path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "xlsx")
    original = openpyxl.load_workbook(ws.master_path, read_only=True)
    again = openpyxl.load_workbook(resaved, read_only=True)
    try:
        assert again.sheetnames == original.sheetnames
        for name in original.sheetnames:  # every value survives LibreOffice reading the file
            want = [[v for v in r if v not in (None, "")] for r in original[name].iter_rows(values_only=True)]
            got = [[v for v in r if v not in (None, "")] for r in again[name].iter_rows(values_only=True)]
            assert [r for r in got if r] == [r for r in want if r], name
    finally:
        original.close()
        again.close()
