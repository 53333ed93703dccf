"""Outliers across returns, as warnings ranked by how far out they are: a value far from its peers in
the same round, and far from the agency's own earlier rounds for the same item.

"Far" is the robust (modified) z-score of Iglewicz and Hoaglin: ``z = 0.6745 (x - median) / MAD``,
flagged when ``|z|`` exceeds ``Settings.outlier_z`` (3.5 by default). Medians and MADs are not pulled
by the outliers they look for, as a mean and a standard deviation would be. When more than half the
sample is identical (MAD 0) the mean absolute deviation stands in (``z = (x - median) / (1.2533 MeanAD)``).
The spread never goes below a floor
(``Settings.outlier_min_scale_points`` for percents, ``outlier_min_scale_share`` of the median for
baht), so that a sample bunched at 100 % does not make 105 % "far". Peers leave the value itself out
of their sample. The bounds in each message are ``median ± outlier_z × spread``.

Pure functions over the rows the merge consolidates (``MasterData.sheets``: each row carries round,
agency, submission, excel_row and typed values); nothing here reads files or the ledger.

Measures:
- peers, per round: cumulative progress at the same report number; the share of the budget received
  disbursed so far; a KPI's achieved value as a percent of its target (KPIs where higher is better);
- own history, per agency and item: the baht disbursed in one report, and the progress points gained
  in one report, against the same project's reports of earlier rounds.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any, Callable, Iterable

from schemas import SHEETS_BY_KEY
from toolkit.calendar import Round
from toolkit.config import Settings
from toolkit.errors import ToolkitError
from toolkit.findings import Finding, make_finding
from toolkit.read.preflight import column_letters

Row = dict[str, Any]


@dataclass(frozen=True)
class Spread:
    """Where a sample sits: its median, the scale a z of 1 stands for, and its size."""

    median: float
    scale: float
    n: int

    def z(self, value: float) -> float:
        return (value - self.median) / self.scale

    def bounds(self, threshold: float) -> tuple[float, float]:
        return self.median - threshold * self.scale, self.median + threshold * self.scale


#: the scale of a normal sample from its MAD (divided by this) and, when the MAD is 0, from its mean
#: absolute deviation (multiplied by this): the two ways ``robust_spread`` measures spread
_MAD_SCALE = 0.6745
_MEAN_DEVIATION_SCALE = 1.253314


def robust_spread(sample: Iterable[float]) -> Spread | None:
    """Median and MAD-based scale of ``sample`` (0 when every value is the same); None for no values."""
    values = [float(x) for x in sample]
    if not values:
        return None
    median = statistics.median(values)
    deviations = [abs(x - median) for x in values]
    mad = statistics.median(deviations)
    if mad > 0:
        return Spread(median, mad / _MAD_SCALE, len(values))
    return Spread(median, _MEAN_DEVIATION_SCALE * statistics.fmean(deviations), len(values))


@dataclass(frozen=True)
class Outlier:
    finding: Finding
    z: float
    agency: str
    agency_name: str
    round: str
    source_file: str
    submission: int
    sheet_key: str
    excel_row: int


@dataclass(frozen=True)
class _Point:
    """One measured value and where it came from."""

    value: float
    row: Row
    sheet_key: str
    column: str
    item: str


_MEASURES = {
    "progress": ("ความก้าวหน้าสะสม (ร้อยละ)", "Cumulative progress (%)"),
    "disbursed_share": ("สัดส่วนการเบิกจ่ายต่องบประมาณที่ได้รับ (ร้อยละ)", "Share of the budget disbursed (%)"),
    "kpi_achievement": ("ผลงานเทียบค่าเป้าหมาย (ร้อยละ)", "Achieved as a percent of target"),
    "disbursed_report": ("งบประมาณที่เบิกใช้ในรายงานครั้งนี้ (บาท)", "Baht disbursed in this report"),
    "progress_gain": ("ความก้าวหน้าที่เพิ่มขึ้นในรายงานครั้งนี้ (จุดร้อยละ)", "Progress gained in this report (points)"),
}


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def _round_key(text: str) -> tuple[int, int]:
    try:
        rnd = Round.parse(text)
    except ToolkitError:
        return (0, 0)
    return rnd.fiscal_year, rnd.months_elapsed


# -- measures ------------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _due_in(round_text: str) -> range:
    """Report numbers first due in a round (a return restates the earlier ones of the year)."""
    try:
        rnd = Round.parse(round_text)
    except ToolkitError:
        return range(0)
    return range(rnd.months_elapsed - (3 if rnd.is_quarter else 1) + 1, rnd.months_elapsed + 1)


def _progress_points(sheets: dict[str, list[Row]]) -> list[tuple[tuple, _Point]]:
    """Cumulative progress of the reports due in the round; peers are the reports of the same number."""
    out = []
    for r in sheets.get("progress", []):
        pct, no = _num(r.get("progress_pct")), _num(r.get("report_no"))
        if pct is not None and no is not None and r.get("project_code") and int(no) in _due_in(r["round"]):
            out.append(((r["round"], int(no)), _Point(pct, r, "progress", "progress_pct",
                                                      f"progress:{r['project_code']}#{int(no)}")))
    return out


def _disbursed_share_points(sheets: dict[str, list[Row]]) -> list[tuple[tuple, _Point]]:
    disbursed: dict[tuple[int, str], float] = {}
    for r in sheets.get("progress", []):
        amount = _num(r.get("disbursed"))
        if amount is not None:
            key = (r["submission"], r.get("project_code"))
            disbursed[key] = disbursed.get(key, 0.0) + amount
    out = []
    for p in sheets.get("projects", []):
        budget = _num(p.get("budget_received"))
        total = disbursed.get((p["submission"], p.get("project_code")))
        if budget and budget > 0 and total is not None:
            out.append(((p["round"],), _Point(round(total / budget * 100, 2), p, "projects", "budget_used",
                                              f"disbursed_share:{p['project_code']}")))
    return out


def _kpi_points(sheets: dict[str, list[Row]]) -> list[tuple[tuple, _Point]]:
    out = []
    for k in sheets.get("kpis", []):
        achieved, target = _num(k.get("achieved")), _num(k.get("target"))
        direction = str(k.get("direction") or "")
        if achieved is None or not target or target <= 0 or direction in ("lower", "ยิ่งน้อยยิ่งดี"):
            continue
        out.append(((k["round"],), _Point(round(achieved / target * 100, 2), k, "kpis", "achieved",
                                          f"kpi_achievement:{k['kpi_code']}")))
    return out


def _per_report(sheets: dict[str, list[Row]]) -> dict[str, list[tuple[tuple, int, _Point]]]:
    """Per history measure, per project and report: ``(agency, project), report key, point``. The
    progress rows are grouped and ordered once for both measures."""
    by_submission: dict[tuple[int, str], list[tuple[float, Row]]] = {}
    for r in sheets.get("progress", []):
        no = _num(r.get("report_no"))
        if no is not None and r.get("project_code"):
            by_submission.setdefault((r["submission"], r["project_code"]), []).append((no, r))
    disbursed: list[tuple[tuple, int, _Point]] = []
    gained: list[tuple[tuple, int, _Point]] = []
    for (_, code), rows in by_submission.items():
        rows.sort(key=itemgetter(0))
        previous = 0.0
        for number, r in rows:
            no = int(number)
            item = (r["agency"], code)
            amount = _num(r.get("disbursed"))
            if amount is not None:
                disbursed.append((item, no, _Point(amount, r, "progress", "disbursed", f"disbursed_report:{code}#{no}")))
            pct = _num(r.get("progress_pct"))
            if pct is not None:
                gained.append((item, no, _Point(pct - previous, r, "progress", "progress_pct",
                                                f"progress_gain:{code}#{no}")))
                previous = pct
    return {"disbursed_report": disbursed, "progress_gain": gained}


# -- detection -----------------------------------------------------------------------------------
#: measures in baht; the others are in percent or percentage points.
_AMOUNTS = {"disbursed_report"}


def _floored(spread: Spread, measure: str, settings: Settings) -> Spread:
    """The spread no narrower than the configured floor (a concentrated sample's MAD is near 0)."""
    floor = (settings.outlier_min_scale_share * abs(spread.median) if measure in _AMOUNTS
             else settings.outlier_min_scale_points)
    return spread if spread.scale >= floor else Spread(spread.median, floor, spread.n)


def _outlier(point: _Point, spread: Spread, rule: str, measure: str, settings: Settings) -> Outlier | None:
    spread = _floored(spread, measure, settings)
    if spread.scale <= 0:
        return None
    z = spread.z(point.value)
    if abs(z) <= settings.outlier_z:
        return None
    lo, hi = spread.bounds(settings.outlier_z)
    spec, r = SHEETS_BY_KEY[point.sheet_key], point.row
    th, en = _MEASURES[measure]
    cell = f"{column_letters(spec.keys.index(point.column) + 1)}{r['excel_row']}"
    finding = make_finding(rule, sheet=spec.sheet_name, cell=cell, value=point.value, item=point.item,
                           column=point.column, measure_th=th, measure_en=en, z=f"{z:+.1f}",
                           median=round(spread.median, 2), lo=round(lo, 2), hi=round(hi, 2), n=spread.n)
    return Outlier(finding, z, r["agency"], r.get("agency_name", ""), r["round"], r.get("source_file", ""),
                   r["submission"], point.sheet_key, r["excel_row"])


def _median_without(ordered: list[float], k: int) -> float:
    """``statistics.median`` of ``ordered`` (sorted) without its element at index ``k``, in O(1)."""
    m = len(ordered) - 1

    def at(i: int) -> float:
        return ordered[i] if i < k else ordered[i + 1]

    if m % 2 == 1:
        return at(m // 2)
    return (at(m // 2 - 1) + at(m // 2)) / 2


def leave_one_out_spreads(values: list[float]) -> list[Spread]:
    """``robust_spread`` of ``values`` without value ``i``, for every ``i`` (exactly the same numbers),
    in O(n log n) instead of O(n² log n): a peer group of a national rollout has thousands of values.
    Leaving one value out moves the median to one of at most three values; the deviations from each
    are sorted once, and a leave-one-out median of a sorted list is a lookup."""
    import bisect
    from fractions import Fraction

    n = len(values)
    if n < 2:
        return [robust_spread([]) for _ in values]  # type: ignore[misc]
    values = [float(x) for x in values]
    order = sorted(range(n), key=values.__getitem__)
    ordered = [values[i] for i in order]
    position = [0] * n
    for rank, i in enumerate(order):
        position[i] = rank
    by_median: dict[tuple[float, float], list[int]] = {}
    for i in range(n):
        median = _median_without(ordered, position[i])
        by_median.setdefault((median, math.copysign(1.0, median)), []).append(i)  # 0.0 and -0.0 apart
    out: list[Spread | None] = [None] * n
    for (median, _), members in by_median.items():
        deviations = [abs(x - median) for x in values]
        sorted_dev = sorted(deviations)
        exact_total: Fraction | None = None
        for i in members:
            mad = _median_without(sorted_dev, bisect.bisect_left(sorted_dev, deviations[i]))
            if mad > 0:
                out[i] = Spread(median, mad / _MAD_SCALE, n - 1)
                continue
            if exact_total is None:  # fmean = fsum / n, and fsum is the exact sum correctly rounded
                finite = all(math.isfinite(d) for d in deviations)
                exact_total = sum((Fraction(d) for d in deviations), Fraction(0)) if finite else Fraction(-1)
            if exact_total < 0:  # an infinite value: no exact sum, the direct way
                out[i] = robust_spread(x for j, x in enumerate(values) if j != i)
                continue
            mean = float(exact_total - Fraction(deviations[i])) / (n - 1)
            out[i] = Spread(median, _MEAN_DEVIATION_SCALE * mean, n - 1)
    return out  # type: ignore[return-value]


def _peer_outliers(points: list[tuple[tuple, _Point]], measure: str, settings: Settings) -> list[Outlier]:
    groups: dict[tuple, list[_Point]] = {}
    for key, point in points:
        groups.setdefault(key, []).append(point)
    out = []
    for group in groups.values():
        if len(group) - 1 < settings.outlier_min_peers:
            continue
        spreads = leave_one_out_spreads([p.value for p in group])
        for point, spread in zip(group, spreads):
            found = spread and _outlier(point, spread, "outlier.peers", measure, settings)
            if found:
                out.append(found)
    return out


def _history_outliers(reports: list[tuple[tuple, int, _Point]], measure: str, settings: Settings) -> list[Outlier]:
    """Each report first stated in a round, against the same project's reports stated in earlier rounds."""
    by_item: dict[tuple, dict[str, dict[int, _Point]]] = {}
    for item, no, point in reports:
        by_item.setdefault(item, {}).setdefault(point.row["round"], {})[no] = point
    out = []
    for rounds in by_item.values():
        earlier: dict[tuple[int, int], float] = {}  # (fiscal year, report) -> value, latest round wins
        for round_text in sorted(rounds, key=_round_key):
            fy = _round_key(round_text)[0]
            new = {no: p for no, p in rounds[round_text].items() if (fy, no) not in earlier}
            if len(earlier) >= settings.outlier_min_history:
                spread = robust_spread(earlier.values())
                for point in new.values():
                    found = spread and _outlier(point, spread, "outlier.history", measure, settings)
                    if found:
                        out.append(found)
            for no, p in rounds[round_text].items():
                earlier[(fy, no)] = p.value
    return out


def find_outliers(sheets: dict[str, list[Row]], settings: Settings) -> list[Outlier]:
    """Every outlier of the consolidated rows, the farthest out first."""
    found: list[Outlier] = []
    for measure, points in (("progress", _progress_points(sheets)), ("disbursed_share", _disbursed_share_points(sheets)),
                            ("kpi_achievement", _kpi_points(sheets))):
        found += _peer_outliers(points, measure, settings)
    for measure, reports in _per_report(sheets).items():
        found += _history_outliers(reports, measure, settings)
    return sorted(found, key=lambda o: (-abs(o.z), o.round, o.agency, o.finding.item))


def outlier_flags(data: Any, settings: Settings, decisions: dict[str, dict[str, Any]],
                  find: Callable[[dict[str, list[Row]], Settings], list[Outlier]] = find_outliers) -> list[dict[str, Any]]:
    """The master's Flags rows for the outliers of ``data`` (a MasterData), in the shape the merge
    builds for ledger findings, farthest out first."""
    from toolkit.merge.consolidate import OUTCOME_LABELS

    outcome = {s.id: s.outcome for s in data.submissions}
    flags = []
    for o in find(data.sheets, settings):
        f = o.finding
        flag_id = f.flag_id(o.agency, o.round)
        decision = decisions.get(flag_id, {})
        reopened = bool(decision) and decision.get("value_at_decision", f.value) != f.value
        flags.append({
            "flag_id": flag_id, "rule": f.rule, "severity": f.severity, "message_th": f.message_th,
            "message_en": f.message_en, "agency": o.agency, "agency_name": o.agency_name, "round": o.round,
            "source_file": o.source_file,
            "submission_outcome": OUTCOME_LABELS[outcome.get(o.submission, "accepted")][1],
            "sheet": f.sheet, "cell": f.cell, "value": f.value, "sheet_key": o.sheet_key,
            "submission": o.submission, "excel_row": o.excel_row,
            "decision": "" if reopened else decision.get("decision", ""),
            "note": decision.get("note", ""), "reviewer": decision.get("reviewer", ""),
            "decided_on": decision.get("decided_on", "")})
    return flags
