"""Column checks: the distinct-text code check gives what pandas' per-value fullmatch gives."""

import numpy as np
import pandas as pd
import pytest

from schemas.checks import full_match

PATTERN = r"\d{8}-\d{1,6}"


def _per_value(s: pd.Series) -> pd.Series:
    return s.astype(str).str.fullmatch(PATTERN)


@pytest.mark.parametrize("values", [
    ["10000000-1", "10000000-1", None, "1000000-1", "10000000-1234567", "๑๐๐๐๐๐๐๐-1", "10000000-12 ", "None"],
    [None, None],
    [],
    ["10000000-1", 10000000.5, None],  # not all texts: the per-value path
    ["10000000-1", float("nan"), True, 1],
])
def test_full_match_agrees_with_per_value_fullmatch(values):
    s = pd.Series(np.array(values, dtype=object), dtype=object)
    got = full_match(PATTERN)(s)
    # pandera passes every missing value (ignore_na): compare what it would report
    expected = _per_value(s).fillna(False).astype(bool) | s.isna()
    assert (got.fillna(False).astype(bool) | s.isna()).tolist() == expected.tolist()
    assert got.index.equals(s.index)


def test_distinct_texts_tried_once(monkeypatch):
    calls = []
    s = pd.Series(["10000000-1"] * 500 + ["x"] * 500, dtype=object)
    import schemas.checks as checks

    real = checks.re.compile

    class Counting:
        def __init__(self, pattern):
            self.compiled = real(pattern)

        def fullmatch(self, text):
            calls.append(text)
            return self.compiled.fullmatch(text)

    monkeypatch.setattr(checks.re, "compile", Counting)
    assert full_match(PATTERN)(s).tolist() == [True] * 500 + [False] * 500
    assert sorted(calls) == ["10000000-1", "x"]
