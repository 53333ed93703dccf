"""Buddhist Era dates, fiscal years and reporting rounds.

Fiscal year 2564 (BE) runs 2020-10-01 to 2021-09-30. Quarter 1 is Oct-Dec. A round is written
``2564-Q4`` or ``2564-M09``; month rounds use calendar months (M10 = October 2563, the first
month of fiscal year 2564), so ``2564-M01`` is January 2564.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from toolkit.errors import ToolkitError

BE_OFFSET = 543
_ROUND_RE = re.compile(r"^\s*(\d{4})\s*-\s*(Q[1-4]|M(0[1-9]|1[0-2]))\s*$", re.IGNORECASE)


def be_year(ce_year: int) -> int:
    return ce_year + BE_OFFSET


def ce_year(be: int) -> int:
    return be - BE_OFFSET


def fiscal_year_of(d: date) -> int:
    """Fiscal year (BE) that contains the date."""
    return be_year(d.year + 1 if d.month >= 10 else d.year)


def fiscal_bounds(fy_be: int) -> tuple[date, date]:
    start_ce = ce_year(fy_be) - 1
    return date(start_ce, 10, 1), date(start_ce + 1, 9, 30)


def fiscal_month(d: date) -> int:
    """1 for October ... 12 for September."""
    return (d.month - 10) % 12 + 1


def quarter_of(d: date) -> int:
    return (fiscal_month(d) - 1) // 3 + 1


def format_be(d: date | None) -> str:
    """``26/10/2563`` as the BMA system prints dates."""
    if d is None:
        return ""
    return f"{d.day}/{d.month}/{be_year(d.year)}"


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


@dataclass(frozen=True, order=True)
class Round:
    """A reporting round: fiscal year (BE) and a quarter or a calendar month."""

    fiscal_year: int
    period: str  # "Q1".."Q4" or "M01".."M12"

    @classmethod
    def parse(cls, text: str) -> "Round":
        m = _ROUND_RE.match(str(text))
        if not m:
            raise ToolkitError(
                "round.invalid",
                f"'{text}' is not a round: write the fiscal year in Buddhist Era and Q1-Q4 or M01-M12, e.g. 2564-Q4",
                f"'{text}' ไม่ใช่รอบรายงาน: ให้ระบุปีงบประมาณ พ.ศ. และ Q1-Q4 หรือ M01-M12 เช่น 2564-Q4",
            )
        return cls(int(m.group(1)), m.group(2).upper())

    def __str__(self) -> str:
        return f"{self.fiscal_year}-{self.period}"

    @property
    def is_quarter(self) -> bool:
        return self.period.startswith("Q")

    @property
    def start(self) -> date:
        fy_start, _ = fiscal_bounds(self.fiscal_year)
        if self.is_quarter:
            fm = (int(self.period[1]) - 1) * 3 + 1
        else:
            fm = (int(self.period[1:]) - 10) % 12 + 1
        year = fy_start.year + (1 if fm > 3 else 0)
        return date(year, (fm + 8) % 12 + 1, 1)

    @property
    def end(self) -> date:
        """Last day of the round."""
        last_fm = self.months_elapsed
        fy_start, _ = fiscal_bounds(self.fiscal_year)
        month = (last_fm + 8) % 12 + 1
        year = fy_start.year + (1 if last_fm > 3 else 0)
        return _month_end(year, month)

    @property
    def months_elapsed(self) -> int:
        """Fiscal months from the start of the year to the end of this round (1-12)."""
        if self.is_quarter:
            return int(self.period[1]) * 3
        return (int(self.period[1:]) - 10) % 12 + 1

    @property
    def quarters_elapsed(self) -> int:
        """Quarters whose results are due by the end of the round (0 if none ended yet)."""
        return self.months_elapsed // 3 if not self.is_quarter else int(self.period[1])

    def due_date(self, days_after: int) -> date:
        return self.end + timedelta(days=days_after)

    @property
    def label_th(self) -> str:
        if self.is_quarter:
            return f"ปีงบประมาณ พ.ศ. {self.fiscal_year} ไตรมาสที่ {self.period[1]}"
        return f"ปีงบประมาณ พ.ศ. {self.fiscal_year} เดือน {THAI_MONTHS[int(self.period[1:]) - 1]}"


THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
THAI_MONTHS_ABBR = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)
