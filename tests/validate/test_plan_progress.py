"""The progress a plan expects on a report date: each step's weight times the share of its days
elapsed, counted in whole days as Timestamp differences count them (steps not yet begun or already
over, a step ending before it starts). The rules get days: dates at midnight, as ``datetime`` from
the typed rows or as Timestamps."""

from datetime import date, datetime

import pandas as pd
from hypothesis import given, settings, strategies as st

from schemas.cross_sheet import _plan_weights, _planned_pct

_DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2023, 12, 31)).flatmap(
    lambda d: st.sampled_from([pd.Timestamp(d), datetime(d.year, d.month, d.day)]))
_STEP = st.fixed_dictionaries({"weight_pct": st.sampled_from([0.0, 10.0, 12.5, 25.0, 33.3, 40.0, 100.0]),
                               "planned_start": _DAYS, "planned_end": _DAYS})


def _by_definition(steps: list[dict], day: pd.Timestamp) -> float:
    total = 0.0
    for s in steps:
        span = (s["planned_end"] - s["planned_start"]).days + 1
        done = min(max((day - s["planned_start"]).days + 1, 0), span)
        total += s["weight_pct"] * done / span
    return round(total, 1)


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(_STEP, min_size=1, max_size=6), day=_DAYS)
def test_planned_progress_counts_whole_days_as_timestamps_do(steps, day):
    try:
        expected = _by_definition(steps, day)
    except ZeroDivisionError:  # a step ending the day before it starts spans no days
        return
    assert _planned_pct(_plan_weights(steps), day) == expected


def test_a_step_without_dates_or_weight_gives_no_expectation():
    day = pd.Timestamp("2021-03-01")
    assert _plan_weights([{"weight_pct": 50.0, "planned_start": day, "planned_end": pd.NaT}]) is None
    assert _plan_weights([{"weight_pct": float("nan"), "planned_start": day, "planned_end": day}]) is None
    assert _planned_pct(_plan_weights([{"weight_pct": 50.0, "planned_start": day,
                                        "planned_end": day + pd.Timedelta(days=9)}]), day + pd.Timedelta(days=4)) == 25.0
