"""Every rule: a return that breaks it (built through the generator, then edited as a person would)
is reported at the right cell, and the clean return reports nothing."""

from dataclasses import replace
from datetime import date, datetime

import pytest

from schemas.rules import RULES
from tests.builders import COUNT_KPI, LEVEL_KPI, PROJECT, make_return, set_cell, small_catalogue
from toolkit.layout import META_SHEET
from toolkit.validate.run import validate_file

P = PROJECT


def _meta(book, key, value):
    ws = book[META_SHEET]
    for row in ws.iter_rows():
        if row[0].value == key:
            row[1].value = value


def _catalogue(**changes):
    """The small catalogue with its project's steps or KPIs changed."""
    cat = small_catalogue()
    project = cat.projects[P]
    if "weights" in changes:
        for step, w in zip(project.steps, changes["weights"]):
            step.weight_pct = w
    if "step_dates" in changes:
        for step in project.steps:
            step.planned_start, step.planned_end = changes["step_dates"]
    if "count_unit" in changes:
        cat.kpis[COUNT_KPI] = replace(cat.kpis[COUNT_KPI], unit=changes["count_unit"], target=80)
    if "unit" in changes:
        project.responsible_unit = changes["unit"]
    if "level_method" in changes:
        cat.kpis[LEVEL_KPI] = replace(cat.kpis[LEVEL_KPI], calc_method=changes["level_method"])
    return cat


def _copy_narrative(book, cells):
    sheet, source = cells[("progress", f"{P}#2", "narrative")]
    set_cell(book, cells, ("progress", f"{P}#3", "narrative"), book[sheet][source].value)


def _clear_report(book, cells):
    for col in ("report_date", "narrative", "progress_pct", "disbursed", "schedule_status", "target_status",
                "problems", "obstacles"):
        set_cell(book, cells, ("progress", f"{P}#6", col), None)


def _delete_row(book, cells):
    sheet, address = cells[("progress", f"{P}#6", "report_no")]
    book[sheet].delete_rows(int(address[1:]))


def _insert_column(book, cells):
    book["ความก้าวหน้า (Progress)"].insert_cols(1)


def _delete_header(book, cells):
    ws = book["ความก้าวหน้า (Progress)"]
    ws["I2"].value = None
    ws["I3"].value = None


