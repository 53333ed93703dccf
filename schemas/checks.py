"""Reusable column checks. Each factory returns a pandera Check whose name is a rule id."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from schemas.base import CheckFactory, ValidationContext


def percent_range() -> CheckFactory:
    return lambda ctx: pa.Check(lambda s: s.between(0, 100), name="value.percent-range", ignore_na=True)


def non_negative_money() -> CheckFactory:
    return lambda ctx: pa.Check(lambda s: s >= 0, name="value.money-negative", ignore_na=True)


def positive_whole() -> CheckFactory:
    return lambda ctx: pa.Check(lambda s: (s >= 1) & (s == s.round()), name="value.whole-number", ignore_na=True)


def in_fiscal_year() -> CheckFactory:
    def factory(ctx: ValidationContext) -> pa.Check:
        lo, hi = pd.Timestamp(ctx.fy_start), pd.Timestamp(ctx.fy_end)
        return pa.Check(lambda s: s.between(lo, hi), name="date.outside-fiscal-year", ignore_na=True)
    return factory


def code_pattern(pattern: str, rule: str) -> CheckFactory:
    return lambda ctx: pa.Check(lambda s: s.astype(str).str.fullmatch(pattern), name=rule, ignore_na=True)
