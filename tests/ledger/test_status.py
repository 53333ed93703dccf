"""toolkit status: the roster of a round (received, accepted, rejected, late, missing) and the chase list."""

import dataclasses
import json
from datetime import date

import pytest
from typer.testing import CliRunner

from tests.builders import AGENCY, PROJECT, ROUND, make_return, set_cell, small_catalogue
from toolkit.cli import app
from toolkit.collect import collect
from toolkit.config import DEFAULT_SETTINGS
from toolkit.ledger import Ledger
from toolkit.ledger.approval import approve
from toolkit.status import round_status
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.workspace import Workspace

DUE = date(2021, 4, 15)  # 2564-Q2 ends 31 March 2021, due 15 days later


@pytest.fixture
def ws(tmp_path):
    """The small catalogue, plus a KPI for district 1007 so that two agencies are expected in 2564-Q2."""
    cat = small_catalogue()
    kpi = next(iter(cat.kpis.values()))
    cat.kpis["1007-0001"] = dataclasses.replace(kpi, kpi_code="1007-0001", agency_code="1007")
    ws = Workspace.create(tmp_path / "ws")
    write_catalogue(cat, ws.catalogue_path)
    return ws


def _collect(ws, ref, path, when):
    return collect(ws, [path], ref, ws.catalogue(), received_at=lambda p: when)


def _status(ws, today):
    with Ledger(ws.ledger_path) as ledger:
        return round_status(ledger, ws.catalogue(), ROUND, DEFAULT_SETTINGS, today)


def _broken(book, cells):
    set_cell(book, cells, ("progress", f"{PROJECT}#3", "progress_pct"), 150)


def test_roster_before_and_after_the_due_date(ws, ref, tmp_path):
    _collect(ws, ref, make_return(tmp_path, "a.xlsx"), "2021-04-10T09:00:00")
    before = _status(ws, date(2021, 4, 12))
    assert before.due == DUE and [a.agency for a in before.agencies] == ["1007", AGENCY]
    states = {a.agency: (a.state, a.late, a.received) for a in before.agencies}
    assert states == {AGENCY: ("accepted", False, date(2021, 4, 10)), "1007": ("not_received", False, None)}
    after = _status(ws, date(2021, 4, 20))
    assert [a.agency for a in after.late] == ["1007"]  # nothing arrived and the due date has passed
    assert after.totals() == {"expected": 2, "received": 1, "accepted": 1, "accepted_with_warnings": 0, "rejected": 0,
                              "not_received": 1, "late": 1, "approved": 0}
    text = after.to_dict()["chase_text"]
    assert text.index("ยังไม่ได้ส่ง") < text.index("Not yet received")  # Thai first, English beside
    assert "- 1007 สำนักงานเขตปทุมวัน (เลยกำหนดส่ง / overdue)" in text and AGENCY not in text.split("\n", 2)[2]


def test_rejected_late_and_approved_states(ws, ref, tmp_path):
    [bad] = _collect(ws, ref, make_return(tmp_path, "bad.xlsx", edit=_broken), "2021-04-10T09:00:00")
    n_errors = len(bad.report.errors)
    rejected = {a.agency: a for a in _status(ws, date(2021, 4, 12)).agencies}[AGENCY]
    assert (rejected.state, rejected.errors, rejected.late) == ("rejected", n_errors, False) and n_errors >= 1
    assert {a.agency: a for a in _status(ws, date(2021, 4, 20)).agencies}[AGENCY].late  # still nothing acceptable
    status = _status(ws, date(2021, 4, 20))
    assert "bad.xlsx" in status.to_dict()["chase_text"] and f"{n_errors} error(s)" in status.to_dict()["chase_text"]
    _collect(ws, ref, make_return(tmp_path, "good.xlsx"), "2021-04-18T09:00:00")  # after the due date
    with Ledger(ws.ledger_path) as ledger:
        approve(ledger, AGENCY, str(ROUND))
    _collect(ws, ref, make_return(tmp_path, "again.xlsx",
                                  edit=lambda b, c: set_cell(b, c, ("projects", PROJECT, "remarks"), "x")),
             "2021-04-19T09:00:00")
    a = {a.agency: a for a in _status(ws, date(2021, 4, 20)).agencies}[AGENCY]
    assert (a.state, a.received, a.late, a.approved, a.held, a.files) == ("accepted", date(2021, 4, 18), True, True, 1, 3)


def test_status_command_text_and_json(ws, ref, tmp_path):
    _collect(ws, ref, make_return(tmp_path, "a.xlsx"), "2021-04-10T09:00:00")
    runner = CliRunner()
    text = runner.invoke(app, ["status", str(ws.root), "--round", "2564-Q2", "--as-of", "2021-04-20"])
    assert text.exit_code == 0, text.output
    assert "expected 2, received 1, accepted 1" in text.output and "chase list" in text.output
    data = json.loads(runner.invoke(app, ["status", str(ws.root), "--round", "2564-Q2", "--json",
                                          "--as-of", "2021-04-20"]).stdout)
    assert data["chase"] == ["1007"] and data["due"] == "2021-04-15"
    assert {a["agency"]: a["state"] for a in data["agencies"]} == {"1007": "not_received", AGENCY: "accepted"}
    bad = runner.invoke(app, ["status", str(ws.root), "--round", "2564-Q2", "--as-of", "yesterday"])
    assert bad.exit_code == 2 and "usage.as-of" in bad.output


def test_a_round_nobody_reports_in_says_so(ws):
    from toolkit.calendar import Round
    from toolkit.status import chase_text

    with Ledger(ws.ledger_path) as ledger:
        status = round_status(ledger, ws.catalogue(), Round.parse("2570-Q1"), DEFAULT_SETTINGS, date(2027, 1, 1))
    assert status.agencies == [] and "no agency has projects or KPIs" in chase_text(status)
