"""The building blocks: a Column declares one field once; a SheetSpec is an ordered set of columns
from which the template, the reader, the validator and the master all derive."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # imported where a schema or frame is made: the merge and the template never need them
    import pandas as pd
    import pandera.pandas as pa

#: Column kinds and the pandas dtype their normalised values take.
KINDS = {
    "code": None, "text": None, "longtext": None, "status": None,
    "int": "float64", "number": "float64", "percent": "float64", "money": "float64",
    "date": "datetime64[ns]",
}


@dataclass(frozen=True)
class ValidationContext:
    """What checks need to know beyond the values: the round's fiscal year bounds and thresholds."""

    fiscal_year: int
    fy_start: date
    fy_end: date
    vocab_keys: dict[str, frozenset[str]] = field(default_factory=dict)

    def key(self) -> tuple:
        """Everything checks depend on, hashable (``vocab_keys`` is a dict): equal keys, equal checks."""
        vocab = tuple(sorted((name, tuple(sorted(keys))) for name, keys in self.vocab_keys.items()))
        return self.fiscal_year, self.fy_start, self.fy_end, vocab


CheckFactory = Callable[[ValidationContext], "pa.Check"]
#: pandera schemas made, by sheet kind and context (a few fiscal years' worth are kept)
_SCHEMAS: "dict[tuple, pa.DataFrameSchema]" = {}
_SCHEMAS_KEPT = 64


@dataclass(frozen=True)
class Column:
    key: str
    th: str
    en: str
    kind: str
    editable: bool = False
    required: bool = False
    unit: str = ""
    vocab: str | None = None
    checks: tuple[CheckFactory, ...] = ()
    width: float = 14
    help_th: str = ""
    help_en: str = ""
    #: the template schema version that introduced the column; returns made from an older version
    #: lack it, and ``toolkit.read.migrate`` fills it in as empty.
    since: int = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.key}: unknown kind {self.kind}")
        if (self.kind == "status") != (self.vocab is not None):
            raise ValueError(f"column {self.key}: status columns and only they name a vocabulary")

    @property
    def labels(self) -> tuple[str, str]:
        return self.th, self.en


@dataclass(frozen=True)
class Computed:
    """A helper column the template computes with a formula, after the data columns. Never read
    back: a returned file's formulas are not trusted, the validator recomputes what matters.

    ``formula`` placeholders: ``{row}`` this Excel row, ``{first}`` the first data row, ``{key}`` the
    column letter of a column of this sheet, ``{sheet.key}`` of another sheet, ``{sheet:key}`` the
    quoted name of another sheet."""

    key: str
    th: str
    en: str
    kind: str
    formula: str
    width: float = 14
    #: the value the formula has in the blank template, ``initial(row, rows by sheet)``: stored as the
    #: formula's cached result, because LibreOffice shows cached results until a cell changes.
    initial: Callable[[dict, dict], float] | None = None


@dataclass(frozen=True)
class SheetSpec:
    key: str
    th: str
    en: str
    columns: tuple[Column, ...]
    #: columns that identify a row (project code, report number ...), always pre-filled and locked.
    id_columns: tuple[str, ...]
    description_th: str = ""
    description_en: str = ""
    #: frame-level checks over several columns of the same sheet.
    frame_checks: tuple[CheckFactory, ...] = ()
    #: formula columns shown to the person filling in, after the data columns.
    computed: tuple[Computed, ...] = ()
    #: blank rows after the pre-filled ones where the agency may add items (identifiers editable;
    #: the first identifier must still name one of its catalogue items).
    extra_rows: int = 0

    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns] + [c.key for c in self.computed]
        if len(set(keys)) != len(keys):
            raise ValueError(f"sheet {self.key}: duplicate column keys")
        if len(self.sheet_name) > 31:
            raise ValueError(f"sheet {self.key}: name '{self.sheet_name}' exceeds Excel's 31 characters")
        missing = set(self.id_columns) - {c.key for c in self.columns}
        if missing:
            raise ValueError(f"sheet {self.key}: id columns {missing} are not columns")

    @property
    def sheet_name(self) -> str:
        """Thai name first, English in brackets: what the template's tab says."""
        return f"{self.th} ({self.en})"

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    @property
    def editable(self) -> list[Column]:
        return [c for c in self.columns if c.editable]

    @property
    def locked(self) -> list[Column]:
        return [c for c in self.columns if not c.editable]

    def pandera_schema(self, ctx: ValidationContext) -> pa.DataFrameSchema:
        """The pandera schema of the normalised frame; check names are rule ids. Made once per sheet
        kind and context (building one costs ~1.5 ms, and collect checks 16 files per batch)."""
        key = (self, ctx.key())
        schema = _SCHEMAS.get(key)
        if schema is None:
            if len(_SCHEMAS) >= _SCHEMAS_KEPT:
                _SCHEMAS.clear()
            schema = _SCHEMAS[key] = self._build_schema(ctx)
        return schema

    def _build_schema(self, ctx: ValidationContext) -> pa.DataFrameSchema:
        import pandera.pandas as pa

        columns = {}
        for c in self.columns:
            checks = [factory(ctx) for factory in c.checks]
            if c.kind == "status":
                keys = sorted(ctx.vocab_keys.get(c.vocab or "", ()))
                checks.append(pa.Check(lambda s, keys=keys: s.isin(keys), name="value.status-unknown",
                                       ignore_na=True))
            columns[c.key] = pa.Column(KINDS[c.kind], nullable=not c.required, checks=checks, required=True)
        return pa.DataFrameSchema(columns, checks=[f(ctx) for f in self.frame_checks], name=self.key)

    def empty_frame(self) -> pd.DataFrame:
        import pandas as pd

        frame = pd.DataFrame({c.key: pd.Series(dtype=KINDS[c.kind] or "object") for c in self.columns})
        frame.index.name = "excel_row"
        return frame
