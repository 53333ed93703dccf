"""Outliers across returns: robust z-scores against peers in the same round and against the agency's
own earlier rounds, ranked by how far out they are, with the bounds used, in the master's Flags."""

import copy

import openpyxl
import pytest

from schemas import PROGRESS, PROJECTS
from schemas.rules import RULES
from tests.builders import BIG_PROJECTS, big_answers, big_catalogue, make_return, set_cell
from toolkit.calendar import Round
from toolkit.collect import collect
from toolkit.config import Settings
from toolkit.merge.run import merge_workspace
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.validate.outliers import find_outliers, robust_spread
from toolkit.workspace import Workspace

SETTINGS = Settings()


def test_robust_spread_is_median_and_mad():
    spread = robust_spread([10, 11, 12, 13, 1000])
    assert spread.median == 12 and spread.scale == pytest.approx(1 / 0.6745) and spread.n == 5
    assert spread.z(1000) > 600 and abs(spread.z(13)) < 1  # the outlier does not pull the median
    bunched = robust_spread([5, 5, 5, 5, 9])  # MAD 0: the mean absolute deviation stands in
    assert bunched.scale == pytest.approx(1.253314 * 0.8)
    assert robust_spread([7, 7, 7]).scale == 0 and robust_spread([]) is None


def _project_rows(shares, round_text="2564-Q2", submission=1):
    """Consolidated rows as the merge builds them: projects with budgets and their progress reports."""
    sheets = {"projects": [], "progress": [], "kpis": []}
    for i, share in enumerate(shares):
        code, budget = f"21000000-{i + 1:04d}", 100000.0
        common = {"round": round_text, "agency": "2100", "agency_name": "สยป.", "source_file": "r.xlsx",
                  "submission": submission, "project_code": code}
        sheets["projects"].append({**common, "excel_row": 4 + i, "budget_received": budget})
        sheets["progress"].append({**common, "excel_row": 20 + i, "report_no": 4.0, "progress_pct": 40.0,
                                   "disbursed": budget * share / 100})
    return sheets


def test_peer_outliers_ranked_by_distance_with_their_bounds():
    shares = [30, 31, 29, 30, 32, 28, 30, 31, 29, 70, 95]
    found = find_outliers(_project_rows(shares), SETTINGS)
    assert [(o.finding.rule, o.finding.sheet, o.finding.cell, o.finding.value) for o in found] == [
        ("outlier.peers", PROJECTS.sheet_name, f"K{4 + 10}", "95"),
        ("outlier.peers", PROJECTS.sheet_name, f"K{4 + 9}", "70")]
    top = found[0]
    assert abs(top.z) > abs(found[1].z) > SETTINGS.outlier_z
    assert top.finding.severity == "warning" and RULES["outlier.peers"].severity == "warning"
    assert "z = +" in top.finding.message_en and "usual range" in top.finding.message_en
    lo, hi = top.finding.message_en.split("usual range ")[1].split(",")[0].split(" to ")
    assert float(lo) < 30 < float(hi) < 70  # the bounds used, around the peers' median
    assert "ช่วงปกติ" in top.finding.message_th


def test_too_few_peers_are_not_compared():
    assert find_outliers(_project_rows([30] * (SETTINGS.outlier_min_peers - 1) + [95]), SETTINGS) == []
    assert find_outliers(_project_rows([30] * SETTINGS.outlier_min_peers + [95]), SETTINGS)


def test_a_bunched_sample_does_not_make_a_small_difference_an_outlier():
    assert find_outliers(_project_rows([100] * 10 + [105]), SETTINGS) == []


def _history_rows(amounts_by_round):
    """One project's reports across rounds; each round's return restates the year's earlier reports."""
    rows = []
    for sub, (round_text, amounts) in enumerate(amounts_by_round, start=1):
        for no, amount in enumerate(amounts, start=1):
            rows.append({"round": round_text, "agency": "2100", "agency_name": "สยป.", "source_file": f"{round_text}.xlsx",
                         "submission": sub, "excel_row": 3 + no, "project_code": "21000000-3142",
                         "report_no": float(no), "progress_pct": 8.0 * no, "disbursed": amount})
    return {"progress": rows}


