import pytest

from toolkit.merge.kpi_results import achievement, quarter_results


def test_cumulative_count_kpi_on_track_then_met(ref):
    results = quarter_results(ref, "volume", 6, "higher", {1: 1, 2: 3, 3: 4, 4: 6})
    assert [r.status for r in results] == ["behind", "on_track", "behind", "met"]
    assert [r.trend for r in results] == ["", "up", "up", "up"]
    assert results[3].achievement_pct == 100.0
    assert results[1].expected_to_date == 3


def test_seed_kpi_2100_1037_is_far_above_target(ref):
    results = quarter_results(ref, "volume", 6, "higher", {1: 20, 2: 20, 3: 70, 4: 70})
    assert results[3].achievement_pct == pytest.approx(1166.67)
    assert [r.trend for r in results] == ["", "flat", "up", "flat"]


def test_level_kpi_scored_on_its_scale_and_invalid_levels(ref):
    results = quarter_results(ref, "level", 5, "higher", {1: 15, 2: 20, 3: 20, 4: 3})
    assert [r.status for r in results] == ["invalid", "invalid", "invalid", "behind"]
    assert results[3].achievement_pct == 60.0 and results[3].trend == "down"


def test_missing_quarters_are_no_data(ref):
    results = quarter_results(ref, "percent", 80, "higher", {2: 50}, quarters=2)
    assert [r.status for r in results] == ["no_data", "on_track"]


def test_lower_is_better():
    assert achievement(5, 10, "lower") == 200.0
    assert achievement(0, 10, "lower") == 100.0
    assert achievement(3, 0, "higher") is None
