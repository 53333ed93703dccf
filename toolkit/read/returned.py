"""Find the template's sheets, header rows and columns in a returned workbook, by name first and by
Thai or English labels when the agency renamed, moved or pasted things."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson

from schemas import SHEETS, SheetSpec
from toolkit.findings import Finding, make_finding
from toolkit import SCHEMA_VERSION
from toolkit.layout import END_MARKER, META_SHEET, template_checksum_of_text
from toolkit.normalise.values import clean_text, squash as _squash
from toolkit.read.migrate import infer_version, migrate
from toolkit.read.preflight import column_letters
from toolkit.read.workbook import RawSheet, RawWorkbook, open_workbook

_HEADER_SCAN_ROWS = 15
_MARKER_DASH = END_MARKER[0]


@dataclass
class LocatedSheet:
    """A template sheet found in a return: where its columns are, and its data rows a column at a
    time (the typed frames are built a column at a time, without a dict per row)."""

    spec: SheetSpec
    name: str
    columns: dict[str, int]  # column key -> 1-based column index
    excel_rows: list[int]  # the data rows, in sheet order
    values: dict[str, list[Any]]  # raw values by column key, one per data row (the columns found)
    percent_cells: set[tuple[int, int]] = field(default_factory=set)

    @classmethod
    def from_rows(cls, spec: SheetSpec, name: str, columns: dict[str, int], rows: list[tuple[int, dict[str, Any]]],
                  percent_cells: set[tuple[int, int]] | None = None) -> "LocatedSheet":
        """From (excel row, raw value by column key) pairs; a key a row lacks is None there."""
        keys = list(dict.fromkeys(key for _, values in rows for key in values))
        values = {key: [row.get(key) for _, row in rows] for key in keys}
        return cls(spec, name, columns, [r for r, _ in rows], values, percent_cells or set())

    @property
    def rows(self) -> list[tuple[int, dict[str, Any]]]:
        """(excel row, raw value by column key) per data row."""
        keys = list(self.values)
        return [(r, dict(zip(keys, cells))) for r, *cells in zip(self.excel_rows, *self.values.values())]

    def column(self, key: str) -> list[Any]:
        """The raw values of a column, one per data row (all None for a column not found)."""
        found = self.values.get(key)
        return [None] * len(self.excel_rows) if found is None else found

    def cell(self, key: str, excel_row: int) -> str:
        col = self.columns.get(key)
        return f"{column_letters(col)}{excel_row}" if col else ""

    def is_percent(self, key: str, excel_row: int) -> bool:
        col = self.columns.get(key)
        return col is not None and (excel_row, col) in self.percent_cells


@dataclass
class ReturnedWorkbook:
    path: Path
    meta: dict[str, str]
    sheets: dict[str, LocatedSheet]
    findings: list[Finding]
    date_1904: bool = False
    #: the template version the return was made from (from its metadata, else from its columns).
    schema_version: int = SCHEMA_VERSION

    @cached_property
    def prefill_text(self) -> str | None:
        """The pre-filled values' JSON as the template recorded it in its metadata, in chunks put
        back together (None without any)."""
        chunks = [v for k, v in sorted(self.meta.items(), key=lambda kv: _chunk_no(kv[0])) if k.startswith("prefill_")
                  and k != "prefill_checksum"]
        return "".join(chunks) if chunks else None

    @cached_property
    def prefill_as_written(self) -> bool:
        """The pre-filled values' JSON is the text the generator wrote: its checksum, taken on the text
        as it is, is the one the metadata records."""
        text, meta = self.prefill_text, self.meta
        return text is not None and template_checksum_of_text(meta.get("agency_code", ""), meta.get("round", ""),
                                                              text) == meta.get("prefill_checksum")

    @cached_property
    def prefill(self) -> dict[str, Any] | None:
        """The pre-filled values the template recorded in its metadata (parsed once: identity checks
        and the pre-filled comparison both read it). The generator's own text (texts only, ~90 KB on a
        return of 750 rows) is parsed by orjson, in ~60 % of the standard library's time; any other
        text by the standard library, which reads what orjson refuses or reads otherwise (NaN, lone
        surrogates, integers past 64 bits)."""
        if self.prefill_text is None:
            return None
        if self.prefill_as_written:
            return orjson.loads(self.prefill_text)
        try:
            return json.loads(self.prefill_text)
        except json.JSONDecodeError:
            return None


def _chunk_no(key: str) -> int:
    tail = key.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else -1


def _read_meta(book: RawWorkbook) -> dict[str, str]:
    sheet = book.sheets.get(META_SHEET)
    if sheet is None:
        return {}
    return {clean_text(r[0]): str(r[1]) if len(r) > 1 and r[1] is not None else ""
            for r in sheet.rows if r and r[0] is not None}


_LABELS: dict[int, tuple[SheetSpec, tuple[tuple[str, str], ...]]] = {}


def _labels(spec: SheetSpec) -> tuple[tuple[str, str], ...]:
    """(Thai, English) column labels of a sheet, squashed; remembered per spec object (hashing a spec
    hashes every column)."""
    seen = _LABELS.get(id(spec))
    if seen is None or seen[0] is not spec:
        seen = _LABELS[id(spec)] = (spec, tuple((_squash(c.th), _squash(c.en)) for c in spec.columns))
    return seen[1]


def _header_score(sheet: RawSheet, row: int, spec: SheetSpec) -> int:
    cells = {_squash(v) for v in (sheet.rows[row - 1] if row <= len(sheet.rows) else [])}
    return sum(1 for th, en in _labels(spec) if th in cells or en in cells)


def _find_header(sheet: RawSheet, spec: SheetSpec) -> int | None:
    best, best_row = 0, None
    for row in range(1, min(len(sheet.rows), _HEADER_SCAN_ROWS) + 1):
        score = _header_score(sheet, row, spec)
        if score > best:
            best, best_row = score, row
            if best == len(spec.columns):
                break  # every label found: no later row can score higher
    return best_row if best >= max(2, len(spec.columns) // 2) else None


def _locate_sheet(book: RawWorkbook, spec: SheetSpec, taken: set[str]) -> tuple[RawSheet | None, int | None]:
    candidates = [s for s in book.sheets.values() if s.name not in taken and s.name != META_SHEET]
    exact = book.sheets.get(spec.sheet_name)
    if exact is not None:
        return exact, _find_header(exact, spec)
    by_name = [s for s in candidates if _squash(spec.th) in _squash(s.name) or _squash(spec.en) in _squash(s.name)]
    for sheet in by_name + candidates:
        header = _find_header(sheet, spec)
        if header is not None:
            return sheet, header
    return None, None


def _locate_columns(sheet: RawSheet, header: int, spec: SheetSpec, findings: list[Finding],
                    version: int | None, missing: dict[str, set[str]]) -> tuple[dict[str, int], int]:
    """Column positions by label. A column the return's version does not have is not missing; with the
    version unknown, columns added in later versions are only noted in ``missing`` (decided later)."""
    th_cells = [_squash(v) for v in sheet.rows[header - 1]]
    en_row = sheet.rows[header] if header < len(sheet.rows) else []
    en_cells = [_squash(v) for v in en_row]
    has_en_row = sum(1 for c in spec.columns if _squash(c.en) in en_cells) >= max(2, len(spec.columns) // 2)
    columns: dict[str, int] = {}
    for position, col in enumerate(spec.columns, start=1):
        index = None
        for cells in (th_cells, en_cells if has_en_row else []):
            for label in (_squash(col.th), _squash(col.en)):
                if label in cells:
                    index = cells.index(label) + 1
                    break
            if index:
                break
        if index is None:
            if col.since > max(version or 1, 1):  # unknown or made-up versions: read as version 1
                missing.setdefault(spec.key, set()).add(col.key)
                continue
            findings.append(make_finding("column.missing", sheet=sheet.name, cell=f"{column_letters(position)}{header}",
                                         column=col.key, label_th=col.th, label_en=col.en))
            continue
        if index != position:
            findings.append(make_finding("column.moved", sheet=sheet.name, cell=f"{column_letters(index)}{header}",
                                         value=column_letters(index), column=col.key,
                                         label_th=col.th, label_en=col.en))
        columns[col.key] = index
    return columns, header + (2 if has_en_row else 1)


def _data_columns(rows: list[list[Any]], first: int, columns: dict[str, int]) -> tuple[list[int], dict[str, list[Any]]]:
    """The data rows from Excel row ``first`` to the end marker (or the sheet's end), without the rows
    that hold nothing in the located columns: (their Excel rows, their values by column key)."""
    block = rows[first - 1:]
    for i, row in enumerate(block):
        # (the marker's dash survives cleaning, and no other character becomes one)
        if row and type(row[0]) is str and _MARKER_DASH in row[0] and clean_text(row[0]) == END_MARKER:
            block = block[:i]
            break
    reach = max(columns.values(), default=0)
    if all(len(row) >= reach for row in block):  # most sheets: every row as wide as the furthest column
        cells = {key: list(map(itemgetter(c - 1), block)) for key, c in columns.items()}
    else:
        cells = {key: [row[c - 1] if c <= len(row) else None for row in block] for key, c in columns.items()}
    width = len(cells)
    # a row whose first value is a text starting with a letter or digit holds something (most rows:
    # their identifier), without looking at its other values
    kept = [i for i, row in enumerate(zip(*cells.values()))
            if (type(row[0]) is str and row[0][:1].isalnum()) or _holds_something(row, width)]
    if len(kept) != len(block):
        cells = {key: [column[i] for i in kept] for key, column in cells.items()}
    return [first + i for i in kept], cells


def _holds_something(row: tuple[Any, ...], width: int) -> bool:
    """A value in the row that is not None and not a text that cleans to nothing."""
    return row.count(None) != width and not all(v is None or clean_text(v) == "" for v in row)


def read_return(path: Path) -> ReturnedWorkbook:
    """Open a returned workbook and locate its sheets. Raises ToolkitError if it cannot be opened."""
    book = open_workbook(path)
    findings: list[Finding] = []
    meta = _read_meta(book)
    text = meta.get("schema_version", "")
    version = int(text) if text.isdigit() else None
    missing: dict[str, set[str]] = {}
    located: dict[str, LocatedSheet] = {}
    taken: set[str] = set()
    for spec in SHEETS:
        sheet, header = _locate_sheet(book, spec, taken)
        if sheet is None or header is None:
            findings.append(make_finding("sheet.missing", sheet=spec.sheet_name, expected=spec.sheet_name))
            continue
        taken.add(sheet.name)
        if sheet.name != spec.sheet_name:
            findings.append(make_finding("sheet.renamed", sheet=sheet.name, value=sheet.name,
                                         expected=spec.sheet_name))
        columns, first = _locate_columns(sheet, header, spec, findings, version, missing)
        excel_rows, values = _data_columns(sheet.rows, first, columns)
        located[spec.key] = LocatedSheet(spec, sheet.name, columns, excel_rows, values, sheet.percent_cells)
    inferred = version is None
    if version is None:
        version = infer_version(missing)
    if version < SCHEMA_VERSION:
        findings.append(make_finding("template.old-version", sheet=META_SHEET if not inferred else "",
                                     found=f"{version}" + (" (ตามคอลัมน์ / by its columns)" if inferred else ""),
                                     current=SCHEMA_VERSION))
    migrate(located, version)
    return ReturnedWorkbook(Path(path), meta, located, findings, book.date_1904, version)