def test_history_outlier_against_the_same_projects_earlier_reports():
    q1 = [36740, 35000, 38000]
    q2 = q1 + [37000, 3674000, 36000]  # report 5: a hundred times the usual, a typo of the decimal point
    q3 = q2 + [39000, 37500, 36500]
    sheets = _history_rows([("2564-Q1", q1), ("2564-Q2", q2), ("2564-Q3", q3)])
    found = find_outliers(sheets, Settings(outlier_min_history=3))
    assert [(o.finding.rule, o.round, o.finding.sheet, o.finding.cell, o.finding.value) for o in found] == [
        ("outlier.history", "2564-Q2", PROGRESS.sheet_name, f"F{3 + 5}", "3,674,000")]
    assert "earlier rounds" in found[0].finding.message_en and "of 3 reports" in found[0].finding.message_en
    # with the default minimum of four earlier reports, Q2 has too little history to judge
    assert find_outliers(sheets, SETTINGS) == []


def test_progress_gain_far_from_the_projects_own_pace():
    rows = _history_rows([("2564-Q2", [1000] * 6), ("2564-Q3", [1000] * 9)])["progress"]
    for r in rows:
        r["progress_pct"] = 5.0 * r["report_no"]
        if r["round"] == "2564-Q3" and r["report_no"] >= 8:
            r["progress_pct"] += 60.0  # a jump of 65 points in report 8 after 5 a month
    found = find_outliers({"progress": rows}, SETTINGS)
    assert [(o.finding.rule, o.round, o.finding.cell, o.finding.value) for o in found] == [
        ("outlier.history", "2564-Q3", f"E{3 + 8}", "65")]


def _skewed(book, cells):
    """Project 10 disburses 95 % of its budget and project 5 70 %, where the others are at 30 %."""
    for code, total in ((BIG_PROJECTS[9], 950000), (BIG_PROJECTS[4], 350000)):
        for n in range(1, 7):
            set_cell(book, cells, ("progress", f"{code}#{n}", "disbursed"), total / 6)
        set_cell(book, cells, ("projects", code, "budget_used"), total)
        located[code] = cells[("projects", code, "budget_used")]


located = {}


def test_outliers_reach_the_masters_flags_farthest_first(tmp_path, ref):
    ws = Workspace.create(tmp_path / "ws")
    write_catalogue(big_catalogue(), ws.catalogue_path)
    make_return(ws.inbox, "2564-Q2_2100.xlsx", answers=big_answers(), cat=big_catalogue(), edit=_skewed,
                rnd=Round.parse("2564-Q2"))
    [result] = collect(ws, None, ref, ws.catalogue())
    assert result.report.accepted and result.report.findings == []
    merge_workspace(ws, ref)
    book = openpyxl.load_workbook(ws.master_path, read_only=True)
    try:
        rows = list(book["Flags"].iter_rows(values_only=True))
    finally:
        book.close()
    flags = [dict(zip(rows[1], r)) for r in rows[2:]]
    outliers = [(f["Rule"], f["Sheet"], f["Cell"], f["Raw value"]) for f in flags if f["Rule"].startswith("outlier.")]
    assert outliers == [("outlier.peers", *located[BIG_PROJECTS[9]], "95"),
                        ("outlier.peers", *located[BIG_PROJECTS[4]], "70")]
    links = [f["Go to row"] for f in flags if f["Rule"] == "outlier.peers"]
    assert all(link and "Projects" in link for link in links), links  # each links to its consolidated row
    again = copy.deepcopy(flags)
    merge_workspace(ws, ref)  # stable flag ids: a re-merge gives the same flags
    book = openpyxl.load_workbook(ws.master_path, read_only=True)
    try:
        rows = list(book["Flags"].iter_rows(values_only=True))
    finally:
        book.close()
    assert [dict(zip(rows[1], r)) for r in rows[2:]] == again
