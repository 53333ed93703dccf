"""Findings for data cells whose value cannot be known: Excel error cells (``#DIV/0!``, ``#REF!`` ...)
and formulas saved without a calculated value. Readers disagree on such cells (calamine: "", pandas:
NaN, openpyxl: the error text), so preflight records them from the XML. The reader puts an error's
text in its cell, so a number or date column refuses it as ``value.unreadable``; this names the error
cells of text columns (which would take ``#N/A`` as text) and every formula without a result inside
the columns and rows the toolkit reads, as error findings pointing at the cell."""

from __future__ import annotations

from typing import Any

from schemas.base import KINDS
from toolkit.findings import Finding, make_finding
from toolkit.read.preflight import PackageScan


def cell_findings(scan: PackageScan | None, book: Any) -> list[Finding]:
    """``book`` is a located return (``ReturnedWorkbook``: sheets of ``LocatedSheet``). A cell counts
    when its column is one the toolkit reads and its row lies between the sheet's first and last data
    rows."""
    if scan is None:
        return []
    out: list[Finding] = []
    for located in book.sheets.values():
        seen = scan.sheet(located.name)
        if seen is None:
            continue
        key_of = {col: key for key, col in located.columns.items()}
        uncalculated = seen.uncalculated_in(key_of)  # only the columns read: others are not looked at
        if not (seen.error_cells or uncalculated):
            continue
        data_rows = located.excel_rows
        first = min(data_rows) if data_rows else None
        last = max(data_rows) if data_rows else None
        kinds = {c.key: c.kind for c in located.spec.columns}
        item_col = located.spec.id_columns[0] if located.spec.id_columns else None
        items = {r: str(v or "") for r, v in zip(data_rows, located.column(item_col))} if item_col else {}

        def inside(row: int, col: int) -> bool:
            return col in key_of and first is not None and last is not None and first <= row <= last

        for row, col, text in seen.error_cells:
            # a number or date column already refuses the error text (value.unreadable); text columns would take it
            if inside(row, col) and KINDS.get(kinds.get(key_of[col], ""), None) is None:
                out.append(make_finding("intake.error-cells", sheet=located.name, cell=located.cell(key_of[col], row),
                                        value=text, column=key_of[col], item=items.get(row, "")))
        for row, col in uncalculated:
            if inside(row, col):
                out.append(make_finding("intake.uncalculated-formulas", sheet=located.name,
                                        cell=located.cell(key_of[col], row), column=key_of[col],
                                        item=items.get(row, "")))
    return out
