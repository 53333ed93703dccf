"""The acceptance test of the validator: a return with 50 planted problems of different kinds, made
by editing a generated and filled return as a person would, yields exactly those 50 issues, each
with the right rule at the right sheet and cell; the same return without them yields none."""

import re
from collections import Counter

import pytest

from schemas.rules import RULES
from tests.builders import BIG_PROJECTS, big_answers, big_catalogue, make_return, set_cell
from toolkit.validate.run import validate_file

P = {i: code for i, code in enumerate(BIG_PROJECTS, start=1)}
K = {i: f"2100-000{i}" for i in range(1, 6)}
ANSWERS = big_answers()


def _disbursed(i: int) -> int:
    return int(ANSWERS["progress"][f"{P[i]}#1"]["disbursed"])


def cell(key, rid, col, value):
    """One edit of one cell."""
    return lambda b, c: set_cell(b, c, (key, rid, col), value)


def edits(*fns):
    return lambda b, c: [fn(b, c) for fn in fns]


def copy_narrative(i, source, target):
    def edit(b, c):
        sheet, address = c[("progress", f"{P[i]}#{source}", "narrative")]
        set_cell(b, c, ("progress", f"{P[i]}#{target}", "narrative"), b[sheet][address].value)
    return edit


def clear_report(i, n):
    return edits(*(cell("progress", f"{P[i]}#{n}", col, None) for col in (
        "report_date", "narrative", "progress_pct", "disbursed", "schedule_status", "target_status", "problems",
        "obstacles")))


EXTRA = {}


def extra_report_for_unknown_project(b, c):
    """A report typed into the first blank row, for a project the agency does not have."""
    sheet = c[("progress", f"{P[1]}#1", "report_no")][0]
    last = max(int(re.sub(r"\D", "", address)) for (key, _, _), (_, address) in c.items() if key == "progress")
    ws, row = b[sheet], last + 1
    ws.cell(row, 1).value, ws.cell(row, 2).value = "21000000-9999", 7
    ws.cell(row, 3).value, ws.cell(row, 4).value, ws.cell(row, 5).value = "30/3/2564", "รายงานเพิ่มเติม", 65
    EXTRA["at"] = (sheet, f"B{row}")