# (case id, edit, catalogue, rule, where: (sheet key, row id, column) or None)
CASES = [
    ("percent", lambda b, c: set_cell(b, c, ("progress", f"{P}#3", "progress_pct"), 150), None,
     "value.percent-range", ("progress", f"{P}#3", "progress_pct")),
    ("money", lambda b, c: set_cell(b, c, ("progress", f"{P}#2", "disbursed"), -5), None,
     "value.money-negative", ("progress", f"{P}#2", "disbursed")),
    ("unreadable", lambda b, c: set_cell(b, c, ("progress", f"{P}#3", "progress_pct"), "สามสิบ"), None,
     "value.unreadable", ("progress", f"{P}#3", "progress_pct")),
    ("status", lambda b, c: set_cell(b, c, ("progress", f"{P}#3", "schedule_status"), "ไปได้สวย"), None,
     "value.status-unknown", ("progress", f"{P}#3", "schedule_status")),
    ("fiscal-year", lambda b, c: set_cell(b, c, ("progress", f"{P}#6", "report_date"), "1/1/2566"), None,
     "date.outside-fiscal-year", ("progress", f"{P}#6", "report_date")),
    ("budget-used", lambda b, c: set_cell(b, c, ("projects", P, "budget_used"), 0), None,
     "project.budget-used-mismatch", ("projects", P, "budget_used")),
    ("overspent", lambda b, c: set_cell(b, c, ("progress", f"{P}#6", "disbursed"), 200000), None,
     "project.overspent", ("projects", P, "budget_used")),
    ("decreasing", lambda b, c: set_cell(b, c, ("progress", f"{P}#4", "progress_pct"), 20), None,
     "progress.decreasing", ("progress", f"{P}#4", "progress_pct")),
    ("dates-order", lambda b, c: set_cell(b, c, ("progress", f"{P}#5", "report_date"), datetime(2020, 11, 1)), None,
     "progress.dates-out-of-order", ("progress", f"{P}#5", "report_date")),
    ("report-missing", _clear_report, None, "progress.report-missing", ("progress", f"{P}#6", "report_date")),
    ("complete-status", lambda b, c: set_cell(b, c, ("projects", P, "project_status"), "ดำเนินการแล้วเสร็จ"), None,
     "progress.complete-status-mismatch", ("progress", f"{P}#6", "progress_pct")),
    ("disbursed-at-zero", lambda b, c: set_cell(b, c, ("progress", f"{P}#1", "progress_pct"), 0), None,
     "progress.disbursed-at-zero", ("progress", f"{P}#1", "disbursed")),
    ("delay-no-problem", lambda b, c: (set_cell(b, c, ("progress", f"{P}#2", "schedule_status"), "ล่าช้ากว่าแผน"),
                                        set_cell(b, c, ("progress", f"{P}#2", "problems"), None)), None,
     "progress.delay-without-problem", ("progress", f"{P}#2", "problems")),
    ("behind-on-plan", lambda b, c: (set_cell(b, c, ("progress", f"{P}#1", "progress_pct"), 5),
                                      set_cell(b, c, ("progress", f"{P}#1", "report_date"), "31/12/2563")), None,
     "progress.behind-while-on-plan", ("progress", f"{P}#1", "progress_pct")),
    ("zero-late", lambda b, c: (set_cell(b, c, ("progress", f"{P}#6", "progress_pct"), 0),
                                set_cell(b, c, ("progress", f"{P}#6", "report_date"), "5/4/2564")), None,
     "progress.zero-late-on-plan", ("progress", f"{P}#6", "progress_pct")),
    ("complete-kpi-unmet", lambda b, c: set_cell(b, c, ("progress", f"{P}#6", "progress_pct"), 100), None,
     "kpi.project-complete-kpi-unmet", ("kpis", LEVEL_KPI, "achieved")),
    ("copied", _copy_narrative, None, "progress.copied-narrative", ("progress", f"{P}#3", "narrative")),
    ("weights", None, _catalogue(weights=[40, 50]), "plan.weights-sum", ("plan_steps", f"{P}#1", "weight_pct")),
    ("placeholder", None, _catalogue(step_dates=(date(2020, 10, 1), date(2020, 10, 1))), "plan.placeholder-dates",
     ("plan_steps", f"{P}#1", "planned_start")),
    ("outside-project", None, _catalogue(step_dates=(date(2020, 10, 1), date(2021, 12, 31))), "plan.outside-project",
     ("plan_steps", f"{P}#1", "planned_end")),
    ("level", lambda b, c: set_cell(b, c, ("kpi_quarters", f"{LEVEL_KPI}#1", "result"), 15), None,
     "kpi.level-range", ("kpi_quarters", f"{LEVEL_KPI}#1", "result")),
    ("percent-kpi", lambda b, c: set_cell(b, c, ("kpi_quarters", f"{COUNT_KPI}#2", "result"), 120),
     _catalogue(count_unit="percent"), "kpi.percent-range", ("kpi_quarters", f"{COUNT_KPI}#2", "result")),
    ("magnitude", lambda b, c: set_cell(b, c, ("kpis", COUNT_KPI, "achieved"), 70), None,
     "kpi.achieved-magnitude", ("kpis", COUNT_KPI, "achieved")),
    ("vs-quarters", lambda b, c: set_cell(b, c, ("kpis", COUNT_KPI, "achieved"), 4), None,
     "kpi.achieved-vs-quarters", ("kpis", COUNT_KPI, "achieved")),
    ("score", lambda b, c: (set_cell(b, c, ("kpi_quarters", f"{COUNT_KPI}#1", "result"), 5),
                            set_cell(b, c, ("kpi_quarters", f"{COUNT_KPI}#2", "score"), "0 / 0")), None,
     "kpi.score-mismatch", ("kpi_quarters", f"{COUNT_KPI}#2", "score")),
    ("unit-method", None, _catalogue(level_method="นับจำนวนเครือข่ายที่จัดตั้ง"), "kpi.unit-method-mismatch",
     ("kpis", LEVEL_KPI, "unit")),
    ("district", lambda b, c: set_cell(b, c, ("progress", f"{P}#2", "narrative"),
                                       "ประชุมร่วมกับสำนักงานเขตดินแดง และสำนักงานเขตปทุมธานี"), None,
     "ref.unknown-district", ("progress", f"{P}#2", "narrative")),
    ("group", lambda b, c: set_cell(b, c, ("progress", f"{P}#2", "narrative"),
                                    "กลุ่มกรุงเทพมหานครใต้ ร่วมใจปลูกป่าชายเลน"), None,
     "ref.group-variant", ("progress", f"{P}#2", "narrative")),
    ("count-percent", lambda b, c: set_cell(b, c, ("progress", f"{P}#2", "narrative"),
                                            "บรรจุในแผน จำนวน 40 สำนักงานเขต คิดเป็นร้อยละ 70"), None,
     "narrative.count-percent-mismatch", ("progress", f"{P}#2", "narrative")),
    ("department", None, _catalogue(unit="สำนักยุทธศาสตร์และการประเมินผล / กองยุทธศาสตร์บริหารจัดการ"),
     "ref.unknown-department", ("projects", P, "responsible_unit")),
    ("spent-in-narrative", lambda b, c: set_cell(b, c, ("progress", f"{P}#3", "narrative"),
                                                 "เบิกจ่ายงบประมาณแล้ว จำนวนเงิน 50,000 บาท"), None,
     "narrative.spent-above-disbursed", ("progress", f"{P}#3", "narrative")),
    ("budget-in-narrative", lambda b, c: set_cell(b, c, ("progress", f"{P}#2", "narrative"),
                                                  "ได้รับจัดสรรงบประมาณ 80,000 บาท"), None,
     "narrative.budget-differs", ("progress", f"{P}#2", "narrative")),
    ("prefilled", lambda b, c: set_cell(b, c, ("projects", P, "budget_received"), 999999), None,
     "identity.prefilled-changed", ("projects", P, "budget_received")),
    ("missing-item", _delete_row, None, "identity.missing-item", None),
    ("unknown-item", lambda b, c: set_cell(b, c, ("progress", f"{P}#6", "project_code"), "21000000-9999"), None,
     "identity.unknown-item", ("progress", f"{P}#6", "report_no")),
    ("duplicate", lambda b, c: set_cell(b, c, ("progress", f"{P}#2", "report_no"), 1), None,
     "identity.duplicate-item", ("progress", f"{P}#2", "report_no")),
    ("whole-number", lambda b, c: set_cell(b, c, ("progress", f"{P}#2", "report_no"), 0), None,
     "value.whole-number", ("progress", f"{P}#2", "report_no")),
    ("required", lambda b, c: set_cell(b, c, ("progress", f"{P}#2", "report_no"), None), None,
     "value.required", ("progress", f"{P}#2", "report_no")),
    ("code-format", lambda b, c: set_cell(b, c, ("progress", f"{P}#2", "project_code"), "2100-01"), None,
     "id.project-code-format", ("progress", f"{P}#2", "project_code")),
    ("kpi-code-format", lambda b, c: set_cell(b, c, ("kpi_quarters", f"{LEVEL_KPI}#1", "kpi_code"), "K1"), None,
     "id.kpi-code-format", ("kpi_quarters", f"{LEVEL_KPI}#1", "kpi_code")),
    ("tampered", lambda b, c: _meta(b, "prefill_checksum", "0" * 64), None, "template.metadata-tampered", None),
    ("old-version", lambda b, c: _meta(b, "schema_version", "1"), None, "template.old-version", None),
    ("no-metadata", lambda b, c: b.remove(b[META_SHEET]), None, "template.no-metadata", None),
    ("unknown-agency", lambda b, c: _meta(b, "agency_code", "9999"), None, "identity.unknown-agency", None),
    ("wrong-round", lambda b, c: _meta(b, "round", "2564-Q9"), None, "identity.wrong-round", None),
    ("round-edited", lambda b, c: _meta(b, "round", "2564-Q3"), None, "template.metadata-tampered", None),
    ("renamed", lambda b, c: setattr(b["ความก้าวหน้า (Progress)"], "title", "รายงาน"), None, "sheet.renamed", None),
    ("sheet-missing", lambda b, c: b.remove(b["ตัวชี้วัด (KPIs)"]), None, "sheet.missing", None),
    ("column-moved", _insert_column, None, "column.moved", None),
    ("column-missing", _delete_header, None, "column.missing", None),
]


