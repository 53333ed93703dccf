"""Read returns made from older template versions. Each schema version's changes are declared once
in ``schemas`` (``Column.since``: the version that introduced a column); here one small function per
old version brings a return's located rows one version forward, so everything after the reader
sees the current shape. A return made from an older version is read with a warning naming it.

History of the template schema:
- 1: the first release.
- 2: ``KPIQuarters.evidence`` (หลักฐานอ้างอิง): the document or link that supports a quarter's result,
  so auditors can check a result without asking the agency.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from schemas import SHEETS, Column
from toolkit import SCHEMA_VERSION

if TYPE_CHECKING:
    from toolkit.read.returned import LocatedSheet

Migration = Callable[[dict[str, "LocatedSheet"]], None]


def added_after(version: int) -> dict[str, list[Column]]:
    """Columns a return of ``version`` lacks, by sheet key."""
    return {spec.key: [c for c in spec.columns if c.since > version] for spec in SHEETS}


def _add_empty(sheets: dict[str, "LocatedSheet"], sheet_key: str, column_key: str) -> None:
    sheet = sheets.get(sheet_key)
    if sheet is None:
        return
    sheet.values.setdefault(column_key, [None] * len(sheet.excel_rows))


def _v1_to_v2(sheets: dict[str, "LocatedSheet"]) -> None:
    """Version 2 added per-quarter evidence: a version-1 return has none."""
    _add_empty(sheets, "kpi_quarters", "evidence")


#: ``MIGRATIONS[v]`` turns a return of version ``v`` into one of version ``v + 1``.
MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2}


def infer_version(missing: dict[str, set[str]]) -> int:
    """For a return without metadata: the newest version whose columns are all there, judged from the
    columns not found (``{sheet key: {column key}}``). Columns every version has do not count: their
    absence is a missing column, not an older template."""
    since = [c.since for spec in SHEETS for c in spec.columns
             if c.key in missing.get(spec.key, set()) and c.since > 1]
    return min(since) - 1 if since else SCHEMA_VERSION


def migrate(sheets: dict[str, "LocatedSheet"], version: int) -> None:
    """Bring located rows of a ``version`` return to the current version, in place, one step at a time.
    Versions before the first (0, or a made-up number) are read as version 1."""
    for v in range(max(version, 1), SCHEMA_VERSION):
        MIGRATIONS[v](sheets)
