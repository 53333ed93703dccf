"""The office's roster, history and diff, and the auditors' decisions, on a real ledger."""

from __future__ import annotations

import re
from datetime import date

import openpyxl

from tests.builders import AGENCY, PROJECT, ROUND, set_cell
from tests.web.conftest import AUDITOR, OFFICE, csrf_of, login
from toolkit.collect import collect
from toolkit.ledger import Ledger
from toolkit.merge.run import merge_workspace
from toolkit.web.decide import decide

ON_TIME = "2021-04-01T03:00:00+00:00"  # before 2564-Q2's due date (15 April 2021)


def test_roster_states_lateness_and_chase_list_on_the_dashboard(ws, returns, ref, client):
    assert login(client, *OFFICE).url.path == "/office"
    assert "ยังไม่มีรอบรายงาน" in client.get("/office").text  # no submission, no link yet
    collect(ws, [returns["broken"]], ref, ws.catalogue(), received_at=lambda p: ON_TIME)
    page = client.get("/office").text  # the one round there is
    row = re.search(rf"<tr><td><a href=\"/office/agency/{AGENCY}\?round={ROUND}\">.*?</tr>", page, re.S).group(0)
    # 1 error, 2 warnings; sent before the due date but rejected, and the due date has passed: late
    assert "ไม่ผ่าน" in row and "ช้า" in row and ">1 / 2<" in row and "1/4/2564" in row
    chase = page[page.index('id="chase"'):]
    assert f"{AGENCY} สำนักยุทธศาสตร์และประเมินผล" in chase and "broken.xlsx" in page
    collect(ws, [returns["clean"]], ref, ws.catalogue())  # now: years after the due date
    page = client.get("/office", params={"round": str(ROUND)}).text
    row = re.search(rf"<tr><td><a href=\"/office/agency/{AGENCY}\?round={ROUND}\">.*?</tr>", page, re.S).group(0)
    assert "ผ่าน</span>" in row and "ช้า" in row and ">0 / 0<" in row and 'id="chase"' not in page
    assert "ทุกหน่วยงานส่งแล้ว" in page
    assert client.get("/office", params={"round": "not-a-round"}).status_code == 404


def test_history_and_resubmission_diff_on_the_office_pages(ws, returns, ref, client, tmp_path):
    from tests.builders import make_return

    second = make_return(tmp_path, "second.xlsx", edit=lambda b, c: (
        set_cell(b, c, ("projects", PROJECT, "remarks"), "แก้ไขตามที่ สยป. แจ้ง"),
        set_cell(b, c, ("progress", f"{PROJECT}#6", "progress_pct"), 65)))
    collect(ws, [returns["clean"], returns["broken"], second], ref, ws.catalogue())
    assert login(client, *OFFICE).url.path == "/office"
    page = client.get(f"/office/agency/{AGENCY}", params={"round": str(ROUND)})
    assert page.status_code == 200
    history = page.text[page.text.index('id="history"'):page.text.index('id="diff"')]
    assert [n for n in re.findall(r"<td>([a-z]+\.xlsx)</td>", history)] == ["second.xlsx", "broken.xlsx", "clean.xlsx"]
    diff = page.text[page.text.index('id="diff"'):]
    rows = re.findall(r'<td class="mono">([A-Z]+[0-9]+)</td><td class="mono">(.*?)</td><td>(.*?) <span class="en">.*?</span>'
                      r'</td><td class="value">(.*?)</td><td class="value">(.*?)</td>', diff)
    assert sorted(rows) == [("E9", f"{PROJECT}#6", "ความก้าวหน้าสะสม (ร้อยละ)", "60", "65"),
                            ("M4", PROJECT, "หมายเหตุ", "", "แก้ไขตามที่ สยป. แจ้ง")]
    office = client.get("/office", params={"round": str(ROUND)})
    assert client.get("/office/master.xlsx").status_code == 404  # not built yet
    assert client.post("/office/merge", data={"csrf": csrf_of(office.text)}).status_code == 200
    master = client.get("/office/master.xlsx")
    assert master.status_code == 200 and master.content[:2] == b"PK"
    alone = client.get("/office/agency/1007", params={"round": str(ROUND)})
    assert alone.status_code == 200 and "ยังไม่ส่ง" in alone.text


def _flags(ws):
    book = openpyxl.load_workbook(ws.master_path, read_only=True)
    try:
        rows = list(book["Flags"].iter_rows(values_only=True))
    finally:
        book.close()  # read-only keeps the file open until closed; left to the collector it warns (an error here)
    header = list(rows[1])
    return {r[header.index("Flag id")]: dict(zip(header, r)) for r in rows[2:]}


