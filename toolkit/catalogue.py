"""The catalogue: what each agency must report. The office keeps it as ``catalogue.xlsx`` (sheets
Agencies, Projects, PlanSteps, KPIs; row 1 field keys, row 2 Thai labels, data from row 3)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from toolkit.calendar import Round, fiscal_year_of
from toolkit.errors import CatalogueError
from toolkit.normalise.values import Unreadable, clean_text, normalise_code, parse_date, parse_number

if TYPE_CHECKING:
    from toolkit.reference import Reference


@dataclass
class Agency:
    agency_code: str
    name_th: str
    name_en: str = ""
    kind: str = "department"  # department | district | district_group
    district_group: str = ""
    source: str = ""


@dataclass
class PlanStep:
    project_code: str
    step_no: int
    description: str
    weight_pct: float
    planned_start: date | None
    planned_end: date | None


@dataclass
class Project:
    project_code: str
    agency_code: str
    fiscal_year: int
    name_th: str
    start_date: date | None
    end_date: date | None
    budget_received: float | None
    responsible_unit: str = ""
    officer: str = ""
    coordinator: str = ""
    strategy_branch: str = ""
    kpi_code: str = ""
    kpi_ref: str = ""
    target_text: str = ""
    source: str = ""
    steps: list[PlanStep] = field(default_factory=list, repr=False)


@dataclass
class KPI:
    kpi_code: str
    agency_code: str
    fiscal_year: int
    name_th: str
    unit: str
    target: float | None
    direction: str = "higher"
    kpi_type: str = "output"
    calc_method: str = ""
    definition: str = ""
    strategy_branch: str = ""
    source: str = ""


#: Table name -> (record type, Thai labels of its fields). The workbook layout derives from this.
TABLES: dict[str, tuple[type, dict[str, str]]] = {
    "Agencies": (Agency, {"agency_code": "รหัสหน่วยงาน", "name_th": "ชื่อหน่วยงาน", "name_en": "ชื่อภาษาอังกฤษ",
                          "kind": "ประเภท", "district_group": "กลุ่มเขต", "source": "ที่มา"}),
    "Projects": (Project, {"project_code": "รหัสโครงการ", "agency_code": "รหัสหน่วยงาน",
                           "fiscal_year": "ปีงบประมาณ", "name_th": "ชื่อโครงการ", "start_date": "วันเริ่มต้น",
                           "end_date": "วันสิ้นสุด", "budget_received": "งบประมาณที่ได้รับ",
                           "responsible_unit": "หน่วยงานที่รับผิดชอบ", "officer": "ผู้รับผิดชอบ",
                           "coordinator": "ผู้ประสานงาน สยป.", "strategy_branch": "ยุทธศาสตร์",
                           "kpi_code": "ตัวชี้วัดที่สนับสนุน", "kpi_ref": "ตัวชี้วัด (ข้อความ)",
                           "target_text": "เป้าหมายโครงการ", "source": "ที่มา"}),
    "PlanSteps": (PlanStep, {"project_code": "รหัสโครงการ", "step_no": "ขั้นตอนที่", "description": "รายละเอียด",
                             "weight_pct": "น้ำหนัก (ร้อยละ)", "planned_start": "เริ่มต้น",
                             "planned_end": "สิ้นสุด"}),
    "KPIs": (KPI, {"kpi_code": "รหัสตัวชี้วัด", "agency_code": "รหัสหน่วยงาน", "fiscal_year": "ปีงบประมาณ",
                   "name_th": "ชื่อตัวชี้วัด", "unit": "หน่วยนับ", "target": "ค่าเป้าหมาย", "direction": "ทิศทาง",
                   "kpi_type": "ประเภท", "calc_method": "วิธีการคำนวณ", "definition": "นิยาม",
                   "strategy_branch": "ยุทธศาสตร์", "source": "ที่มา"}),
}
CSV_FILES = {"Agencies": "agencies.csv", "Projects": "projects.csv", "PlanSteps": "plan_steps.csv", "KPIs": "kpis.csv"}


def _convert(record_type: type, row: dict[str, Any], where: str) -> Any:
    kwargs: dict[str, Any] = {}
    for f in fields(record_type):
        if f.name == "steps" or f.name not in row:
            continue
        raw = row[f.name]
        try:
            if f.name in ("agency_code", "project_code", "kpi_code"):
                kwargs[f.name] = normalise_code(raw)
            elif f.type in ("int",):
                number = parse_number(raw)
                kwargs[f.name] = int(number) if number is not None else 0
            elif f.type in ("float", "float | None"):
                kwargs[f.name] = parse_number(raw)
            elif f.type == "date | None":
                kwargs[f.name] = parse_date(raw)
            else:
                kwargs[f.name] = clean_text(raw)
        except Unreadable as exc:
            raise CatalogueError("catalogue.value", f"{where}: cannot read {f.name} = {raw!r}",
                                 f"{where}: อ่านค่า {f.name} = {raw!r} ไม่ได้") from exc
    try:
        return record_type(**kwargs)
    except TypeError as exc:
        raise CatalogueError("catalogue.columns", f"{where}: {exc}") from exc


@dataclass
class Catalogue:
    agencies: dict[str, Agency]
    projects: dict[str, Project]
    kpis: dict[str, KPI]

    @classmethod
    def from_tables(cls, tables: dict[str, list[tuple[str, dict[str, Any]]]]) -> "Catalogue":
        """Build and check from rows keyed by field name; each row comes with its location."""
        built = {name: [_convert(TABLES[name][0], row, where) for where, row in rows] for name, rows in tables.items()}
        agencies = {a.agency_code: a for a in built["Agencies"]}
        projects = {p.project_code: p for p in built["Projects"]}
        kpis = {k.kpi_code: k for k in built["KPIs"]}
        problems = []
        for p in projects.values():
            if p.agency_code not in agencies:
                problems.append(f"project {p.project_code} names unknown agency {p.agency_code}")
            if p.kpi_code and p.kpi_code not in kpis:
                problems.append(f"project {p.project_code} supports unknown KPI {p.kpi_code}")
        for k in kpis.values():
            if k.agency_code not in agencies:
                problems.append(f"KPI {k.kpi_code} names unknown agency {k.agency_code}")
        for step in built["PlanSteps"]:
            if step.project_code not in projects:
                problems.append(f"plan step {step.step_no} names unknown project {step.project_code}")
            else:
                projects[step.project_code].steps.append(step)
        for p in projects.values():
            p.steps.sort(key=lambda s: s.step_no)
        if problems:
            raise CatalogueError("catalogue.inconsistent", "; ".join(problems[:10]))
        return cls(agencies, projects, kpis)

    @classmethod
    def from_csv_folder(cls, folder: Path) -> "Catalogue":
        tables = {}
        for name, filename in CSV_FILES.items():
            with (folder / filename).open(encoding="utf-8", newline="") as fh:
                tables[name] = [(f"{filename}:{i}", row) for i, row in enumerate(csv.DictReader(fh), start=2)]
        return cls.from_tables(tables)

    # -- what an agency reports in a round ----------------------------------------------------
    def projects_for(self, agency_code: str, rnd: Round) -> list[Project]:
        return sorted((p for p in self.projects.values()
                       if p.agency_code == agency_code and p.fiscal_year == rnd.fiscal_year),
                      key=lambda p: p.project_code)

    def kpis_for(self, agency_code: str, rnd: Round) -> list[KPI]:
        return sorted((k for k in self.kpis.values()
                       if k.agency_code == agency_code and k.fiscal_year == rnd.fiscal_year),
                      key=lambda k: k.kpi_code)

    def agencies_for(self, rnd: Round) -> list[Agency]:
        """Agencies with anything to report in the round."""
        return [a for code, a in sorted(self.agencies.items())
                if self.projects_for(code, rnd) or self.kpis_for(code, rnd)]

    def fiscal_years(self) -> list[int]:
        return sorted({p.fiscal_year for p in self.projects.values()} | {k.fiscal_year for k in self.kpis.values()})

    def records(self, table: str) -> Iterable[Any]:
        if table == "Agencies":
            return self.agencies.values()
        if table == "Projects":
            return self.projects.values()
        if table == "KPIs":
            return self.kpis.values()
        return [s for p in self.projects.values() for s in p.steps]


def check_catalogue(cat: Catalogue, ref: "Reference") -> list[str]:
    """Catalogue facts that the reference data does not know."""
    problems = []
    for k in cat.kpis.values():
        if k.unit not in ref.units:
            problems.append(f"KPI {k.kpi_code}: unknown unit '{k.unit}' (known: {', '.join(ref.units)})")
        if ref.match_status("direction", k.direction) is None:
            problems.append(f"KPI {k.kpi_code}: direction '{k.direction}' is not higher/lower")
        if ref.match_status("kpi_type", k.kpi_type) is None:
            problems.append(f"KPI {k.kpi_code}: unknown KPI type '{k.kpi_type}'")
    for item in [*cat.projects.values(), *cat.kpis.values()]:
        branch = item.strategy_branch
        if branch and branch not in ref.strategy:
            code = getattr(item, "project_code", None) or getattr(item, "kpi_code")
            problems.append(f"{code}: strategy branch '{branch}' is not in the strategy tree")
    for a in cat.agencies.values():
        if a.kind not in ("department", "district", "district_group"):
            problems.append(f"agency {a.agency_code}: kind '{a.kind}' is not department/district/district_group")
    return problems


def read_catalogue(path: Path) -> Catalogue:
    """Read ``catalogue.xlsx``; any problem is a CatalogueError naming sheet and row."""
    from toolkit.read.workbook import open_workbook  # reading stage owns openpyxl

    if not path.exists():
        raise CatalogueError("catalogue.missing", f"catalogue {path} not found", f"ไม่พบไฟล์ {path}")
    book = open_workbook(path)
    tables = {}
    for name in TABLES:
        if name not in book.sheets:
            raise CatalogueError("catalogue.sheet", f"{path.name} has no sheet '{name}'",
                                 f"{path.name} ไม่มีแผ่นงาน '{name}'")
        rows = book.sheets[name].rows
        header = [clean_text(v) for v in (rows[0] if rows else [])]
        table = []
        for i, row in enumerate(rows[2:], start=3):
            if all(clean_text(v) == "" for v in row):
                continue
            table.append((f"{path.name}!{name} row {i}", dict(zip(header, row))))
        tables[name] = table
    catalogue = Catalogue.from_tables(tables)
    from toolkit.reference import load_reference

    problems = check_catalogue(catalogue, load_reference())
    if problems:
        raise CatalogueError("catalogue.reference", f"{path.name}: " + "; ".join(problems[:10]),
                             f"{path.name}: ข้อมูลไม่ตรงกับข้อมูลอ้างอิง: " + "; ".join(problems[:10]))
    return catalogue


def fiscal_year_matches(project: Project) -> bool:
    return project.start_date is None or fiscal_year_of(project.start_date) == project.fiscal_year
