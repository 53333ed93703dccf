"""The rows each sheet of an agency's template holds for a round, derived from the catalogue.
The generator pre-fills them; the validator checks a return against them."""

from __future__ import annotations

from typing import Any

from schemas import SHEETS, SheetSpec
from toolkit.calendar import Round
from toolkit.catalogue import Catalogue
from toolkit.reference import Reference


def expected_rows(spec: SheetSpec, cat: Catalogue, ref: Reference, agency: str, rnd: Round) -> list[dict[str, Any]]:
    """Locked values of every row of ``spec`` for ``agency`` in ``rnd``, in sheet order."""
    projects = cat.projects_for(agency, rnd)
    kpis = cat.kpis_for(agency, rnd)
    if spec.key == "projects":
        return [{"project_code": p.project_code, "name": p.name_th, "fiscal_year": p.fiscal_year,
                 "start_date": p.start_date, "end_date": p.end_date, "budget_received": p.budget_received,
                 "responsible_unit": p.responsible_unit, "strategy_branch": p.strategy_branch,
                 "kpi_code": p.kpi_code, "officer": p.officer} for p in projects]
    if spec.key == "progress":
        return [{"project_code": p.project_code, "report_no": n}
                for p in projects for n in range(1, rnd.months_elapsed + 1)]
    if spec.key == "plan_steps":
        return [{"project_code": s.project_code, "step_no": s.step_no, "description": s.description,
                 "weight_pct": s.weight_pct, "planned_start": s.planned_start, "planned_end": s.planned_end}
                for p in projects for s in p.steps]
    if spec.key == "kpis":
        return [{"kpi_code": k.kpi_code, "name": k.name_th, "unit": unit_label(ref, k.unit), "target": k.target,
                 "direction": ref.status_label("direction", k.direction),
                 "kpi_type": ref.status_label("kpi_type", k.kpi_type), "calc_method": k.calc_method}
                for k in kpis]
    if spec.key == "kpi_quarters":
        return [{"kpi_code": k.kpi_code, "quarter": q, "unit": unit_label(ref, k.unit), "target": k.target}
                for k in kpis for q in range(1, rnd.quarters_elapsed + 1)]
    raise KeyError(spec.key)


def unit_label(ref: Reference, unit_key: str) -> str:
    unit = ref.units.get(unit_key)
    return unit.name_th if unit else unit_key


def unit_key(ref: Reference, label: str) -> str | None:
    for unit in ref.units.values():
        if label in (unit.key, unit.name_th, unit.name_en):
            return unit.key
    return None


def row_id(spec: SheetSpec, row: dict[str, Any]) -> str:
    """``21000000-3142#4``: the id columns joined, as flags and the metadata name rows."""
    return "#".join(str(int(row[k]) if isinstance(row[k], float) else row[k]) for k in spec.id_columns)


def all_expected(cat: Catalogue, ref: Reference, agency: str, rnd: Round) -> dict[str, list[dict[str, Any]]]:
    return {spec.key: expected_rows(spec, cat, ref, agency, rnd) for spec in SHEETS}


def prefill_payload(expected: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, dict[str, str]]]:
    """``{sheet: {row id: {column: canonical value}}}``: what the template's metadata records."""
    from toolkit.layout import canonical

    by_key = {s.key: s for s in SHEETS}
    return {key: {row_id(by_key[key], row): {k: canonical(v) for k, v in row.items()} for row in rows}
            for key, rows in expected.items()}
