"""A resubmission against the previous accepted return: cells changed, flags resolved and raised,
from the command line and as a sheet of the feedback workbook."""

import json

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.builders import AGENCY, COUNT_KPI, PROJECT, ROUND, make_return, set_cell
from toolkit.cli import app
from toolkit.collect import collect
from toolkit.diff import diff_return
from toolkit.errors import ToolkitError
from toolkit.feedback import CHANGES_SHEET, ISSUES_SHEET
from toolkit.ledger import Ledger

R = str(ROUND)


def _first(book, cells):
    set_cell(book, cells, ("projects", PROJECT, "budget_used"), 0)  # project.budget-used-mismatch


def _second(book, cells):
    set_cell(book, cells, ("progress", f"{PROJECT}#3", "progress_pct"), 35)
    set_cell(book, cells, ("kpis", COUNT_KPI, "achieved"), 70)  # kpi.achieved-magnitude (target 10)


@pytest.fixture
def resubmitted(ws, ref, tmp_path):
    first = make_return(tmp_path, "first.xlsx", edit=_first)
    second = make_return(tmp_path, "second.xlsx", edit=_second)
    collect(ws, [first], ref, ws.catalogue())
    [result] = collect(ws, [second], ref, ws.catalogue())
    return ws, result


def test_cells_changed_and_flags_resolved_and_raised(resubmitted, ref):
    ws, _ = resubmitted
    with Ledger(ws.ledger_path) as ledger:
        d = diff_return(ledger, AGENCY, R, ref)
    assert (d.new.original_name, d.previous.original_name) == ("second.xlsx", "first.xlsx")
    changed = {(c.sheet, c.item, c.column): (c.before, c.after, c.cell) for c in d.changes}
    assert changed == {
        ("ความก้าวหน้า (Progress)", f"{PROJECT}#3", "progress_pct"): ("30", "35", "E6"),
        ("โครงการ (Projects)", PROJECT, "budget_used"): ("0", "30,000", "K4"),
        ("ตัวชี้วัด (KPIs)", COUNT_KPI, "achieved"): ("5", "70", changed[("ตัวชี้วัด (KPIs)", COUNT_KPI, "achieved")][2]),
    }
    assert [f.rule for f in d.resolved] == ["project.budget-used-mismatch"]
    assert "kpi.achieved-magnitude" in [f.rule for f in d.raised]
    assert all(c.kind == "changed" for c in d.changes)


def test_feedback_workbook_has_the_changes_sheet(resubmitted):
    _, result = resubmitted
    book = openpyxl.load_workbook(result.feedback)
    assert book.sheetnames[:2] == [ISSUES_SHEET, CHANGES_SHEET]
    sheet = book[CHANGES_SHEET]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert "first.xlsx" in rows[0][0] and "3 cell(s) changed, 1 flag(s) resolved" in rows[1][0]
    progress = next(r for r in rows if r[2] == f"{PROJECT}#3")
    assert progress[:2] == ["ความก้าวหน้า (Progress)", "E6"] and progress[4:6] == ["30", "35"]
    links = {c.hyperlink.location for r in sheet.iter_rows() for c in r if c.hyperlink}
    assert {"'ความก้าวหน้า (Progress)'!E6", "'โครงการ (Projects)'!K4"} <= links
    assert any(r[2] == "project.budget-used-mismatch" for r in rows)  # under "Flags resolved"


def test_first_return_has_nothing_to_compare(ws, ref, tmp_path):
    [result] = collect(ws, [make_return(tmp_path, "only.xlsx")], ref, ws.catalogue())
    assert result.feedback is None  # clean first return: no feedback workbook at all
    with Ledger(ws.ledger_path) as ledger, pytest.raises(ToolkitError) as exc:
        diff_return(ledger, AGENCY, R)
    assert exc.value.code == "diff.no-previous"


def test_diff_command(resubmitted):
    ws, _ = resubmitted
    runner = CliRunner()
    text = runner.invoke(app, ["diff", str(ws.root), "--agency", AGENCY, "--round", R])
    assert text.exit_code == 0, text.output
    assert "#2 second.xlsx (accepted with warnings) against #1 first.xlsx" in text.output
    assert f"'ความก้าวหน้า (Progress)'!E6  {PROJECT}#3" in text.output and "30 -> 35" in text.output
    as_json = json.loads(runner.invoke(app, ["diff", str(ws.root), "--agency", AGENCY, "--round", R, "--json"]).stdout)
    assert [f["rule"] for f in as_json["resolved"]] == ["project.budget-used-mismatch"]
    missing = runner.invoke(app, ["diff", str(ws.root), "--agency", "1007", "--round", R])
    assert missing.exit_code == 2 and "diff.no-return" in missing.output


def test_long_texts_are_cut_to_where_they_differ():
    from toolkit.diff import excerpt

    before = "ดำเนินการ " * 20 + "กลุ่มกรุงเทพมหานครใต้ ร่วมใจ ปลูกป่าชายเลน " + "ต่อเนื่อง " * 20
    after = before.replace("กลุ่มกรุงเทพมหานครใต้", "กลุ่มเขตกรุงธนใต้")
    b, a = excerpt(before, after)
    assert b.startswith("…") and b.endswith("…") and len(b) < 120
    assert "กลุ่มกรุงเทพมหานครใต้" in b and "กลุ่มเขตกรุงธนใต้" in a
    assert b[1] not in "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c"
    assert excerpt("30", "35") == ("30", "35")


def test_a_rejected_resubmission_compares_its_flags(resubmitted, ref, tmp_path):
    ws, _ = resubmitted
    bad = make_return(tmp_path, "third.xlsx", edit=lambda b, c: set_cell(b, c, ("progress", f"{PROJECT}#3", "progress_pct"), 150))
    [result] = collect(ws, [bad], ref, ws.catalogue())
    assert result.submission.outcome == "rejected"
    with Ledger(ws.ledger_path) as ledger:
        d = diff_return(ledger, AGENCY, R, ref)
    assert d.previous.original_name == "second.xlsx" and not d.cells_compared and d.changes == []
    assert "value.percent-range" in [f.rule for f in d.raised]
    text = CliRunner().invoke(app, ["diff", str(ws.root), "--agency", AGENCY, "--round", R]).output
    assert "only its flags compare" in text and "[value.percent-range]" in text
