"""Build catalogues and returned workbooks for tests through the same generator and filler users get."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

import openpyxl

from toolkit.calendar import Round
from toolkit.catalogue import Catalogue
from toolkit.demo.fill import fill_template
from toolkit.read.returned import read_return
from toolkit.reference import load_reference
from toolkit.template.generate import GeneratedTemplate, generate_template

ROUND = Round.parse("2564-Q2")
AGENCY = "2100"
PROJECT = "21000000-0001"
LEVEL_KPI = "2100-0001"
COUNT_KPI = "2100-0002"


def small_catalogue() -> Catalogue:
    """One department, one project with two plan steps, a level KPI and a count KPI (FY 2564)."""
    rows = {
        "Agencies": [{"agency_code": AGENCY, "name_th": "สำนักยุทธศาสตร์และประเมินผล", "name_en": "Strategy",
                      "kind": "department"},
                     {"agency_code": "1007", "name_th": "สำนักงานเขตปทุมวัน", "kind": "district",
                      "district_group": "กรุงเทพใต้"}],
        "Projects": [{"project_code": PROJECT, "agency_code": AGENCY, "fiscal_year": "2564",
                      "name_th": "โครงการทดสอบการรายงาน", "start_date": "2020-10-01", "end_date": "2021-09-30",
                      "budget_received": "100000", "responsible_unit": "สยป. / กยบ.", "officer": "สมชาย ใจดี โทร. 1511",
                      "strategy_branch": "5.2.1", "kpi_code": LEVEL_KPI}],
        "PlanSteps": [{"project_code": PROJECT, "step_no": "1", "description": "วางแผน", "weight_pct": "40",
                       "planned_start": "2020-10-01", "planned_end": "2020-12-31"},
                      {"project_code": PROJECT, "step_no": "2", "description": "ดำเนินการ", "weight_pct": "60",
                       "planned_start": "2021-01-01", "planned_end": "2021-09-30"}],
        "KPIs": [{"kpi_code": LEVEL_KPI, "agency_code": AGENCY, "fiscal_year": "2564", "name_th": "ระดับความสำเร็จ",
                  "unit": "level", "target": "5", "direction": "higher", "kpi_type": "output",
                  "calc_method": "ประเมินตามขั้นตอน 5 ระดับ"},
                 {"kpi_code": COUNT_KPI, "agency_code": AGENCY, "fiscal_year": "2564", "name_th": "จำนวนรายงาน",
                  "unit": "volume", "target": "10", "direction": "higher", "kpi_type": "output",
                  "calc_method": "นับจำนวนเล่ม"}],
    }
    return Catalogue.from_tables({k: [(f"test:{k}:{i}", r) for i, r in enumerate(v)] for k, v in rows.items()})


def clean_answers() -> dict[str, dict[str, dict[str, str]]]:
    """Answers that break no rule for the small catalogue's 2564-Q2 template."""
    progress = {}
    for n in range(1, 7):
        day = date(2020, 10, 20) + timedelta(days=30 * (n - 1))
        progress[f"{PROJECT}#{n}"] = {
            "report_date": day.isoformat(), "narrative": f"ดำเนินการตามแผนครั้งที่ {n} ประชุมคณะทำงานและติดตามผล",
            "progress_pct": str(10 * n), "disbursed": "5000", "schedule_status": "เป็นไปตามแผน",
            "target_status": "เป็นไปตามเป้าหมาย", "problems": "ไม่มี", "obstacles": "-"}
    return {
        "projects": {PROJECT: {"budget_used": "30000", "project_status": "อยู่ระหว่างดำเนินการ"}},
        "progress": progress,
        "kpis": {LEVEL_KPI: {"achieved": "2", "summary": "ดำเนินการได้ 2 ระดับ"},
                 COUNT_KPI: {"achieved": "5", "summary": "จัดทำรายงาน 5 เล่ม"}},
        "kpi_quarters": {f"{LEVEL_KPI}#1": {"result": "1", "score": "100 / 100"},
                         f"{LEVEL_KPI}#2": {"result": "2", "score": "100 / 100"},
                         f"{COUNT_KPI}#1": {"result": "2", "score": "100 / 100"},
                         f"{COUNT_KPI}#2": {"result": "5", "score": "100 / 100"}},
    }


def make_template(tmp: Path, cat: Catalogue | None = None, rnd: Round = ROUND) -> GeneratedTemplate:
    return generate_template(cat or small_catalogue(), load_reference(), AGENCY, rnd, tmp / "templates")


def make_return(tmp: Path, name: str = "return.xlsx", answers: dict | None = None,
                edit: Callable[[openpyxl.Workbook, dict[str, Any]], None] | None = None,
                text_dates: bool = False, cat: Catalogue | None = None, rnd: Round = ROUND) -> Path:
    """Generate the template, fill it, then let ``edit(book, cells)`` change it as a person would.
    ``cells[(sheet key, row id, column key)]`` gives the (sheet name, cell address) to edit."""
    template = make_template(tmp / name.replace(".", "_"), cat, rnd)
    out = tmp / name
    fill_template(template.path, out, answers or clean_answers(), text_dates=text_dates)
    if edit:
        located = read_return(out)
        cells = {}
        for key, sheet in located.sheets.items():
            for excel_row, values in sheet.rows:
                rid = "#".join(str(values[c]) for c in sheet.spec.id_columns)
                for col in sheet.spec.keys:
                    cells[(key, rid, col)] = (sheet.name, sheet.cell(col, excel_row))
        book = openpyxl.load_workbook(out)
        edit(book, cells)
        book.save(out)
    return out


