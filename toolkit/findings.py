"""Findings are data: a rule id, severity, location, raw value and both messages."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from schemas.rules import get_rule


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    sheet: str
    cell: str
    value: str
    message_th: str
    message_en: str
    #: the item the finding is about (project code, KPI code, "code#report"), for stable flag ids.
    item: str = ""
    #: the column key, for stable flag ids and links into the master.
    column: str = ""

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if k not in ("item", "column")}

    def flag_id(self, agency: str, round_: str) -> str:
        """Stable across re-merges: does not depend on the cell address or message text."""
        key = "|".join((agency, round_, self.rule, self.item, self.column or self.sheet))
        return "F-" + hashlib.sha1(key.encode()).hexdigest()[:10]


def _fmt_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    return str(value)


def make_finding(rule_id: str, *, sheet: str = "", cell: str = "", value: Any = "", item: str = "",
                 column: str = "", **params: Any) -> Finding:
    """Build a finding from the registry's templates; unknown placeholders format as empty."""
    rule = get_rule(rule_id)
    text = _fmt_value(value)
    values = _Blank({k: _fmt_value(v) for k, v in params.items()})
    values["value"] = text
    return Finding(rule.id, rule.severity, sheet, cell, text,
                   rule.message_th.format_map(values), rule.message_en.format_map(values), item, column)


@dataclass
class FileReport:
    """Everything known about one returned file after validation."""

    file: str
    agency: str = ""
    round: str = ""
    template_id: str = ""
    schema_version: int | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def accepted(self) -> bool:
        return not self.errors

    @property
    def outcome(self) -> str:
        if self.errors:
            return "rejected"
        return "accepted_with_warnings" if self.findings else "accepted"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "agency": self.agency, "round": self.round, "accepted": self.accepted,
                "issues": [f.to_dict() for f in self.findings]}

    def flatten(self) -> list[list[str]]:
        """``[[sheet, cell, rule], ...]``: what tests assert on."""
        return [[f.sheet, f.cell, f.rule] for f in self.findings]
