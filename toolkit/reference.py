"""Reference data (districts, groups, departments, strategy tree, units, status vocabularies),
loaded from ``workbook_templates/reference`` and checked when loaded."""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from toolkit.errors import ToolkitError
from toolkit.normalise.values import clean_text, squash as _squash
from workbook_templates import REFERENCE_DIR


@dataclass(frozen=True)
class District:
    code: str
    name_th: str
    name_en: str
    group_no: int
    group_th: str


@dataclass(frozen=True)
class Unit:
    key: str
    name_th: str
    name_en: str
    kind: str  # level | percent | count
    min: float | None
    max: float | None
    whole: bool


@dataclass(frozen=True)
class Status:
    vocab: str
    key: str
    label_th: str
    label_en: str
    variants: tuple[str, ...]


def _read_csv(path: Path, required: set[str]) -> list[dict[str, str]]:
    if not path.exists():
        raise ToolkitError("reference.missing", f"reference file {path} is missing")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    missing = required - set(rows[0] if rows else ())
    if missing:
        raise ToolkitError("reference.columns", f"{path.name} lacks columns {sorted(missing)}")
    return [{k: clean_text(v) for k, v in row.items()} for row in rows]


@dataclass
class Reference:
    districts: dict[str, District]
    groups: dict[int, tuple[str, str, tuple[str, ...]]]
    departments: list[dict[str, str]]
    strategy: dict[str, dict[str, str]]
    units: dict[str, Unit]
    statuses: dict[str, list[Status]]
    district_aliases: dict[str, str] = field(default_factory=dict)

    # -- vocabularies -------------------------------------------------------------------------
    def vocab(self, name: str) -> list[Status]:
        return self.statuses[name]

    def match_status(self, vocab: str, text: object) -> str | None:
        """Vocabulary key for a label, key or known variant; None when nothing matches."""
        wanted = _squash(str(text))
        if not wanted:
            return None
        for status in self.statuses[vocab]:
            names = (status.key, status.label_th, status.label_en, *status.variants)
            if any(_squash(n) == wanted for n in names):
                return status.key
        return None

    def status_label(self, vocab: str, key: str) -> str:
        for status in self.statuses[vocab]:
            if status.key == key:
                return status.label_th
        return key

    # -- districts ----------------------------------------------------------------------------
    def district_by_name(self, name: str) -> District | None:
        squashed = _squash(name).removeprefix("สำนักงานเขต").removeprefix("เขต")
        for d in self.districts.values():
            if squashed in (_squash(d.name_th), _squash(d.name_en)):
                return d
        code = self.district_aliases.get(squashed)
        return self.districts.get(code) if code else None

    def suggest_district(self, name: str, cutoff: float) -> District | None:
        squashed = _squash(name).removeprefix("สำนักงานเขต").removeprefix("เขต")
        names = {_squash(d.name_th): d for d in self.districts.values()}
        close = difflib.get_close_matches(squashed, list(names), n=1, cutoff=cutoff)
        return names[close[0]] if close else None

    def group_by_name(self, name: str) -> int | None:
        squashed = _squash(name)
        for no, (th, en, aliases) in self.groups.items():
            if squashed in {_squash(th), _squash(en), *map(_squash, aliases)}:
                return no
        return None


@lru_cache(maxsize=4)
def load_reference(folder: Path = REFERENCE_DIR) -> Reference:
    """Load and check every reference table; raise ToolkitError on anything inconsistent."""
    districts = {}
    for row in _read_csv(folder / "districts.csv", {"dopa_code", "name_th", "name_en", "group_no", "group_th"}):
        districts[row["dopa_code"]] = District(row["dopa_code"], row["name_th"], row["name_en"],
                                               int(row["group_no"]), row["group_th"])
    groups = {}
    for row in _read_csv(folder / "district_groups.csv", {"group_no", "name_th", "name_en", "aliases"}):
        groups[int(row["group_no"])] = (row["name_th"], row["name_en"], tuple(filter(None, row["aliases"].split("|"))))
    if len(districts) != 50 or len(groups) != 6:
        raise ToolkitError("reference.count", f"expected 50 districts in 6 groups, found {len(districts)} in {len(groups)}")
    for d in districts.values():
        if groups.get(d.group_no, ("",))[0] != d.group_th:
            raise ToolkitError("reference.group", f"district {d.code} names group {d.group_th} that is not group {d.group_no}")
    aliases = {_squash(r["alias"]): r["dopa_code"]
               for r in _read_csv(folder / "district_aliases.csv", {"dopa_code", "alias"})}
    departments = _read_csv(folder / "departments.csv", {"name_th", "abbr_th", "name_en"})
    strategy = {r["number"]: r for r in _read_csv(folder / "strategy_tree.csv", {"level", "number", "name_th"})}
    units = {}
    for row in _read_csv(folder / "units.csv", {"key", "name_th", "name_en", "kind", "min", "max", "whole"}):
        units[row["key"]] = Unit(row["key"], row["name_th"], row["name_en"], row["kind"],
                                 float(row["min"]) if row["min"] else None,
                                 float(row["max"]) if row["max"] else None, row["whole"] == "true")
    statuses: dict[str, list[Status]] = {}
    for row in _read_csv(folder / "statuses.csv", {"vocab", "key", "label_th", "label_en", "variants"}):
        statuses.setdefault(row["vocab"], []).append(
            Status(row["vocab"], row["key"], row["label_th"], row["label_en"],
                   tuple(filter(None, row["variants"].split("|")))))
    for needed in ("schedule", "target", "project", "direction", "kpi_type"):
        if needed not in statuses:
            raise ToolkitError("reference.vocab", f"statuses.csv lacks the '{needed}' vocabulary")
    return Reference(districts, groups, departments, strategy, units, statuses, aliases)
