from datetime import date

import pytest

from toolkit.calendar import Round, fiscal_bounds, fiscal_year_of, format_be, quarter_of
from toolkit.errors import ToolkitError


def test_fiscal_year_2564_runs_october_to_september():
    assert fiscal_bounds(2564) == (date(2020, 10, 1), date(2021, 9, 30))
    assert fiscal_year_of(date(2020, 10, 1)) == 2564
    assert fiscal_year_of(date(2020, 9, 30)) == 2563
    assert quarter_of(date(2020, 12, 31)) == 1 and quarter_of(date(2021, 1, 1)) == 2


@pytest.mark.parametrize("text, start, end, months, quarters", [
    ("2564-Q4", date(2021, 7, 1), date(2021, 9, 30), 12, 4),
    ("2564-Q1", date(2020, 10, 1), date(2020, 12, 31), 3, 1),
    ("2564-M10", date(2020, 10, 1), date(2020, 10, 31), 1, 0),
    ("2564-m03", date(2021, 3, 1), date(2021, 3, 31), 6, 2),
])
def test_rounds(text, start, end, months, quarters):
    rnd = Round.parse(text)
    assert (rnd.start, rnd.end, rnd.months_elapsed, rnd.quarters_elapsed) == (start, end, months, quarters)


@pytest.mark.parametrize("text", ["2564", "2564-Q5", "2564-M13", "Q4-2564", ""])
def test_bad_rounds_are_usage_errors(text):
    with pytest.raises(ToolkitError) as info:
        Round.parse(text)
    assert info.value.code == "round.invalid"


def test_be_display():
    assert format_be(date(2020, 10, 26)) == "26/10/2563"
