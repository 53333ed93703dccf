"""Lineage: where each consolidated number came from in what the agency sent, so an auditor can open
the archived file (``archive/ab/<sha256>.xlsx``, byte for byte what arrived) at that sheet and cell.

The ledger keeps, per submission and sheet, the sheet's name in the file and where each column was
found (agencies move and rename things; the template layout is not enough). Ledgers written before
that was kept fall back to the template's sheet name and the whole row."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from xlsxwriter.utility import xl_col_to_name

from schemas import SHEETS_BY_KEY
from toolkit.ledger import Ledger


@dataclass(frozen=True)
class SheetSource:
    sheet_name: str
    #: column key -> 1-based column index in the file; empty when unknown
    columns: dict[str, int] = field(default_factory=dict)

    def cell(self, key: str, excel_row: int) -> str:
        """``E7``; the whole row ``7:7`` when the column's place is unknown."""
        col = self.columns.get(key)
        return f"{xl_col_to_name(col - 1)}{excel_row}" if col else f"{excel_row}:{excel_row}"

    def row_range(self, excel_row: int) -> str:
        """``A7:N7``, the cells the row was read from; ``7:7`` when the columns are unknown."""
        if not self.columns:
            return f"{excel_row}:{excel_row}"
        lo, hi = self._span
        return f"{lo}{excel_row}:{hi}{excel_row}"

    @cached_property
    def _span(self) -> tuple[str, str]:
        """The letters of the first and last columns read (worked out once: a merge asks every row)."""
        return xl_col_to_name(min(self.columns.values()) - 1), xl_col_to_name(max(self.columns.values()) - 1)

    def reference(self, address: str) -> str:
        """``'ตัวชี้วัด (KPIs)'!H5``: a reference Excel and LibreOffice understand (the name always quoted,
        a quote in it doubled)."""
        return "'" + self.sheet_name.replace("'", "''") + f"'!{address}"


class Sources:
    """Sheet sources of the submissions a merge reads, each looked up once."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._cache: dict[int, dict[str, tuple[str, dict[str, int]]]] = {}

    def of(self, submission_id: int, sheet_key: str) -> SheetSource:
        if submission_id not in self._cache:
            self._cache[submission_id] = self.ledger.sources(submission_id)
        found = self._cache[submission_id].get(sheet_key)
        if found is None:
            return SheetSource(SHEETS_BY_KEY[sheet_key].sheet_name)
        return SheetSource(found[0], {k: int(v) for k, v in found[1].items()})
