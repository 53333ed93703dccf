"""The rule comparing a project's budget with its disbursements sums each project's amounts exactly,
rounded once: what pandas' grouped sum gives but for its last bit, infinities and missing amounts
included."""

import math
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from schemas.cross_sheet import _disbursed_by_project

_AMOUNTS = st.one_of(st.sampled_from([math.inf, -math.inf, 1e308, 0.1, 0.2, 0.3, 1e16, -1e16, 1.0, 1234567.89]),
                     st.floats(allow_nan=True, allow_infinity=True, width=64), st.none())


def _rows(pairs):
    return [(i, {"project_code": c, "disbursed": math.nan if x is None else x}) for i, (c, x) in enumerate(pairs)]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), _AMOUNTS), max_size=60))
def test_totals_are_exact_sums_and_agree_with_pandas(pairs):
    got = _disbursed_by_project(_rows(pairs))
    frame = pd.DataFrame({"project_code": [c for c, _ in pairs],
                          "disbursed": np.array([math.nan if x is None else x for _, x in pairs], dtype=float)})
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # inf - inf
        expected = frame["disbursed"].groupby(frame["project_code"], sort=False).sum(min_count=1).to_dict()
    # a NaN total (no amount at all, or infinities of both signs) is no total to the rule, either way
    assert {c for c, t in got.items() if t == t} == {c for c, t in expected.items() if t == t}
    for code, total in got.items():
        values = [x for c, x in pairs if c == code and x is not None and x == x]
        if all(math.isfinite(x) for x in values) and math.isfinite(total):
            assert total == float(sum(map(Fraction, values)))  # exact, rounded once
        if total == total and math.isfinite(total):
            # pandas' sum is off by at most a few rounding errors of the amounts' size (0.0 for
            # -1e16 + 0.1 + 1e16, where the exact sum is 0.1)
            assert abs(total - expected[code]) <= 1e-12 * sum(abs(x) for x in values) + 1e-9
        elif total == total:
            assert total == expected[code]


def test_many_small_amounts_keep_their_cents():
    assert _disbursed_by_project(_rows([("p", 0.1)] * 10)) == {"p": 1.0}  # a plain sum: 0.9999999999999999
    assert _disbursed_by_project(_rows([("p", 1e308), ("p", 1e308)])) == {"p": math.inf}
