"""End to end in a real browser (Debian chromium driven by Playwright), against uvicorn on 127.0.0.1:
an agency uploads a broken return, reads the Thai issues, downloads the feedback workbook, fixes the
cell it names and submits; the office sees the return on its roster and downloads the master; an
auditor records a decision that is in the master rebuilt afterwards by ``toolkit merge``."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.builders import AGENCY, PROJECT, make_return, set_cell
from tests.web.conftest import AUDITOR, OFFICE
from toolkit.feedback import ISSUES_SHEET
from toolkit.ledger import Ledger
from toolkit.merge.run import merge_workspace

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed at /usr/bin/chromium "
                                                              "(.ci/run installs it)")
BUDGET_RULE = "project.budget-used-mismatch"


def _broken(book, cells):
    set_cell(book, cells, ("progress", f"{PROJECT}#6", "progress_pct"), 150)  # an error: blocks the return
    set_cell(book, cells, ("projects", PROJECT, "budget_used"), 31000)  # a warning: goes to the auditors


def _fix_from_feedback(feedback: Path, broken: Path, fixed: Path) -> tuple[str, str]:
    """Do what the agency does: read the feedback's issue list, correct the cell of the error."""
    issues = openpyxl.load_workbook(feedback)[ISSUES_SHEET]
    header = [c.value for c in issues[2]]
    errors = [row for row in issues.iter_rows(min_row=3, values_only=True)
              if str(row[header.index("ระดับ / Severity")]).startswith("ข้อผิดพลาด")]
    assert len(errors) == 1
    sheet, cell = errors[0][header.index("แผ่นงาน / Sheet")], errors[0][header.index("ช่อง / Cell")]
    book = openpyxl.load_workbook(broken)
    book[sheet][cell].value = 60  # report 6 of the clean answers
    book.save(fixed)
    return sheet, cell


def test_agency_office_and_auditor_in_a_real_browser(ws, tokens, server, tmp_path, ref):
    from playwright.sync_api import sync_playwright

    broken = make_return(tmp_path, "2564-Q2_2100_สยป.xlsx", edit=_broken)
    token = tokens[AGENCY]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            # -- the agency ---------------------------------------------------------------------
            agency = browser.new_context(accept_downloads=True, locale="th-TH")
            page = agency.new_page()
            page.set_default_timeout(30_000)
            page.goto(f"{server.url}/a/{token}")
            assert "สำนักยุทธศาสตร์และประเมินผล" in page.inner_text("main")
            page.set_input_files("input[type=file]", str(broken))
            page.click("button:has-text('ตรวจไฟล์')")
            page.wait_for_url("**/check/*")
            summary = page.inner_text("#summary")
            assert "ยังส่งไม่ได้" in summary and "ข้อผิดพลาด 1 รายการ" in summary
            issues = page.inner_text("table.issues")
            assert "ร้อยละ" in issues and "150" in issues and "E9" in issues and "ความก้าวหน้า (Progress)" in issues
            assert page.locator("button:has-text('ส่งแบบรายงาน')").count() == 0
            with page.expect_download() as download:
                page.click("a:has-text('ดาวน์โหลดไฟล์ที่ทำเครื่องหมาย')")
            feedback = tmp_path / "feedback.xlsx"
            download.value.save_as(feedback)
            fixed = tmp_path / "fixed" / broken.name
            fixed.parent.mkdir()
            assert _fix_from_feedback(feedback, broken, fixed) == ("ความก้าวหน้า (Progress)", "E9")
            page.set_input_files("input[type=file]", str(fixed))
            page.click("button:has-text('ตรวจไฟล์')")
            # The old page ("ยังส่งไม่ได้") is still shown while the new one loads. A locator waits in
            # Playwright's own script world: a wait_for_function predicate is re-run by eval in the new
            # page, which its Content-Security-Policy (no 'unsafe-eval') refuses, so that wait was flaky.
            page.locator("#summary", has_text="ส่งได้").wait_for()
            assert "คำเตือน 1 รายการ" in page.inner_text("#summary")
            page.click("button:has-text('ส่งแบบรายงาน')")
            page.wait_for_url("**/receipt/*")
            receipt = page.inner_text("main")
            with Ledger(ws.ledger_path) as ledger:
                [submission] = ledger.submissions()
            assert submission.outcome == "accepted_with_warnings" and submission.original_name == broken.name
            assert submission.sha256 in receipt and "รับแบบรายงานแล้ว" in receipt
            agency.close()

            # -- the office ---------------------------------------------------------------------
            office = browser.new_context(accept_downloads=True)
            page = office.new_page()
            page.set_default_timeout(30_000)
            page.goto(f"{server.url}/office")
            page.fill("input[name=name]", OFFICE[0])
            page.fill("input[name=password]", OFFICE[1])
            page.click("button:has-text('เข้าสู่ระบบ')")
            page.wait_for_url("**/office")
            row = page.inner_text(f"#roster tr:has(a:text-is('{AGENCY}'))")
            assert "ผ่าน มีคำเตือน" in row and "0 / 1" in row
            assert "ทุกหน่วยงานส่งแล้ว" in page.inner_text("main")  # nobody to chase: 2100 is the round's only agency
            page.click("button:has-text('สร้างไฟล์รวมใหม่')")
            page.wait_for_url("**/office?merged=1")
            with page.expect_download() as download:
                page.click("a:has-text('ดาวน์โหลดไฟล์รวม')")
            master = tmp_path / "downloaded_master.xlsx"
            download.value.save_as(master)
            assert "Flags" in openpyxl.load_workbook(master, read_only=True).sheetnames
            office.close()

            # -- the auditor --------------------------------------------------------------------
            auditor = browser.new_context()
            page = auditor.new_page()
            page.set_default_timeout(30_000)
            page.goto(f"{server.url}/auditor")
            page.fill("input[name=name]", AUDITOR[0])
            page.fill("input[name=password]", AUDITOR[1])
            page.click("button:has-text('เข้าสู่ระบบ')")
            page.wait_for_url("**/auditor")
            page.select_option("select[name=rule]", BUDGET_RULE)
            page.click("button:has-text('กรอง')")
            page.wait_for_url(f"**rule={BUDGET_RULE}**")
            rows = page.locator("#flags tbody tr")
            assert rows.count() == 1 and "31000" in rows.first.inner_text()
            flag_id = rows.first.get_attribute("data-flag")
            rows.first.locator("a:has-text('พิจารณา')").click()
            page.wait_for_url(f"**/flag/{flag_id}**")
            assert "31000" in page.inner_text("table.context tr.hit")  # the value in its row
            page.select_option("select[name=decision]", "ชี้แจงแล้ว / explained")
            page.fill("textarea[name=note]", "หน่วยงานชี้แจงว่ามีค่าธรรมเนียมโอน 1,000 บาท")
            page.click("button:has-text('บันทึก')")
            page.wait_for_url("**saved=1**")
            assert "บันทึกผลการพิจารณาแล้ว" in page.inner_text("main")
            auditor.close()
        finally:
            browser.close()
    merge_workspace(ws, ref)
    flags = openpyxl.load_workbook(ws.master_path, read_only=True)["Flags"]
    rows = list(flags.iter_rows(values_only=True))
    flags.parent.close()
    header = list(rows[1])
    [flag] = [r for r in rows[2:] if r[header.index("Flag id")] == flag_id]
    assert flag[header.index("Decision")] == "ชี้แจงแล้ว / explained"
    assert flag[header.index("Note")] == "หน่วยงานชี้แจงว่ามีค่าธรรมเนียมโอน 1,000 บาท"
    assert flag[header.index("Reviewer")] == AUDITOR[0]
