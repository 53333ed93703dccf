"""Run a sheet's pandera schema lazily and map every failure case back to its cell."""

from __future__ import annotations

import importlib.util
import sys

import pandera.pandas as pa

from schemas.base import ValidationContext
from toolkit.findings import Finding, make_finding
from toolkit.normalise.frames import SheetFrames
from toolkit.normalise.values import clean_text

_PANDERA_BUILTINS = {"not_nullable": "value.required"}

# pandera asks of every column's type whether it is a geopandas one by importing geopandas; where it is
# not installed each try searches the whole import path again (~70 µs, 31 times in a file validated
# on its own). None in sys.modules is the import system's documented "not there": the same ImportError at once.
if "geopandas" not in sys.modules and importlib.util.find_spec("geopandas") is None:
    sys.modules["geopandas"] = None  # type: ignore[assignment]


def column_findings(frames: SheetFrames, ctx: ValidationContext, skip: set[tuple[int, str]]) -> list[Finding]:
    """Findings for every failing cell; ``skip`` holds (row, column) already reported as unreadable."""
    spec, sheet = frames.sheet.spec, frames.sheet
    try:
        spec.pandera_schema(ctx).validate(frames.typed, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    findings = []
    for case in cases.itertuples(index=False):
        key, row = case.column, case.index
        if key not in spec.keys or row is None or (int(row), key) in skip:
            continue
        rule = _PANDERA_BUILTINS.get(str(case.check), str(case.check))
        col = spec.column(key)
        raw = frames.raw_value(int(row), key)
        findings.append(make_finding(rule if rule.count(".") else "value.unreadable", sheet=sheet.name,
                                     cell=sheet.cell(key, int(row)), value=clean_text(raw), column=key,
                                     item=str(frames.typed.at[int(row), spec.id_columns[0]] or ""),
                                     label_th=col.th, label_en=col.en))
    return findings