def test_web_and_workbook_decisions_are_one_record(ws, returns, ref, tmp_path):
    from tests.builders import make_return

    warned = make_return(tmp_path, "warned.xlsx", edit=lambda b, c: set_cell(b, c, ("projects", PROJECT, "budget_used"), 31000))
    collect(ws, [warned], ref, ws.catalogue())
    merge_workspace(ws, ref)
    [flag_id] = _flags(ws)
    # an auditor types a decision into the master, and before any merge another decides on the web
    book = openpyxl.load_workbook(ws.master_path)
    sheet = book["Flags"]
    header = [c.value for c in sheet[2]]
    sheet.cell(3, header.index("Decision") + 1, "ยืนยัน / confirmed")
    sheet.cell(3, header.index("Note") + 1, "จากไฟล์ / from the workbook")
    book.save(ws.master_path)
    assert decide(ws, ref, flag_id, "ชี้แจงแล้ว / explained", "ชี้แจงทางเว็บ", "wichai", "31000", today=date(2021, 5, 1))
    assert _flags(ws)[flag_id]["Decision"] == "ชี้แจงแล้ว / explained"  # the master shows it at once
    merge_workspace(ws, ref)
    flag = _flags(ws)[flag_id]
    assert (flag["Decision"], flag["Note"], flag["Reviewer"], flag["Decided on"]) == (
        "ชี้แจงแล้ว / explained", "ชี้แจงทางเว็บ", "wichai", "1/5/2564")
    with Ledger(ws.ledger_path) as ledger:
        assert ledger.decisions()[flag_id]["decision"] == "ชี้แจงแล้ว / explained"
    # and a decision typed in the workbook afterwards is read back over the web one, as before
    book = openpyxl.load_workbook(ws.master_path)
    book["Flags"].cell(3, header.index("Decision") + 1, "ไม่เป็นปัญหา / false alarm")
    book.save(ws.master_path)
    merge_workspace(ws, ref)
    assert _flags(ws)[flag_id]["Decision"] == "ไม่เป็นปัญหา / false alarm"


def test_auditor_filters_and_sees_the_value_in_its_row(ws, returns, ref, client, tmp_path):
    from tests.builders import make_return

    warned = make_return(tmp_path, "warned.xlsx", edit=lambda b, c: set_cell(b, c, ("projects", PROJECT, "budget_used"), 31000))
    collect(ws, [warned, returns["broken"]], ref, ws.catalogue())  # accepted with a warning, then a rejected one
    assert login(client, *AUDITOR).url.path == "/auditor"
    # the budget warning of the accepted return; of the newer rejected one, 150 % breaks the range
    # (error) and, being over 100 %, two completion rules (warnings)
    assert client.get("/auditor").text.count("data-flag=") == 4
    assert client.get("/auditor", params={"severity": "warning"}).text.count("data-flag=") == 3
    assert client.get("/auditor", params={"agency": "1007"}).text.count("data-flag=") == 0
    budget = client.get("/auditor", params={"rule": "project.budget-used-mismatch", "decision": "open", "agency": AGENCY})
    assert budget.text.count("data-flag=") == 1
    flag_id = re.search(r'data-flag="([^"]+)"', budget.text).group(1)
    detail = client.get(f"/auditor/flag/{flag_id}")
    hit = re.search(r'<tr class="hit"><th>(.*?)</th><td class="value">(.*?)</td>', detail.text)
    assert hit and "งบประมาณที่ใช้ไป" in hit.group(1) and hit.group(2) == "31000"  # the value in its row
    assert "โครงการทดสอบการรายงาน" in detail.text  # beside the project's name
    saved = client.post(f"/auditor/flag/{flag_id}", data={"csrf": csrf_of(detail.text), "decision": "ยืนยัน / confirmed",
                                                          "note": "ยืนยันกับหน่วยงานแล้ว"})
    assert saved.status_code == 200 and "บันทึกผลการพิจารณาแล้ว" in saved.text
    with Ledger(ws.ledger_path) as ledger:
        decision = ledger.decisions()[flag_id]
    assert (decision["decision"], decision["reviewer"], decision["value_at_decision"]) == ("ยืนยัน / confirmed", AUDITOR[0], "31000")
    assert client.get("/auditor", params={"decision": "open"}).text.count("data-flag=") == 3
    assert client.get("/auditor", params={"decision": "ยืนยัน / confirmed"}).text.count("data-flag=") == 1
    bad = client.post(f"/auditor/flag/{flag_id}", data={"csrf": csrf_of(detail.text), "decision": "whatever"})
    assert bad.status_code == 400
    # a rejected return's rows are not in the ledger: its flag shows the value and where it was
    rejected = client.get("/auditor", params={"rule": "value.percent-range"})
    other_id = re.search(r'data-flag="([^"]+)"', rejected.text).group(1)
    detail = client.get(f"/auditor/flag/{other_id}")
    assert "150" in detail.text and "ความก้าวหน้า (Progress)!E9" in detail.text and "ไม่ได้บันทึกแถวข้อมูล" in detail.text
