"""Organisation names in structured fields (the Projects ``responsible_unit`` path, e.g.
``สำนักยุทธศาสตร์และประเมินผล / กองยุทธศาสตร์บริหารจัดการ`` or ``สยป. / กยบ.``) matched against the
canonical departments, district offices and district groups, with their abbreviations and the common
variants (``สนง.`` for สำนักงาน, ``เขต`` without สำนักงาน, a trailing ``กทม.``, dots left out)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from toolkit.normalise.values import clean_text, squash
from toolkit.reference import Reference

#: segments after the first are checked only when they name a department, district office or group.
_ORG_WORD = re.compile(r"^(สำนัก|สนง\.?|สำนักงานเขต|เขต|กลุ่มเขต)")
_PARENTHESES = re.compile(r"\s*\([^)]*\)")
_SPELLING = ((re.compile(r"^สนง\.?\s*"), "สำนักงาน"),)
_CITY_SUFFIX = re.compile(r"\s*(กทม\.?|กรุงเทพมหานคร)$")


@lru_cache(maxsize=8192)
def _key(text: str) -> str:
    return squash(text).replace(".", "")


def _ratio(matches: int, length: int) -> float:
    """``SequenceMatcher.ratio`` from its number of matching characters and both lengths summed."""
    return 2.0 * matches / length if length else 1.0


@lru_cache(maxsize=4096)
def _closest(canonical: tuple[str, ...], key: str) -> str:
    """The first name of ``canonical`` most similar to ``key`` (``SequenceMatcher.ratio`` of the
    comparison keys), as ``max(canonical, key=ratio)`` finds it. A name whose characters in common
    with ``key`` (an upper bound of its ratio) cannot beat the best so far is not compared."""
    chars = Counter(key)
    best_name, best = canonical[0], -1.0
    for name in canonical:
        other = _key(name)
        length = len(key) + len(other)
        if _ratio(min(len(key), len(other)), length) <= best:
            continue
        if _ratio(sum((chars & _counts(other)).values()), length) <= best:
            continue
        ratio = SequenceMatcher(None, key, other).ratio()
        if ratio > best:
            best_name, best = name, ratio
    return best_name


@lru_cache(maxsize=8192)
def _counts(text: str) -> Counter:
    return Counter(text)


@dataclass(frozen=True)
class OrgNames:
    """Every accepted spelling (as a comparison key) -> its canonical Thai name."""

    known: dict[str, str]
    canonical: tuple[str, ...]

    def canonical_of(self, segment: str) -> str | None:
        text = _PARENTHESES.sub("", clean_text(segment))
        for pattern, replacement in _SPELLING:
            text = pattern.sub(replacement, text)
        for candidate in (text, _CITY_SUFFIX.sub("", text)):
            found = self.known.get(_key(candidate))
            if found:
                return found
        return None

    def closest(self, segment: str) -> str:
        return _closest(self.canonical, _key(_PARENTHESES.sub("", segment)))


def org_names(ref: Reference) -> OrgNames:
    known: dict[str, str] = {}
    for d in ref.departments:
        for spelling in (d["name_th"], d["abbr_th"], d["name_en"]):
            if spelling:
                known[_key(spelling)] = d["name_th"]
    for d in ref.districts.values():
        name = f"สำนักงานเขต{d.name_th}"
        for spelling in (name, f"เขต{d.name_th}", d.name_en, f"{d.name_en} District Office"):
            known[_key(spelling)] = name
    for alias, code in ref.district_aliases.items():
        name = f"สำนักงานเขต{ref.districts[code].name_th}"
        known[_key(f"สำนักงานเขต{alias}")] = known[_key(f"เขต{alias}")] = name
    for th, en, aliases in ref.groups.values():
        name = f"กลุ่มเขต{th}"
        for spelling in (name, f"กลุ่ม{th}", en, *aliases):
            known[_key(spelling)] = name
    return OrgNames(known, tuple(sorted(set(known.values()))))


def unknown_units(names: OrgNames, path: str) -> list[tuple[str, str]]:
    """``(segment, closest canonical name)`` for each organisation in ``path`` that matches nothing:
    the first segment always, later ones when they name a department, district office or group."""
    segments = [s.strip() for s in re.split(r"\s*/\s*", clean_text(path)) if s.strip()]
    out = []
    for i, segment in enumerate(segments):
        if i > 0 and not _ORG_WORD.match(segment):
            continue
        if names.canonical_of(segment) is None:
            out.append((segment, names.closest(segment)))
    return out
