"""What cross-sheet rules see of a return: typed frames and a way to report a finding at a cell."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from schemas import SHEETS_BY_KEY
from toolkit.config import Settings
from toolkit.findings import Finding, make_finding
from toolkit.ledger.history import History
from toolkit.normalise.frames import SheetFrames
from toolkit.normalise.values import clean_text, thai_digits_to_ascii
from toolkit.reference import Reference


@dataclass
class ReturnView:
    frames: dict[str, SheetFrames]
    ref: Reference
    settings: Settings
    #: what the agency's accepted return of an earlier round of the fiscal year reported, if any.
    history: History | None = None

    def frame(self, key: str) -> pd.DataFrame:
        """The typed frame of a sheet, rows without their identifiers left out (those are reported by
        the column checks); empty with the right columns when the sheet is missing."""
        if key in self.frames:
            typed = self.frames[key].typed
            return typed.dropna(subset=list(SHEETS_BY_KEY[key].id_columns))
        return SHEETS_BY_KEY[key].empty_frame()

    @staticmethod
    def ref_digits(text: str) -> str:
        """Thai digits as ASCII, for rules that read numbers out of narrative text."""
        return thai_digits_to_ascii(text)

    def raw(self, key: str, row: int, column: str) -> str:
        return clean_text(self.frames[key].raw.at[row, column]) if key in self.frames else ""

    def finding(self, rule: str, key: str, row: int | None, column: str, value: Any = None, *,
                item: str = "", **params: Any) -> Finding:
        """A finding at (sheet ``key``, Excel ``row``, ``column``); value defaults to the raw cell."""
        sheet = self.frames.get(key)
        cell = sheet.sheet.cell(column, row) if sheet is not None and row is not None else ""
        if value is None and sheet is not None and row is not None:
            value = self.raw(key, row, column)
        spec = SHEETS_BY_KEY[key]
        col = spec.column(column) if column in spec.keys else None
        return make_finding(rule, sheet=sheet.sheet.name if sheet else spec.sheet_name, cell=cell, value=value,
                            item=item, column=column, label_th=col.th if col else "", label_en=col.en if col else "",
                            **params)