#: rules that need more than one return, each tested in its own file
ELSEWHERE = {
    "progress.below-previous-round",  # tests/validate/test_history.py (an earlier round in the ledger)
    "outlier.peers", "outlier.history",  # tests/validate/test_outliers.py (computed by the merge over many returns)
    "identity.filename-mismatch",  # tests/validate/test_filename.py (the name a file arrives under)
}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rule_breaks_and_is_located(case, tmp_path, ref):
    name, edit, cat, rule, where = case
    cat = cat or small_catalogue()
    located = {}

    def person_edits(book, cells):
        if where is not None:
            located["at"] = cells[where]  # (sheet name, cell) before the edit moves anything
        if edit:
            edit(book, cells)

    path = make_return(tmp_path, edit=person_edits, cat=cat)
    report = validate_file(path, ref, catalogue=cat).report
    hits = [f for f in report.findings if f.rule == rule]
    assert hits, f"{rule} not found in {report.flatten()}"
    assert hits[0].severity == RULES[rule].severity
    if where is not None:
        assert located["at"] in [(f.sheet, f.cell) for f in hits], (located["at"], report.flatten())
    assert report.accepted == (not any(f.severity == "error" for f in report.findings))


def test_every_rule_has_a_case():
    covered = {c[3] for c in CASES} | {"file.unreadable"} | {r for r in RULES if r.startswith("intake.")}  # intake rules: tests/read/test_preflight.py
    covered |= ELSEWHERE
    assert covered == set(RULES)