# (rule, where the issue must be reported: (sheet key, row id, column) or "extra", the person's edit)
PLANTS = [
    # -- progress reports --------------------------------------------------------------------------
    ("value.percent-range", ("progress", f"{P[1]}#1", "progress_pct"), cell("progress", f"{P[1]}#1", "progress_pct", -5)),
    ("value.money-negative", ("progress", f"{P[1]}#2", "disbursed"),
     edits(cell("progress", f"{P[1]}#2", "disbursed", -_disbursed(1)),
           cell("projects", P[1], "budget_used", 4 * _disbursed(1)))),
    ("progress.delay-without-problem", ("progress", f"{P[1]}#5", "problems"),
     edits(cell("progress", f"{P[1]}#5", "schedule_status", "ล่าช้า"), cell("progress", f"{P[1]}#5", "problems", "-"))),
    ("value.unreadable", ("progress", f"{P[2]}#3", "progress_pct"), cell("progress", f"{P[2]}#3", "progress_pct", "สามสิบ")),
    ("value.unreadable", ("progress", f"{P[2]}#4", "report_date"), cell("progress", f"{P[2]}#4", "report_date", "32/13/2563")),
    ("value.status-unknown", ("progress", f"{P[2]}#5", "schedule_status"),
     cell("progress", f"{P[2]}#5", "schedule_status", "ไปได้สวย")),
    ("date.outside-fiscal-year", ("progress", f"{P[3]}#1", "report_date"),
     cell("progress", f"{P[3]}#1", "report_date", "15/9/2563")),
    ("project.budget-used-mismatch", ("projects", P[3], "budget_used"), cell("projects", P[3], "budget_used", 0)),
    ("value.status-unknown", ("progress", f"{P[3]}#4", "target_status"), cell("progress", f"{P[3]}#4", "target_status", "ดีมาก")),
    ("project.overspent", ("projects", P[4], "budget_used"),
     edits(cell("progress", f"{P[4]}#6", "disbursed", 500000), cell("projects", P[4], "budget_used", 5 * _disbursed(4) + 500000))),
    ("progress.decreasing", ("progress", f"{P[4]}#4", "progress_pct"), cell("progress", f"{P[4]}#4", "progress_pct", 20)),
    ("value.status-unknown", ("progress", f"{P[4]}#2", "schedule_status"),
     cell("progress", f"{P[4]}#2", "schedule_status", "เสร็จไว")),
    ("progress.copied-narrative", ("progress", f"{P[4]}#6", "narrative"), copy_narrative(4, 5, 6)),
    ("progress.dates-out-of-order", ("progress", f"{P[5]}#5", "report_date"),
     cell("progress", f"{P[5]}#5", "report_date", "1/11/2563")),
    ("progress.report-missing", ("progress", f"{P[5]}#6", "report_date"),
     edits(clear_report(5, 6), cell("projects", P[5], "budget_used", 5 * _disbursed(5)))),
    ("progress.complete-status-mismatch", ("progress", f"{P[6]}#6", "progress_pct"),
     cell("projects", P[6], "project_status", "ดำเนินการแล้วเสร็จ")),
    ("progress.disbursed-at-zero", ("progress", f"{P[6]}#1", "disbursed"), cell("progress", f"{P[6]}#1", "progress_pct", 0)),
    ("value.unreadable", ("projects", P[6], "budget_used"), cell("projects", P[6], "budget_used", "สามหมื่น")),
    ("progress.delay-without-problem", ("progress", f"{P[7]}#2", "problems"),
     edits(cell("progress", f"{P[7]}#2", "schedule_status", "ล่าช้ากว่าแผน"), cell("progress", f"{P[7]}#2", "problems", None))),
    ("progress.behind-while-on-plan", ("progress", f"{P[7]}#6", "progress_pct"),
     edits(cell("progress", f"{P[7]}#6", "report_date", "15/8/2564"), cell("progress", f"{P[7]}#6", "progress_pct", 55))),
    ("value.status-unknown", ("projects", P[7], "project_status"), cell("projects", P[7], "project_status", "ลุยต่อ")),
    ("progress.zero-late-on-plan", ("progress", f"{P[8]}#6", "progress_pct"),
     edits(*(cell("progress", f"{P[8]}#{n}", "progress_pct", None) for n in range(1, 6)),
           cell("progress", f"{P[8]}#6", "progress_pct", 0), cell("progress", f"{P[8]}#6", "report_date", "5/4/2564"),
           cell("progress", f"{P[8]}#6", "disbursed", None), cell("projects", P[8], "budget_used", 5 * _disbursed(8)))),
    ("ref.unknown-district", ("progress", f"{P[8]}#3", "problems"),
     cell("progress", f"{P[8]}#3", "problems", "รอข้อมูลจากสำนักงานเขตบางกระปิ")),
    ("date.outside-fiscal-year", ("progress", f"{P[9]}#1", "report_date"),
     cell("progress", f"{P[9]}#1", "report_date", "30/9/2563")),
    ("progress.copied-narrative", ("progress", f"{P[9]}#3", "narrative"), copy_narrative(9, 2, 3)),
    ("kpi.project-complete-kpi-unmet", ("kpis", K[4], "achieved"),
     edits(cell("progress", f"{P[9]}#6", "progress_pct", 100), cell("projects", P[9], "project_status", "แล้วเสร็จ"))),
    ("identity.prefilled-changed", ("projects", P[10], "budget_received"), cell("projects", P[10], "budget_received", 999999)),
    ("ref.unknown-district", ("progress", f"{P[10]}#2", "narrative"),
     cell("progress", f"{P[10]}#2", "narrative", "ประชุมร่วมกับสำนักงานเขตปทุมธานี")),
    ("ref.group-variant", ("progress", f"{P[10]}#3", "narrative"),
     cell("progress", f"{P[10]}#3", "narrative", "กลุ่มกรุงเทพมหานครใต้ ร่วมใจปลูกป่าชายเลน")),
    ("narrative.count-percent-mismatch", ("progress", f"{P[10]}#4", "narrative"),
     cell("progress", f"{P[10]}#4", "narrative", "บรรจุในแผน จำนวน 40 สำนักงานเขต คิดเป็นร้อยละ 70")),
    ("progress.dates-out-of-order", ("progress", f"{P[10]}#6", "report_date"),
     cell("progress", f"{P[10]}#6", "report_date", "1/12/2563")),
    ("identity.unknown-item", "extra", extra_report_for_unknown_project),
    # -- projects ----------------------------------------------------------------------------------
    ("ref.unknown-district", ("projects", P[2], "remarks"), cell("projects", P[2], "remarks", "ประสานสำนักงานเขตปทุมธานี")),
    ("identity.prefilled-changed", ("projects", P[1], "name"), cell("projects", P[1], "name", "โครงการใหม่")),
    # -- plan steps --------------------------------------------------------------------------------
    ("value.percent-range", ("plan_steps", f"{P[1]}#1", "step_progress_pct"),
     cell("plan_steps", f"{P[1]}#1", "step_progress_pct", 120)),
    ("value.unreadable", ("plan_steps", f"{P[2]}#2", "actual_end"), cell("plan_steps", f"{P[2]}#2", "actual_end", "พรุ่งนี้")),
    ("value.percent-range", ("plan_steps", f"{P[3]}#2", "step_progress_pct"),
     cell("plan_steps", f"{P[3]}#2", "step_progress_pct", -1)),
    ("identity.prefilled-changed", ("plan_steps", f"{P[10]}#1", "description"),
     cell("plan_steps", f"{P[10]}#1", "description", "แก้ไขขั้นตอน")),
    ("value.unreadable", ("plan_steps", f"{P[4]}#1", "step_progress_pct"),
     cell("plan_steps", f"{P[4]}#1", "step_progress_pct", "ครึ่งหนึ่ง")),
    # -- KPIs and their quarters -------------------------------------------------------------------
    ("kpi.level-range", ("kpi_quarters", f"{K[1]}#1", "result"), cell("kpi_quarters", f"{K[1]}#1", "result", 15)),
    ("kpi.level-range", ("kpi_quarters", f"{K[5]}#1", "result"), cell("kpi_quarters", f"{K[5]}#1", "result", 0)),
    ("kpi.percent-range", ("kpi_quarters", f"{K[3]}#1", "result"), cell("kpi_quarters", f"{K[3]}#1", "result", 120)),
    ("kpi.achieved-magnitude", ("kpis", K[2], "achieved"),
     edits(cell("kpis", K[2], "achieved", 70), cell("kpi_quarters", f"{K[2]}#2", "result", 70))),
    ("kpi.achieved-vs-quarters", ("kpis", K[4], "achieved"), cell("kpis", K[4], "achieved", 9)),
    ("kpi.score-mismatch", ("kpi_quarters", f"{K[4]}#2", "score"),
     edits(cell("kpi_quarters", f"{K[4]}#1", "result", 10), cell("kpi_quarters", f"{K[4]}#2", "score", "0 / 0"))),
    ("value.unreadable", ("kpis", K[1], "achieved"), cell("kpis", K[1], "achieved", "สองระดับ")),
    ("narrative.count-percent-mismatch", ("kpis", K[2], "summary"),
     cell("kpis", K[2], "summary", "จัดทำรายงาน 5 เล่ม จาก 10 เล่ม คิดเป็นร้อยละ 80")),
    ("value.unreadable", ("kpi_quarters", f"{K[2]}#1", "result"), cell("kpi_quarters", f"{K[2]}#1", "result", "สอง")),
    ("ref.unknown-district", ("kpi_quarters", f"{K[1]}#2", "narrative"),
     cell("kpi_quarters", f"{K[1]}#2", "narrative", "ร่วมกับสำนักงานเขตบางกระปิ")),
    ("narrative.count-percent-mismatch", ("kpis", K[4], "factors"),
     cell("kpis", K[4], "factors", "จัดตั้งเครือข่ายได้ 16 สำนักงานเขต (ร้อยละ 50)")),
]


