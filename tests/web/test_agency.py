"""The agency's pages through the HTTP interface: check, issues, feedback, submit, receipt."""

from __future__ import annotations

import io

import openpyxl

from tests.builders import AGENCY
from tests.web.conftest import csrf_of, ledger_dump, upload
from toolkit.collect import sha256_of
from toolkit.feedback import ISSUES_SHEET
from toolkit.ledger import Ledger


def test_broken_return_shows_thai_issues_and_feedback_without_recording(ws, tokens, client, returns):
    broken = returns["broken"]
    before = ledger_dump(ws)
    page = upload(client, tokens[AGENCY], broken)
    assert page.status_code == 200
    assert "ร้อยละ" in page.text and "E9" in page.text and "150" in page.text  # the cell, its value, Thai message
    assert "value.percent-range" in page.text and "ส่งแบบรายงาน" not in page.text  # no submit button
    sha = sha256_of(broken)
    assert (ws.archive / sha[:2] / f"{sha}.xlsx").read_bytes() == broken.read_bytes()  # archived as collect would
    assert ledger_dump(ws) == before  # a check is not a submission
    feedback = client.get(f"/a/{tokens[AGENCY]}/check/{sha}/feedback.xlsx")
    assert feedback.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(feedback.content))
    assert book.sheetnames[0] == ISSUES_SHEET
    assert "value.percent-range" in book["ความก้าวหน้า (Progress)"]["E9"].comment.text


def test_clean_return_is_submitted_as_collect_records_it_and_gets_a_receipt(ws, tokens, client, returns):
    clean = returns["clean"]
    page = upload(client, tokens[AGENCY], clean)
    assert "ส่งได้" in page.text
    sha = sha256_of(clean)
    receipt = client.post(f"/a/{tokens[AGENCY]}/check/{sha}/submit", data={"csrf": csrf_of(page.text)})
    assert receipt.status_code == 200 and sha in receipt.text and "รับแบบรายงานแล้ว" in receipt.text
    with Ledger(ws.ledger_path) as ledger:
        [sub] = ledger.submissions()
        rows = {k: sum(1 for _ in ledger.rows(sub.id, k)) for k in ("projects", "progress")}
    assert (sub.sha256, sub.agency, sub.outcome, sub.original_name) == (sha, AGENCY, "accepted", "clean.xlsx")
    assert sub.archived_path == f"archive/{sha[:2]}/{sha}.xlsx" and rows == {"projects": 1, "progress": 6}
    assert "ความก้าวหน้า (Progress)" in receipt.text and ">6<" in receipt.text  # what was accepted
    again = client.post(f"/a/{tokens[AGENCY]}/check/{sha}/submit", data={"csrf": csrf_of(page.text)})
    assert again.status_code == 409
    home = client.get(f"/a/{tokens[AGENCY]}")
    assert f"/receipt/{sub.id}" in home.text


def test_what_an_agency_typed_is_shown_as_text_never_as_markup(ws, tokens, client, tmp_path):
    from tests.builders import PROJECT, make_return, set_cell

    hostile = make_return(tmp_path, "hostile.xlsx", edit=lambda b, c: set_cell(
        b, c, ("progress", f"{PROJECT}#2", "progress_pct"), '<script>alert("x")</script>'))
    page = upload(client, tokens[AGENCY], hostile)
    assert page.status_code == 200 and "value.unreadable" in page.text
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
