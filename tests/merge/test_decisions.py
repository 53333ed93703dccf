"""record_decision: the one place a decision is written (master read-back and the web app use it)."""

from toolkit.ledger import Ledger
from toolkit.merge.decisions import record_decision


def test_record_decision_upserts_and_reports_changes(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        assert record_decision(ledger, "F-1", "ยืนยัน / confirmed", "โทรสอบถามแล้ว", "สมหญิง", "2564-11-02", "150")
        assert not record_decision(ledger, "F-1", "ยืนยัน / confirmed", "โทรสอบถามแล้ว", "สมหญิง", "2564-11-02", "150")
        assert record_decision(ledger, "F-1", "ไม่เป็นปัญหา / false alarm", "", "สมหญิง", "2564-11-03", "150")
        with ledger._transaction():  # inside the caller's transaction
            assert record_decision(ledger, "F-2", "ชี้แจงแล้ว / explained", "", "", "", "0")
        decisions = ledger.decisions()
    assert decisions["F-1"]["decision"] == "ไม่เป็นปัญหา / false alarm" and decisions["F-1"]["decided_on"] == "2564-11-03"
    assert decisions["F-2"]["value_at_decision"] == "0"


def test_a_replaced_decision_is_kept_in_history(tmp_path):
    from toolkit.merge.decisions import decision_history

    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        record_decision(ledger, "F-1", "ชี้แจงแล้ว / explained", "เบิกผ่านเขต", "สมหญิง", "2564-11-02", "0")
        record_decision(ledger, "F-1", "ยืนยัน / confirmed", "ค่าเปลี่ยนเป็น 1", "สมชาย", "2564-12-01", "1")
        [old] = decision_history(ledger, "F-1")
        assert (old["decision"], old["note"], old["value_at_decision"]) == ("ชี้แจงแล้ว / explained", "เบิกผ่านเขต", "0")
        assert ledger.decisions()["F-1"]["decision"] == "ยืนยัน / confirmed"


def test_a_stale_master_does_not_overwrite_a_newer_decision(ws, tmp_path, ref):
    """A decision recorded elsewhere (the web page) after the master was written survives the next merge,
    while an edit typed into that same stale copy is still read back."""
    import shutil

    import openpyxl

    from tests.builders import PROJECT, make_return, set_cell
    from toolkit.collect import collect
    from toolkit.merge.decisions import WRITTEN_COLUMN
    from toolkit.merge.run import merge_workspace

    def two_flags(book, cells):
        set_cell(book, cells, ("projects", PROJECT, "budget_used"), 0)
        set_cell(book, cells, ("progress", f"{PROJECT}#3", "schedule_status"), "ไปได้สวย")

    make_return(ws.inbox, "a.xlsx", edit=two_flags)
    collect(ws, None, ref, ws.catalogue())
    merge_workspace(ws, ref)
    book = openpyxl.load_workbook(ws.master_path)
    flags = book["Flags"]
    header = [c.value for c in flags[2]]
    assert WRITTEN_COLUMN in header  # the fingerprint travels with each row
    ids = {flags.cell(r, 1).value: r for r in range(3, flags.max_row + 1)}
    rules = {flags.cell(r, header.index("Rule") + 1).value: flags.cell(r, 1).value for r in ids.values()}
    web_flag, typed_flag = rules["project.budget-used-mismatch"], rules["value.status-unknown"]
    flags.cell(ids[web_flag], header.index("Decision") + 1).value = "ชี้แจงแล้ว / explained"  # first decision
    book.save(ws.master_path)
    merge_workspace(ws, ref)
    stale = tmp_path / "copy.xlsx"
    shutil.copy(ws.master_path, stale)  # an auditor's copy, opened before the web decision
    book = openpyxl.load_workbook(stale)
    flags = book["Flags"]
    ids = {flags.cell(r, 1).value: r for r in range(3, flags.max_row + 1)}
    assert flags.cell(ids[web_flag], header.index("Decision") + 1).value == "ชี้แจงแล้ว / explained"
    with Ledger(ws.ledger_path) as ledger:  # as the web page records it
        record_decision(ledger, web_flag, "ยืนยัน / confirmed", "ยืนยันทางเว็บ", "สมหญิง", "2564-11-02", "0")
    flags.cell(ids[typed_flag], header.index("Decision") + 1).value = "ชี้แจงแล้ว / explained"
    book.save(stale)
    shutil.copy(stale, ws.master_path)  # the stale copy saved over the master
    merge_workspace(ws, ref)
    with Ledger(ws.ledger_path) as ledger:
        decisions = ledger.decisions()
    assert decisions[web_flag]["decision"] == "ยืนยัน / confirmed" and decisions[web_flag]["note"] == "ยืนยันทางเว็บ"
    assert decisions[typed_flag]["decision"] == "ชี้แจงแล้ว / explained"
    again = openpyxl.load_workbook(ws.master_path)["Flags"]
    shown = {again.cell(r, 1).value: again.cell(r, header.index("Decision") + 1).value for r in range(3, again.max_row + 1)}
    assert shown[web_flag] == "ยืนยัน / confirmed" and shown[typed_flag] == "ชี้แจงแล้ว / explained"


def test_decisions_typed_as_dates_numbers_and_merged_cells_are_read_back(ws, tmp_path, ref):
    """What an auditor types in Excel comes back as openpyxl gave it before (the master's Flags sheet
    is now read alone through calamine): a real date, a number; an unreadable file gives nothing."""
    from datetime import datetime

    from tests.builders import PROJECT, make_return, set_cell, type_into_flags
    from toolkit.collect import collect
    from toolkit.merge.decisions import read_master_decisions
    from toolkit.merge.run import merge_workspace

    warned = make_return(tmp_path, "warned.xlsx", edit=lambda b, c: set_cell(b, c, ("projects", PROJECT, "budget_used"), 31000))
    collect(ws, [warned], ref, ws.catalogue())
    merge_workspace(ws, ref)
    flag_id = type_into_flags(ws.master_path, 3, {"Decision": "ยืนยัน / confirmed", "Note": 1500.0,
                                                  "Reviewer": "สมหญิง ใจดี", "Decided on": datetime(2021, 5, 1)})
    assert read_master_decisions(ws.master_path) == {flag_id: {
        "decision": "ยืนยัน / confirmed", "note": "1500", "reviewer": "สมหญิง ใจดี",
        "decided_on": "2021-05-01 00:00:00", "value": "31000"}}
    merge_workspace(ws, ref)
    with Ledger(ws.ledger_path) as ledger:
        assert ledger.decisions()[flag_id]["note"] == "1500"
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    assert read_master_decisions(tmp_path / "broken.xlsx") == {}