@pytest.fixture(scope="module")
def planted(tmp_path_factory, ref):
    where = []

    def person(book, cells):
        for rule, at, edit in PLANTS:  # locate before editing: nothing the edits do moves a cell
            where.append((rule, *(cells[at] if at != "extra" else (None, None))))
        for _, _, edit in PLANTS:
            edit(book, cells)
        where[:] = [(rule, *EXTRA["at"]) if sheet is None else (rule, sheet, address) for rule, sheet, address in where]

    cat = big_catalogue()
    path = make_return(tmp_path_factory.mktemp("planted"), answers=big_answers(), cat=cat, edit=person)
    return where, validate_file(path, ref, catalogue=cat).report


def test_fifty_problems_of_many_kinds_are_planted():
    assert len(PLANTS) == 50
    kinds = Counter(rule for rule, _, _ in PLANTS)
    assert len(kinds) >= 25 and max(kinds.values()) <= 7, kinds


def test_every_planted_problem_is_found_at_its_cell_and_nothing_else(planted):
    where, report = planted
    found = [(f.rule, f.sheet, f.cell) for f in report.findings]
    assert len(set(where)) == 50
    missing = [w for w in where if w not in found]
    extra = [f for f in found if f not in where]
    assert missing == [] and extra == [], f"missing {missing}\nextra {extra}"
    assert len(found) == 50  # each once


def test_each_issue_carries_its_severity_value_and_both_messages(planted):
    _, report = planted
    for f in report.findings:
        assert f.severity == RULES[f.rule].severity
        assert f.message_th and f.message_en and any("\u0e00" <= ch <= "\u0e7f" for ch in f.message_th)
    assert not report.accepted and len(report.errors) == sum(RULES[r].severity == "error" for r, _, _ in PLANTS)


def test_the_same_return_without_the_plants_has_no_issue(tmp_path, ref):
    cat = big_catalogue()
    report = validate_file(make_return(tmp_path, answers=big_answers(), cat=cat), ref, catalogue=cat).report
    assert report.findings == [] and report.outcome == "accepted"
