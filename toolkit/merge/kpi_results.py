"""KPI results per KPI and quarter: achievement against target by unit and direction, level KPIs on
their 1-5 scale, the quarterly trend and a status (met, on track, behind, no data, invalid).

Quarterly results are cumulative (25, 50, 75, 104 over a year), so quarter q is on track when it
reached q/4 of the target."""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.reference import Reference

STATUS_LABELS = {
    "met": ("บรรลุเป้าหมาย", "met"), "on_track": ("เป็นไปตามแผน", "on track"), "behind": ("ต่ำกว่าแผน", "behind"),
    "no_data": ("ไม่มีข้อมูล", "no data"), "invalid": ("ค่าไม่ถูกต้อง", "invalid value"),
}
TREND_LABELS = {"up": "▲ เพิ่มขึ้น / up", "down": "▼ ลดลง / down", "flat": "► คงที่ / flat", "": ""}


@dataclass(frozen=True)
class QuarterResult:
    quarter: int
    result: float | None
    expected_to_date: float | None
    achievement_pct: float | None
    status: str
    trend: str


def _valid(unit_kind: str, value: float) -> bool:
    if unit_kind == "level":
        return 1 <= value <= 5 and float(value).is_integer()
    if unit_kind == "percent":
        return 0 <= value <= 100
    return value >= 0


def achievement(result: float, target: float | None, direction: str) -> float | None:
    """Percent of target achieved; for lower-is-better KPIs, target over result."""
    if target is None or target <= 0:
        return None
    if direction == "lower":
        return 100.0 if result <= 0 else round(target / result * 100, 2)
    return round(result / target * 100, 2)


def quarter_results(ref: Reference, unit: str, target: float | None, direction: str,
                    results: dict[int, float | None], quarters: int = 4) -> list[QuarterResult]:
    """One QuarterResult per quarter 1..``quarters`` from the claimed cumulative results."""
    kind = ref.units[unit].kind if unit in ref.units else "count"
    out, previous = [], None
    for q in range(1, quarters + 1):
        value = results.get(q)
        expected = round(target * q / 4, 4) if target is not None else None
        if value is None:
            out.append(QuarterResult(q, None, expected, None, "no_data", ""))
            continue
        trend = "" if previous is None else "up" if value > previous else "down" if value < previous else "flat"
        previous = value
        if not _valid(kind, value):
            out.append(QuarterResult(q, value, expected, None, "invalid", trend))
            continue
        pct = achievement(value, target, direction)
        if pct is None:
            status = "no_data"
        elif pct >= 100:
            status = "met"
        elif direction == "lower":
            status = "behind"
        else:
            status = "on_track" if pct >= 100 * q / 4 else "behind"
        out.append(QuarterResult(q, value, expected, pct, status, trend))
    return out
