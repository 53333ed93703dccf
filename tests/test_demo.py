"""The whole loop on the bundled sample: the seeds' inconsistencies reach the master's Flags sheet."""

import sqlite3

import openpyxl
import pytest

from toolkit.collect import collect
from toolkit.demo.run import run_demo
from toolkit.merge.run import merge_workspace
from toolkit.reference import load_reference
from toolkit.workspace import Workspace


def _sheet_rows(path, sheet):
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("demo") / "ws", fresh=True)


@pytest.fixture(scope="module")
def flags(demo):
    rows = _sheet_rows(demo.merge.path, "Flags")
    header = rows[1]
    return [dict(zip(header, r)) for r in rows[2:]]


def _flag(flags, rule, agency, sheet_en, cell=None, value=None):
    return [f for f in flags if f["Rule"] == rule and f["Agency code"] == agency and f["Sheet"].endswith(f"({sheet_en})")
            and (cell is None or f["Cell"] == cell) and (value is None or f["Raw value"] == value)]


def test_both_fiscal_years_are_in_the_master(demo):
    names = ["Summary", "Submissions", "Projects", "Progress", "PlanSteps", "KPIs", "KPIResults", "Flags"]
    assert openpyxl.load_workbook(demo.merge.path).sheetnames == names
    rounds = {r[0] for r in _sheet_rows(demo.merge.path, "Projects")[2:] if r[0]}
    assert rounds == {"2563-Q4", "2564-Q4"}
    for name in names[1:]:
        thai, english = [list(r) for r in _sheet_rows(demo.merge.path, name)[:2]]
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in "".join(map(str, thai))), name
        assert english[0] and all(ord(ch) < 128 for ch in english[0]), name


def test_kpi_2100_1037_achieved_70_against_6(flags):
    assert _flag(flags, "kpi.achieved-magnitude", "2100", "KPIs", value="70")


def test_kpi_0100_814_levels_outside_1_to_5(flags):
    hits = _flag(flags, "kpi.level-range", "0100", "KPIQuarters")
    assert sorted(f["Raw value"] for f in hits) == ["15", "20", "20"]
    assert all(f["Severity"] == "error" and f["Cell"].startswith("E") for f in hits)


def test_project_3142_budget_used_zero_while_disbursed(flags):
    hit = _flag(flags, "project.budget-used-mismatch", "2100", "Projects", value="0")
    assert hit and "36,740" in hit[0]["Message (English)"]


def test_pathum_thani_is_no_bangkok_district(flags):
    hit = _flag(flags, "ref.unknown-district", "2100", "Progress", value="สำนักงานเขตปทุมธานี")
    assert hit and hit[0]["Cell"].startswith("D") and "ปทุมวัน" in hit[0]["Message (Thai)"]


def test_project_2462_placeholder_plan_dates(flags):
    hit = _flag(flags, "plan.placeholder-dates", "0100", "PlanSteps")
    assert hit and hit[0]["Raw value"] == "1/10/2563" and hit[0]["Cell"] == "E4"


def test_kpi_results_computed_per_quarter(demo):
    rows = [r for r in demo.merge.data.kpi_results if r["kpi_code"] == "2100-1037"]
    assert [r["result"] for r in rows] == [20, 20, 70, 70]
    assert rows[3]["achievement_pct"] == pytest.approx(1166.67) and rows[3]["status"] == "met"


def test_collect_and_merge_again_change_nothing(demo, flags):
    ws = Workspace.open(demo.workspace)

    def dump():
        db = sqlite3.connect(ws.ledger_path)
        try:
            return [db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in ("submissions", "findings", "data_rows")]
        finally:
            db.close()

    before = dump()
    ref = load_reference()
    results = collect(ws, None, ref, ws.catalogue())
    assert results and {r.status for r in results} == {"duplicate"}
    merge_workspace(ws, ref)
    assert dump() == before
    again = _sheet_rows(ws.master_path, "Flags")
    assert [dict(zip(again[1], r)) for r in again[2:]] == flags


def test_project_2462_complete_while_its_kpi_reached_level_3(flags):
    hit = _flag(flags, "kpi.project-complete-kpi-unmet", "0100", "KPIs", value="3")
    assert hit and "01000000-2462" in hit[0]["Message (English)"]


def test_level_kpi_counting_networks(flags):
    assert _flag(flags, "kpi.unit-method-mismatch", "1001", "KPIs")


def test_district_group_written_inconsistently(flags):
    values = {f["Raw value"] for f in _flag(flags, "ref.group-variant", "2100", "Progress")}
    assert "กลุ่มกรุงเทพมหานครใต้" in values


def test_kpi_2100_1037_quarter_4_scored_0_while_quarter_3_with_the_same_70_scored_100(flags):
    hit = _flag(flags, "kpi.score-mismatch", "2100", "KPIQuarters", value="70")
    assert hit and hit[0]["Cell"] == "F7" and "100 / 100" in hit[0]["Message (English)"]


def test_project_3142_report_9_says_583203_baht_spent_while_the_column_has_36740(flags):
    hit = _flag(flags, "narrative.spent-above-disbursed", "2100", "Progress", value="583,203")
    assert hit and "36,740" in hit[0]["Message (English)"]


def test_project_3142_transferred_3267440_of_the_3304180_received(flags):
    hit = _flag(flags, "narrative.budget-differs", "2100", "Progress", value="3,267,440")
    assert hit and "3,304,180" in hit[0]["Message (English)"]


def _ledger_items(demo, rule):
    db = sqlite3.connect(demo.workspace / "ledger.sqlite")
    try:
        return [r[0] for r in db.execute("SELECT item FROM findings WHERE rule = ?", (rule,))]
    finally:
        db.close()


def test_what_the_seeds_get_right_is_not_flagged(demo, flags):
    # 3142's counts and percents (40 districts = 80 %, 1,182 of 2,068 communities = 57.16 %) agree
    assert not _flag(flags, "narrative.count-percent-mismatch", "2100", "Progress")
    # 2462's placeholder steps still weigh 100 in all
    assert not _flag(flags, "plan.weights-sum", "0100", "PlanSteps")
    # 3215 and 2462 report progress that never decreases
    assert not [i for i in _ledger_items(demo, "progress.decreasing") if i.startswith(("21000000-3215", "01000000-2462"))]
    # 3142 ends 2020-09-29, inside its fiscal year: no date finding about it
    dated = [i for rule in ("plan.outside-project", "date.outside-fiscal-year") for i in _ledger_items(demo, rule)]
    assert not [i for i in dated if i.startswith("21000000-3142")]


def test_seed_values_far_from_their_peers_are_ranked_outliers(flags):
    # 2100-1037 achieved 70 of 6 (1,167 % of target) and 3142 disbursed 1 % of its budget, where peers are near 100 %
    kpi = _flag(flags, "outlier.peers", "2100", "KPIs", cell="H4")
    share = _flag(flags, "outlier.peers", "2100", "Projects", cell="K4")
    assert kpi and share and "usual range" in kpi[0]["Message (English)"]
    outliers = [f for f in flags if f["Rule"] == "outlier.peers" and f["Round"] == "2563-Q4" and f["Agency code"] == "2100"]
    z = [abs(float(f["Message (English)"].split("z = ")[1].split(";")[0])) for f in outliers]
    assert z == sorted(z, reverse=True)  # farthest out first
