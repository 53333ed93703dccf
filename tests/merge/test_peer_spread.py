"""The merge's peer outliers at a national scale: each value's spread among its peers (all the others)
is computed for a whole group at once, giving exactly what ``robust_spread`` of the others gives."""

from __future__ import annotations

import os
import random

from hypothesis import given, settings, strategies as st

from toolkit.validate.outliers import leave_one_out_spreads, robust_spread

EXAMPLES = int(os.environ.get("TOOLKIT_FUZZ_EXAMPLES", "60"))


def _direct(values: list[float]) -> list:
    return [robust_spread(x for j, x in enumerate(values) if j != i) for i in range(len(values))]


# percents with many ties (a sample bunched at 100 %), baht, negatives, zeros of both signs
_value = st.one_of(st.sampled_from([0.0, -0.0, 100.0, 50.0, 12.5]),
                   st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False),
                   st.integers(min_value=0, max_value=120).map(float))


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(_value, min_size=2, max_size=40))
def test_same_spreads_as_leaving_each_value_out_directly(values: list[float]) -> None:
    assert [(s.median, s.scale, s.n) for s in leave_one_out_spreads(values)] == \
        [(s.median, s.scale, s.n) for s in _direct(values)]


def test_bunched_and_spread_groups_of_realistic_size() -> None:
    rng = random.Random(5)
    bunched = [100.0] * 300 + [rng.choice([95.0, 97.5, 99.0, 120.0]) for _ in range(101)]  # MAD 0 for most
    spread = [round(rng.gauss(60, 15), 2) for _ in range(400)] + [250.0, -30.0]
    for values in (bunched, spread, [1.0, 2.0], [float("inf"), 1.0, 1.0, 1.0]):
        assert leave_one_out_spreads(values) == _direct(values)
    assert any(s.scale > 0 and s.median == 100.0 for s in leave_one_out_spreads(bunched))
