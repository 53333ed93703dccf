"""Collect and merge on a real workspace: archive, ledger, feedback, supersession, idempotency."""

import sqlite3

import openpyxl

from tests.builders import PROJECT, make_return, set_cell, type_into_flags
from toolkit.collect import collect, sha256_of
from toolkit.feedback import ISSUES_SHEET
from toolkit.ledger import Ledger
from toolkit.merge.run import merge_workspace
from toolkit.workspace import Workspace


def _dump(ws: Workspace) -> list:
    db = sqlite3.connect(ws.ledger_path)
    try:
        return [db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
                for t in ("submissions", "findings", "data_rows", "decisions")]
    finally:
        db.close()


def _broken(book, cells):
    set_cell(book, cells, ("progress", f"{PROJECT}#3", "progress_pct"), 150)
    set_cell(book, cells, ("projects", PROJECT, "budget_used"), 0)


def test_collect_archives_records_and_gives_feedback(ws, ref, tmp_path):
    make_return(ws.inbox, "clean.xlsx")
    make_return(ws.inbox, "broken.xlsx", edit=_broken)
    (ws.inbox / "notes.xlsx").write_bytes(b"\x00garbage")
    results = {r.file: r for r in collect(ws, None, ref, ws.catalogue())}
    assert results["clean.xlsx"].submission.outcome == "accepted"
    assert results["broken.xlsx"].submission.outcome == "rejected"
    assert results["notes.xlsx"].submission.outcome == "rejected"
    for name in ("clean.xlsx", "broken.xlsx", "notes.xlsx"):
        sha = sha256_of(ws.inbox / name)
        assert (ws.archive / sha[:2] / f"{sha}.xlsx").read_bytes() == (ws.inbox / name).read_bytes()
    feedback = openpyxl.load_workbook(results["broken.xlsx"].feedback)
    assert feedback.sheetnames[0] == ISSUES_SHEET
    cell = feedback["ความก้าวหน้า (Progress)"]["E6"]
    assert cell.value == 150 and "value.percent-range" in cell.comment.text
    links = [c.hyperlink.location for row in feedback[ISSUES_SHEET].iter_rows() for c in row if c.hyperlink]
    assert "'ความก้าวหน้า (Progress)'!E6" in links
    assert results["clean.xlsx"].feedback is None


def test_feedback_written_in_the_background_is_complete_for_every_file(ws, ref):
    """collect writes feedback workbooks while it checks the next files: when it returns, each file with
    findings has its own whole workbook (no temporary file left), and the result names it."""
    for k in range(4):
        make_return(ws.inbox, f"broken{k}.xlsx", edit=lambda book, cells, k=k: (
            _broken(book, cells), set_cell(book, cells, ("progress", f"{PROJECT}#1", "progress_pct"), 101 + k)))
    from toolkit import timing

    with timing.recording() as spent:
        results = collect(ws, None, ref, ws.catalogue())
    assert [r.feedback.name for r in results] == [f"broken{k}_feedback.xlsx" for k in range(4)]
    assert spent.calls["feedback_write"] == 4 and spent.cpu["feedback_write"] > 0  # the workers' time, reported
    for k, r in enumerate(results):
        book = openpyxl.load_workbook(r.feedback)
        assert f"broken{k}.xlsx" in book[ISSUES_SHEET]["A1"].value
        flagged = [c for c in book["ความก้าวหน้า (Progress)"]["E"] if c.value == 101 + k]
        assert len(flagged) == 1 and "value.percent-range" in flagged[0].comment.text  # this file's own cells
    assert sorted(p.name for p in ws.feedback.iterdir()) == [f"broken{k}_feedback.xlsx" for k in range(4)]


def test_same_bytes_twice_recorded_once_and_reruns_change_nothing(ws, ref):
    make_return(ws.inbox, "a.xlsx", edit=_broken)
    make_return(ws.inbox, "b.xlsx")
    collect(ws, None, ref, ws.catalogue())
    merge_workspace(ws, ref)
    first = _dump(ws)
    flags_first = [r for r in openpyxl.load_workbook(ws.master_path)["Flags"].iter_rows(values_only=True)]
    again = collect(ws, None, ref, ws.catalogue())
    assert {r.status for r in again} == {"duplicate"}
    merge_workspace(ws, ref)
    assert _dump(ws) == first
    assert [r for r in openpyxl.load_workbook(ws.master_path)["Flags"].iter_rows(values_only=True)] == flags_first


