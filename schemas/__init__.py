"""Declarative sheet schemas: every column once (key, Thai and English label, type, unit, whether the
agency may edit it, its checks), the rule registry, and the cross-sheet rules. No file I/O here."""

from schemas.base import Column, SheetSpec, ValidationContext
from schemas.kpi_quarters import KPI_QUARTERS
from schemas.kpis import KPIS
from schemas.plan_steps import PLAN_STEPS
from schemas.progress import PROGRESS
from schemas.projects import PROJECTS

#: The data sheets of a return, in workbook order.
SHEETS: tuple[SheetSpec, ...] = (PROJECTS, PROGRESS, PLAN_STEPS, KPIS, KPI_QUARTERS)
SHEETS_BY_KEY = {s.key: s for s in SHEETS}

__all__ = ["Column", "SheetSpec", "ValidationContext", "SHEETS", "SHEETS_BY_KEY",
           "PROJECTS", "PROGRESS", "PLAN_STEPS", "KPIS", "KPI_QUARTERS"]
