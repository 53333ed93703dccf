"""The catalogue: what each agency must report. The office keeps it as ``catalogue.xlsx`` (sheets
Agencies, Projects, PlanSteps, KPIs; row 1 field keys, row 2 Thai labels, data from row 3)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterable

from toolkit.calendar import Round, fiscal_year_of
from toolkit.errors import CatalogueError
from toolkit.gcpause import collector_paused
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


_CODE_FIELDS = frozenset({"agency_code", "project_code", "kpi_code"})


def _to_int(raw: object) -> int:
    number = parse_number(raw)
    return int(number) if number is not None else 0


def _converter(name: str, type_: object) -> Callable[[object], Any]:
    if name in _CODE_FIELDS:
        return normalise_code
    if type_ == "int":
        return _to_int
    if type_ in ("float", "float | None"):
        return parse_number
    if type_ == "date | None":
        return parse_date
    return clean_text


@lru_cache(maxsize=None)
def _converters(record_type: type) -> tuple[tuple[str, Callable[[object], Any]], ...]:
    """(field, parser) for each field of a record type, worked out once (not per row)."""
    return tuple((f.name, _converter(f.name, f.type)) for f in fields(record_type) if f.name != "steps")


def _convert(record_type: type, row: dict[str, Any], where: str) -> Any:
    kwargs: dict[str, Any] = {}
    for name, parse in _converters(record_type):
        if name not in row:
            continue
        raw = row[name]
        try:
            kwargs[name] = parse(raw)
        except Unreadable as exc:
            raise CatalogueError("catalogue.value", f"{where}: cannot read {name} = {raw!r}",
                                 f"{where}: อ่านค่า {name} = {raw!r} ไม่ได้") from exc
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
        return cls.from_records({name: [_convert(TABLES[name][0], row, where) for where, row in rows]
                                 for name, rows in tables.items()})

    @classmethod
    def from_records(cls, built: dict[str, list[Any]]) -> "Catalogue":
        """Link and check records already converted (table name -> records in file order)."""
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
        """Agencies with anything to report in the round (one pass over projects and KPIs, not one per agency)."""
        busy = {item.agency_code for items in (self.projects.values(), self.kpis.values())
                for item in items if item.fiscal_year == rnd.fiscal_year}
        return [a for code, a in sorted(self.agencies.items()) if code in busy]

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
    """Catalogue facts that the reference data does not know. Each distinct direction and KPI type
    is matched against the vocabularies once (not once per KPI)."""
    problems = []
    matched: dict[tuple[str, str], bool] = {}

    def known(vocab: str, text: str) -> bool:
        if (vocab, text) not in matched:
            matched[vocab, text] = ref.match_status(vocab, text) is not None
        return matched[vocab, text]

    for k in cat.kpis.values():
        if k.unit not in ref.units:
            problems.append(f"KPI {k.kpi_code}: unknown unit '{k.unit}' (known: {', '.join(ref.units)})")
        if not known("direction", k.direction):
            problems.append(f"KPI {k.kpi_code}: direction '{k.direction}' is not higher/lower")
        if not known("kpi_type", k.kpi_type):
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


def _blank(row: list[object]) -> bool:
    """Every cell empty after cleaning (numbers and dates never are)."""
    for v in row:
        if v is None:
            continue
        if type(v) is not str or clean_text(v):
            return False
    return True


def _records_from_rows(record_type: type, header: list[str], rows: Iterable[tuple[int, list[object]]],
                       prefix: str) -> list[Any]:
    """Records from one sheet's rows (row number, values), as ``_convert`` of ``dict(zip(header, row))``
    makes them, without building a dict per row when every field has its column."""
    index = {h: j for j, h in enumerate(header)}  # a repeated key: the last column, as dict(zip()) keeps
    converters = _converters(record_type)
    columns = [(index[name], parse) for name, parse in converters if name in index]
    rows = list(rows)
    width = len(header)
    if len(columns) == len(converters) and all(len(row) >= width for _, row in rows):
        try:
            return list(map(record_type, *[_parse_column(parse, [row[j] for _, row in rows])
                                           for j, parse in columns]))
        except Unreadable:
            pass  # the row by row path below names the row and field
    return [_convert(record_type, dict(zip(header, row)), f"{prefix}{i}") for i, row in rows]


def _parse_column(parse: Callable[[object], Any], values: list[object]) -> list[Any]:
    """``parse`` of each value, each distinct text parsed once (a catalogue repeats agency codes,
    years, units and dates down whole columns)."""
    seen: dict[str, Any] = {}
    out = []
    for v in values:
        if type(v) is str:
            if v not in seen:
                seen[v] = parse(v)
            out.append(seen[v])
        else:
            out.append(parse(v))
    return out


def _tables_from_workbook(path: Path) -> dict[str, list[Any]]:
    from toolkit.read.workbook import open_workbook  # the reading stage: preflight, then calamine

    book = open_workbook(path)
    tables = {}
    for name in TABLES:
        if name not in book.sheets:
            raise CatalogueError("catalogue.sheet", f"{path.name} has no sheet '{name}'",
                                 f"{path.name} ไม่มีแผ่นงาน '{name}'")
        rows = book.sheets[name].rows
        header = [clean_text(v) for v in (rows[0] if rows else [])]
        tables[name] = _records_from_rows(TABLES[name][0], header,
                                          ((i, row) for i, row in enumerate(rows[2:], start=3) if not _blank(row)),
                                          f"{path.name}!{name} row ")
    return tables


def read_catalogue(path: Path, cache: Path | None = None) -> Catalogue:
    """Read ``catalogue.xlsx``; any problem is a CatalogueError naming sheet and row.

    With ``cache`` (a file in the workspace), the parsed catalogue is kept there keyed by the
    workbook's SHA-256 and taken from there while the workbook is unchanged; a cache that is
    missing, stale, damaged or unwritable only means reading the workbook. The reference check
    runs every time (the reference data may change without the catalogue changing)."""
    path = Path(path)
    if not path.exists():
        raise CatalogueError("catalogue.missing", f"catalogue {path} not found", f"ไม่พบไฟล์ {path}")
    from toolkit import catalogue_cache
    from toolkit.digest import sha256_of

    digest = sha256_of(path) if cache is not None else ""
    # a national catalogue is hundreds of thousands of new objects without cycles: the collector, left
    # on, walked them again and again as they were made (0.85 of 2.0 s for 1,001 agencies from the
    # cache, a larger share the larger the catalogue)
    with collector_paused():
        catalogue = catalogue_cache.load(cache, digest) if cache is not None else None
        if catalogue is None:
            catalogue = Catalogue.from_records(_tables_from_workbook(path))
            if cache is not None and sha256_of(path) == digest:  # not changed while read
                catalogue_cache.store(cache, digest, catalogue)
    from toolkit.reference import load_reference

    problems = check_catalogue(catalogue, load_reference())
    if problems:
        raise CatalogueError("catalogue.reference", f"{path.name}: " + "; ".join(problems[:10]),
                             f"{path.name}: ข้อมูลไม่ตรงกับข้อมูลอ้างอิง: " + "; ".join(problems[:10]))
    return catalogue


def fiscal_year_matches(project: Project) -> bool:
    return project.start_date is None or fiscal_year_of(project.start_date) == project.fiscal_year