def test_resubmission_supersedes_and_rejected_one_does_not(ws, ref, tmp_path):
    first = make_return(tmp_path, "first.xlsx")
    second = make_return(tmp_path, "second.xlsx", edit=lambda b, c: set_cell(b, c, ("projects", PROJECT, "remarks"), "แก้ไข"))
    third = make_return(tmp_path, "third.xlsx", edit=_broken)
    collect(ws, [first, second, third], ref, ws.catalogue())
    with Ledger(ws.ledger_path) as ledger:
        subs = {s.original_name: s for s in ledger.submissions()}
        assert subs["first.xlsx"].superseded_by == subs["second.xlsx"].id
        assert subs["second.xlsx"].superseded_by is None and subs["third.xlsx"].outcome == "rejected"
        assert [s.original_name for s in ledger.current()] == ["second.xlsx"]


def test_master_sheets_and_auditor_decision_survives_remerge(ws, ref):
    make_return(ws.inbox, "a.xlsx", edit=lambda b, c: set_cell(b, c, ("projects", PROJECT, "budget_used"), 0))
    collect(ws, None, ref, ws.catalogue())
    merge_workspace(ws, ref)
    book = openpyxl.load_workbook(ws.master_path)
    assert book.sheetnames == ["Summary", "Submissions", "Projects", "Progress", "PlanSteps", "KPIs", "KPIResults", "Flags"]
    flags = book["Flags"]
    header = [c.value for c in flags[2]]
    assert flags["A1"].value == "รหัสประเด็น" and header[0] == "Flag id"
    row = [c.value for c in flags[3]]
    assert row[header.index("Rule")] == "project.budget-used-mismatch" and row[header.index("Cell")] == "K4"
    flags.cell(3, header.index("Decision") + 1).value = "ชี้แจงแล้ว / explained"
    flags.cell(3, header.index("Note") + 1).value = "งบประมาณเบิกผ่านสำนักงานเขต"
    book.save(ws.master_path)
    for _ in range(2):
        result = merge_workspace(ws, ref)
    again = openpyxl.load_workbook(ws.master_path)["Flags"]
    row = [c.value for c in again[3]]
    assert row[header.index("Decision")] == "ชี้แจงแล้ว / explained"
    assert row[header.index("Note")] == "งบประมาณเบิกผ่านสำนักงานเขต"
    assert result.path == ws.master_path and (ws.root / "master.previous.xlsx").exists()


def test_untrusted_text_stays_text_in_master(ws, ref):
    evil = '=HYPERLINK("http://example.invalid","click")'

    def type_as_text(book, cells):  # typed with a leading apostrophe: text, not a formula
        sheet, address = cells[("projects", PROJECT, "remarks")]
        book[sheet][address].value = evil
        book[sheet][address].data_type = "s"

    make_return(ws.inbox, "a.xlsx", edit=type_as_text)
    collect(ws, None, ref, ws.catalogue())
    merge_workspace(ws, ref)
    projects = openpyxl.load_workbook(ws.master_path)["Projects"]
    values = [c.value for row in projects.iter_rows(min_row=3) for c in row]
    assert evil in values
    assert all(c.data_type != "f" for row in projects.iter_rows() for c in row)


def test_second_process_is_refused_while_the_workspace_is_locked(ws):
    from typer.testing import CliRunner

    from toolkit.cli import app
    from toolkit.workspace import locked

    with locked(ws):  # as if another toolkit process were collecting
        result = CliRunner().invoke(app, ["merge", str(ws.root)])
    assert result.exit_code == 2 and "workspace.busy" in result.output and "Traceback" not in result.output
    assert not ws.master_path.exists()
    assert CliRunner().invoke(app, ["merge", str(ws.root)]).exit_code == 0  # released


def test_decision_reopens_when_the_flagged_value_changes(ws, ref, tmp_path):
    first = make_return(tmp_path, "first.xlsx", edit=lambda b, c: set_cell(b, c, ("projects", PROJECT, "budget_used"), 0))
    collect(ws, [first], ref, ws.catalogue())
    merge_workspace(ws, ref)
    flag_id = type_into_flags(ws.master_path, 3, {"Decision": "ชี้แจงแล้ว / explained"})
    merge_workspace(ws, ref)  # decision read back into the ledger
    second = make_return(tmp_path, "second.xlsx", edit=lambda b, c: set_cell(b, c, ("projects", PROJECT, "budget_used"), 1))
    collect(ws, [second], ref, ws.catalogue())
    result = merge_workspace(ws, ref)
    [flag] = [f for f in result.data.flags if f["rule"] == "project.budget-used-mismatch"]
    assert flag["value"] == "1" and flag["decision"] == ""  # reopened: the auditor must look again
    assert flag["flag_id"] == flag_id  # same flag, new value
