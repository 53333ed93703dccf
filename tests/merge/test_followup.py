"""toolkit flags: findings for follow-up with the decisions typed in the master or kept in the ledger."""

import json

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.builders import COUNT_KPI, PROJECT, make_return, set_cell, small_catalogue
from toolkit.cli import app
from toolkit.collect import collect
from toolkit.merge.followup import list_flags
from toolkit.merge.run import merge_workspace
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.workspace import Workspace


def _two_flags(book, cells):
    set_cell(book, cells, ("projects", PROJECT, "budget_used"), 0)  # project.budget-used-mismatch
    set_cell(book, cells, ("kpis", COUNT_KPI, "achieved"), 70)  # kpi.achieved-magnitude and others


@pytest.fixture
def ws(tmp_path, ref):
    ws = Workspace.create(tmp_path / "ws")
    write_catalogue(small_catalogue(), ws.catalogue_path)
    make_return(ws.inbox, "a.xlsx", edit=_two_flags)
    collect(ws, None, ref, ws.catalogue())
    merge_workspace(ws, ref)
    return ws


def _decide_in_master(ws, rule, decision):
    book = openpyxl.load_workbook(ws.master_path)
    sheet = book["Flags"]
    header = [c.value for c in sheet[2]]
    row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, header.index("Rule") + 1).value == rule)
    sheet.cell(row, header.index("Decision") + 1).value = decision
    sheet.cell(row, header.index("Reviewer") + 1).value = "สมหญิง"
    book.save(ws.master_path)
    return sheet.cell(row, 1).value


def test_open_flags_and_a_decision_typed_since_the_last_merge(ws, ref):
    every = list_flags(ws, ref)
    rules = [f["rule"] for f in every]
    assert "project.budget-used-mismatch" in rules and "kpi.achieved-magnitude" in rules
    assert all(f["open"] for f in every)
    flag_id = _decide_in_master(ws, "project.budget-used-mismatch", "ชี้แจงแล้ว / explained")
    again = {f["flag_id"]: f for f in list_flags(ws, ref)}
    assert again[flag_id]["decision"] == "ชี้แจงแล้ว / explained" and not again[flag_id]["open"]
    assert [f["flag_id"] for f in list_flags(ws, ref)][-1] == flag_id  # decided ones last
    assert flag_id not in {f["flag_id"] for f in list_flags(ws, ref, open_only=True)}
    merge_workspace(ws, ref)  # recorded in the ledger: still decided after the master is rebuilt
    assert flag_id not in {f["flag_id"] for f in list_flags(ws, ref, open_only=True)}
    assert list_flags(ws, ref, agency="1007") == [] and list_flags(ws, ref, round_="2564-Q3") == []


def test_flags_command(ws):
    runner = CliRunner()
    _decide_in_master(ws, "project.budget-used-mismatch", "ยืนยัน / confirmed")
    data = json.loads(runner.invoke(app, ["flags", str(ws.root), "--json"]).stdout)
    assert data["count"] == len(data["flags"]) and data["open"] == data["count"] - 1
    opened = json.loads(runner.invoke(app, ["flags", str(ws.root), "--open", "--json", "--agency", "2100"]).stdout)
    assert opened["count"] == data["open"] and all(f["decision"] == "" for f in opened["flags"])
    text = runner.invoke(app, ["flags", str(ws.root)])
    assert text.exit_code == 0 and "[project.budget-used-mismatch]" in text.output and "ยืนยัน / confirmed (สมหญิง)" in text.output
    assert f"{data['count']} flag(s), {data['open']} open" in text.output