def test_clean_return_has_no_issue(tmp_path, ref):
    path = make_return(tmp_path)
    report = validate_file(path, ref, catalogue=small_catalogue()).report
    assert report.findings == [] and report.accepted and report.outcome == "accepted"


def test_clean_return_with_thai_text_dates(tmp_path, ref):
    report = validate_file(make_return(tmp_path, text_dates=True), ref).report
    assert report.findings == []


def test_not_a_workbook_is_one_named_error(tmp_path, ref):
    bad = tmp_path / "return.xlsx"
    bad.write_text("<html><body>not a spreadsheet</body></html>", encoding="utf-8")
    report = validate_file(bad, ref).report
    assert [f.rule for f in report.findings] == ["intake.not-a-workbook"] and not report.accepted


def _extra_report(code):
    def edit(book, cells):
        ws = book["ความก้าวหน้า (Progress)"]
        row = ws.max_row  # the end marker sits after the blank rows
        while ws.cell(row, 1).value is None or str(ws.cell(row, 1).value).startswith("—"):
            row -= 1
        row += 1  # first blank row
        ws.cell(row, 1).value, ws.cell(row, 2).value = code, 7
        ws.cell(row, 3).value, ws.cell(row, 5).value = "30/3/2564", 65
        ws.cell(row, 4).value = "รายงานเพิ่มเติม: ประชุมคณะทำงานเพื่อสรุปผล"
    return edit


def test_extra_report_in_a_blank_row_is_accepted(tmp_path, ref):
    report = validate_file(make_return(tmp_path, edit=_extra_report(P)), ref, catalogue=small_catalogue()).report
    assert report.findings == []


def test_extra_row_for_a_project_not_in_the_catalogue_is_refused(tmp_path, ref):
    report = validate_file(make_return(tmp_path, edit=_extra_report("21000000-7777")), ref).report
    assert [f.rule for f in report.findings] == ["identity.unknown-item"]


@pytest.mark.parametrize("text", [
    "จำนวน 40 สำนักงานเขต คิดเป็นร้อยละ 80",
    "จัดประชุมได้ จำนวน 17 สำนักงานเขต (ร้อยละ 34)",
    "ทบทวนแผนเดิม จำนวน 1,182 ชุมชน จาก 2,068 ชุมชน คิดเป็นร้อยละ 57.16",
    "จำนวน ๔๓ สำนักงานเขต คิดเป็นร้อยละ ๘๖",
])
def test_counts_and_percents_that_agree_pass(tmp_path, ref, text):
    path = make_return(tmp_path, edit=lambda b, c: set_cell(b, c, ("progress", f"{P}#2", "narrative"), text))
    assert validate_file(path, ref).report.findings == []


def test_money_typed_with_its_unit_is_not_doubled_in_the_message(tmp_path, ref):
    path = make_return(tmp_path, edit=lambda b, c: set_cell(b, c, ("projects", P, "budget_used"), "1,250,000 บาท"))
    hit = next(f for f in validate_file(path, ref).report.findings if f.rule == "project.budget-used-mismatch")
    assert hit.value == "1,250,000 บาท"  # the raw value is kept as typed
    assert "1,250,000 บาท ไม่เท่ากับ" in hit.message_th and "บาท บาท" not in hit.message_th
    assert "Budget used 1,250,000 baht" in hit.message_en