def set_cell(book: openpyxl.Workbook, cells: dict, key: tuple[str, str, str], value: Any) -> str:
    sheet, address = cells[key]
    book[sheet][address].value = value
    return address


BIG_PROJECTS = [f"21000000-{i:04d}" for i in range(1, 11)]
BIG_KPIS = {"2100-0001": ("level", 5, [1, 2]), "2100-0002": ("volume", 10, [2, 5]), "2100-0003": ("percent", 80, [20, 40]),
            "2100-0004": ("network", 20, [5, 10]), "2100-0005": ("level", 5, [2, 3])}


def big_catalogue() -> Catalogue:
    """One department with ten projects (two plan steps each; budgets 100,000 x i) and five KPIs of
    different units (FY 2564): room for many independent problems in one return."""
    kpi_codes = list(BIG_KPIS)
    rows: dict[str, list[dict[str, str]]] = {
        "Agencies": [{"agency_code": AGENCY, "name_th": "สำนักยุทธศาสตร์และประเมินผล", "name_en": "Strategy",
                      "kind": "department"}],
        "Projects": [], "PlanSteps": [], "KPIs": []}
    for i, code in enumerate(BIG_PROJECTS, start=1):
        rows["Projects"].append({"project_code": code, "agency_code": AGENCY, "fiscal_year": "2564",
                                 "name_th": f"โครงการทดสอบที่ {i}", "start_date": "2020-10-01", "end_date": "2021-09-30",
                                 "budget_received": str(100000 * i),
                                 "responsible_unit": "สำนักยุทธศาสตร์และประเมินผล / กองยุทธศาสตร์บริหารจัดการ",
                                 "officer": "สมชาย ใจดี โทร. 1511", "strategy_branch": "5.2.1",
                                 "kpi_code": kpi_codes[(i - 1) % len(kpi_codes)]})
        rows["PlanSteps"] += [{"project_code": code, "step_no": "1", "description": "วางแผน", "weight_pct": "40",
                               "planned_start": "2020-10-01", "planned_end": "2020-12-31"},
                              {"project_code": code, "step_no": "2", "description": "ดำเนินการ", "weight_pct": "60",
                               "planned_start": "2021-01-01", "planned_end": "2021-09-30"}]
    for code, (unit, target, _) in BIG_KPIS.items():
        rows["KPIs"].append({"kpi_code": code, "agency_code": AGENCY, "fiscal_year": "2564", "name_th": f"ตัวชี้วัด {code}",
                             "unit": unit, "target": str(target), "direction": "higher", "kpi_type": "output",
                             "calc_method": "ประเมินตามขั้นตอน 5 ระดับ" if unit == "level" else "นับจำนวนที่ดำเนินการได้"})
    return Catalogue.from_tables({k: [(f"test:{k}:{i}", r) for i, r in enumerate(v)] for k, v in rows.items()})


def big_answers() -> dict[str, dict[str, dict[str, str]]]:
    """Answers that break no rule for the big catalogue's 2564-Q2 template."""
    answers: dict[str, dict[str, dict[str, str]]] = {"projects": {}, "progress": {}, "kpis": {}, "kpi_quarters": {}}
    for i, code in enumerate(BIG_PROJECTS, start=1):
        for n in range(1, 7):
            day = date(2020, 10, 20) + timedelta(days=30 * (n - 1))
            answers["progress"][f"{code}#{n}"] = {
                "report_date": day.isoformat(), "narrative": f"โครงการที่ {i} ดำเนินการตามแผนครั้งที่ {n} ประชุมและติดตามผล",
                "progress_pct": str(10 * n), "disbursed": str(5000 * i), "schedule_status": "เป็นไปตามแผน",
                "target_status": "เป็นไปตามเป้าหมาย", "problems": "ไม่มี", "obstacles": "-"}
        answers["projects"][code] = {"budget_used": str(30000 * i), "project_status": "อยู่ระหว่างดำเนินการ"}
    for code, (_, _, results) in BIG_KPIS.items():
        answers["kpis"][code] = {"achieved": str(results[-1]), "summary": f"ผลการดำเนินงานตัวชี้วัด {code}"}
        for q, result in enumerate(results, start=1):
            answers["kpi_quarters"][f"{code}#{q}"] = {"result": str(result), "score": "100 / 100"}
    return answers


def type_into_flags(master: Path, row: int, cells: dict[str, Any]) -> str:
    """What an auditor does in Excel: open ``master``, type ``cells`` (by English header, e.g.
    ``{"Decision": "ยืนยัน / confirmed"}``) into row ``row`` of its Flags sheet, and save. Returns
    that row's flag id."""
    book = openpyxl.load_workbook(master)
    sheet = book["Flags"]
    header = [c.value for c in sheet[2]]
    for name, value in cells.items():
        sheet.cell(row, header.index(name) + 1, value)
    book.save(master)
    return sheet.cell(row, header.index("Flag id") + 1).value
