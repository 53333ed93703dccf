"""Approval locks an agency's accepted return for a round: resubmissions wait until it is withdrawn."""

import sqlite3

import openpyxl
import pytest

from tests.builders import AGENCY, PROJECT, ROUND, make_return, set_cell
from toolkit.collect import collect
from toolkit.errors import ToolkitError
from toolkit.ledger import Ledger
from toolkit.ledger.approval import approvals, approve, held, withdraw
from toolkit.ledger.store import LEDGER_VERSION
from toolkit.merge.run import merge_workspace

R = str(ROUND)


def _remarks(text):
    return lambda b, c: set_cell(b, c, ("projects", PROJECT, "remarks"), text)


def _project_remarks(ws):
    sheet = openpyxl.load_workbook(ws.master_path, read_only=True)["Projects"]
    rows = list(sheet.iter_rows(values_only=True))
    sheet.parent.close()
    return [r[rows[1].index("Remarks")] for r in rows[2:]]


def test_approved_return_is_locked_until_withdrawn(ws, ref, tmp_path):
    first = make_return(tmp_path, "first.xlsx", edit=_remarks("ฉบับแรก"))
    second = make_return(tmp_path, "second.xlsx", edit=_remarks("ฉบับแก้ไข"))
    third = make_return(tmp_path, "third.xlsx", edit=_remarks("ฉบับที่สาม"))
    collect(ws, [first], ref, ws.catalogue())
    with Ledger(ws.ledger_path) as ledger:
        result = approve(ledger, AGENCY, R, by="สมหญิง")
        assert result.changed and result.submission.original_name == "first.xlsx"
        assert not approve(ledger, AGENCY, R).changed  # approving twice changes nothing
    collect(ws, [second, third], ref, ws.catalogue())
    merge_workspace(ws, ref)
    assert _project_remarks(ws) == ["ฉบับแรก"]  # never silently applied
    sheet = openpyxl.load_workbook(ws.master_path, read_only=True)["Submissions"]
    rows = list(sheet.iter_rows(values_only=True))
    sheet.parent.close()
    shown = {r[rows[1].index("File name")]: (r[rows[1].index("Approved")] or "", r[rows[1].index("Held (round approved)")] or "")
             for r in rows[2:]}
    assert shown == {"first.xlsx": ("ใช่ / yes", ""), "second.xlsx": ("", "ใช่ / yes"), "third.xlsx": ("", "ใช่ / yes")}
    with Ledger(ws.ledger_path) as ledger:
        subs = {s.original_name: s for s in ledger.submissions()}
        assert subs["second.xlsx"].held and subs["third.xlsx"].held
        assert subs["second.xlsx"].outcome == "accepted" and subs["first.xlsx"].superseded_by is None
        assert [s.original_name for s in held(ledger, AGENCY, R)] == ["second.xlsx", "third.xlsx"]
        assert [s.original_name for s in ledger.current()] == ["first.xlsx"]
        released = withdraw(ledger, AGENCY, R, by="สมหญิง")
        assert [s.original_name for s in released.released] == ["second.xlsx", "third.xlsx"]
        assert released.submission.original_name == "third.xlsx"
        subs = {s.original_name: s for s in ledger.submissions()}
        assert subs["first.xlsx"].superseded_by == subs["second.xlsx"].id
        assert subs["second.xlsx"].superseded_by == subs["third.xlsx"].id
        assert not held(ledger, AGENCY, R) and approvals(ledger) == {}
    merge_workspace(ws, ref)
    assert _project_remarks(ws) == ["ฉบับที่สาม"]


def test_rejected_resubmission_of_an_approved_round_is_recorded_not_held(ws, ref, tmp_path):
    collect(ws, [make_return(tmp_path, "ok.xlsx")], ref, ws.catalogue())
    with Ledger(ws.ledger_path) as ledger:
        approve(ledger, AGENCY, R)
    bad = make_return(tmp_path, "bad.xlsx", edit=lambda b, c: set_cell(b, c, ("progress", f"{PROJECT}#3", "progress_pct"), 150))
    [res] = collect(ws, [bad], ref, ws.catalogue())
    assert res.submission.outcome == "rejected" and not res.submission.held
    with Ledger(ws.ledger_path) as ledger:
        assert [s.original_name for s in ledger.current()] == ["ok.xlsx"]


def test_approve_and_withdraw_refuse_with_a_reason(ws, ref, tmp_path):
    bad = make_return(tmp_path, "bad.xlsx", edit=lambda b, c: set_cell(b, c, ("progress", f"{PROJECT}#3", "progress_pct"), 150))
    collect(ws, [bad], ref, ws.catalogue())
    with Ledger(ws.ledger_path) as ledger:
        with pytest.raises(ToolkitError) as nothing:
            approve(ledger, AGENCY, R)
        assert nothing.value.code == "approval.nothing-accepted"
        with pytest.raises(ToolkitError) as not_approved:
            withdraw(ledger, AGENCY, R)
        assert not_approved.value.code == "approval.not-approved"


_V1_SUBMISSIONS = """
CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO ledger_meta VALUES ('version', '1');
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, original_name TEXT NOT NULL, archived_path TEXT NOT NULL,
    received_at TEXT NOT NULL, agency TEXT NOT NULL DEFAULT '', round TEXT NOT NULL DEFAULT '',
    template_id TEXT NOT NULL DEFAULT '', schema_version INTEGER,
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'accepted_with_warnings', 'rejected')),
    n_errors INTEGER NOT NULL, n_warnings INTEGER NOT NULL, superseded_by INTEGER REFERENCES submissions(id));
INSERT INTO submissions VALUES (1, 'abc', 'old.xlsx', 'archive/ab/abc.xlsx', '2021-04-01T00:00:00+00:00', '2100',
    '2564-Q2', 't', 2, 'accepted', 0, 0, NULL);
"""


def test_a_version_1_ledger_is_migrated_in_place(tmp_path):
    path = tmp_path / "ledger.sqlite"
    db = sqlite3.connect(path)
    db.executescript(_V1_SUBMISSIONS)
    db.close()
    with Ledger(path) as ledger:
        [old] = ledger.submissions()
        assert old.original_name == "old.xlsx" and old.held == 0
        assert ledger.db.execute("SELECT value FROM ledger_meta WHERE key='version'").fetchone()[0] == str(LEDGER_VERSION)
        assert approve(ledger, "2100", "2564-Q2").changed
    with Ledger(path) as again:  # opening a migrated ledger is a no-op
        assert again.approval("2100", "2564-Q2")["submission_id"] == 1
