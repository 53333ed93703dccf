"""Rules over several rows or sheets of one return. Each rule is a function of a ReturnView (typed
frames, reference data, thresholds) yielding Findings; the registry in ``schemas.rules`` holds
their ids, severities and messages."""

from __future__ import annotations

import math
import re
from datetime import datetime
from difflib import SequenceMatcher
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

import numpy as np

from toolkit.expected import unit_key
from toolkit.normalise.values import squash as _squash
from toolkit.validate.org_names import org_names, unknown_units
from toolkit.validate.view import Row, sort_rows, present as _present

if TYPE_CHECKING:
    from toolkit.findings import Finding
    from toolkit.validate.view import ReturnView

CrossRule = Callable[["ReturnView"], Iterable["Finding"]]
CROSS_RULES: list[CrossRule] = []


def cross_rule(fn: CrossRule) -> CrossRule:
    CROSS_RULES.append(fn)
    return fn


def _by_project(v: "ReturnView", key: str, order: str) -> list[tuple[str, list[Row]]]:
    """The rows of a sheet per project (in order of first appearance), each sorted by ``order``."""
    return v.groups(key, "project_code", order)


def _report(code: str, r: dict) -> str:
    """``21000000-3142#4``: a project's report, as findings name it."""
    return f"{code}#{int(r['report_no'])}"


# -- project budget ------------------------------------------------------------------------------
def _disbursed_by_project(rows: list[Row]) -> dict[object, float]:
    """Each project's disbursements summed exactly and rounded once (``math.fsum``), in place of
    ``disbursed.groupby(project_code).sum()`` (~0.6 ms a return, and a compensated sum that can be a
    bit off); projects without any amount are left out. A sum past the largest float, or infinities
    of both signs, is the plain sum (an infinity or NaN, as pandas gives)."""
    amounts: dict[object, list[float]] = {}
    for _, r in rows:
        if _present(r["disbursed"]):
            amounts.setdefault(r["project_code"], []).append(r["disbursed"])
    out = {}
    for code, values in amounts.items():
        try:
            out[code] = math.fsum(values)
        except (OverflowError, ValueError):
            out[code] = sum(values)
    return out


@cross_rule
def budget_against_disbursements(v: "ReturnView") -> Iterator["Finding"]:
    totals = _disbursed_by_project(v.rows("progress"))
    for row, p in v.rows("projects"):
        total = totals.get(p["project_code"])
        if not _present(total):
            continue
        received = p["budget_received"] if _present(p["budget_received"]) else 0.0
        if received > 0 and total > received:
            yield v.finding("project.overspent", "projects", row, "budget_used", total, item=p["project_code"],
                            expected=received)
        if _present(p["budget_used"]):
            tolerance = max(1.0, received * v.settings.budget_used_tolerance_pct / 100)
            if abs(p["budget_used"] - total) > tolerance:
                yield v.finding("project.budget-used-mismatch", "projects", row, "budget_used",
                                item=p["project_code"], amount=p["budget_used"], expected=total)


# -- progress reports ----------------------------------------------------------------------------
@cross_rule
def progress_sequence(v: "ReturnView") -> Iterator["Finding"]:
    for code, group in _by_project(v, "progress", "report_no"):
        last_pct, last_date, last_text = None, None, None
        for row, r in group:
            pct, day, narrative, disbursed = r["progress_pct"], r["report_date"], r["narrative"], r["disbursed"]
            if not (_present(day) or _present(narrative) or _present(pct) or _present(disbursed)):
                yield v.finding("progress.report-missing", "progress", row, "report_date", "", item=_report(code, r),
                                expected=int(r["report_no"]))
                continue
            if _present(pct):
                if last_pct is not None and pct < last_pct:
                    yield v.finding("progress.decreasing", "progress", row, "progress_pct", item=_report(code, r),
                                    expected=last_pct)
                last_pct = pct if last_pct is None else max(last_pct, pct)
                if pct == 0 and _present(disbursed) and disbursed > 0:
                    yield v.finding("progress.disbursed-at-zero", "progress", row, "disbursed", item=_report(code, r))
            if _present(day):
                if last_date is not None and day < last_date:
                    yield v.finding("progress.dates-out-of-order", "progress", row, "report_date", item=_report(code, r),
                                    expected=last_date.strftime("%d/%m/") + str(last_date.year + 543))
                last_date = day
            if r["schedule_status"] == "behind" and not _present(r["problems"]):
                yield v.finding("progress.delay-without-problem", "progress", row, "problems", item=_report(code, r))
            if _present(narrative):
                if len(str(narrative)) > 20 and narrative == last_text:
                    yield v.finding("progress.copied-narrative", "progress", row, "narrative", item=_report(code, r))
                last_text = narrative


@cross_rule
def progress_against_previous_round(v: "ReturnView") -> Iterator["Finding"]:
    """Cumulative progress below what the agency's latest accepted return of an earlier round of the
    fiscal year reported for the same project (up to the same report).

    A warning, not an error: the earlier figure was accepted and may itself have been the mistake (an
    overstatement the agency now corrects); rejecting the new return would force the agency to repeat
    a wrong number. Auditors see the flag, with both figures, and decide. Within one return the agency
    controls both numbers, so ``progress.decreasing`` stays an error."""
    h = v.history
    if h is None:
        return
    for code, group in _by_project(v, "progress", "report_no"):
        for row, r in group:
            if not (_present(r["progress_pct"]) and _present(r["report_no"])):
                continue
            prior = h.prior_progress(code, int(r["report_no"]))
            if prior is not None and r["progress_pct"] < prior[0] - 1e-9:
                yield v.finding("progress.below-previous-round", "progress", row, "progress_pct",
                                item=_report(code, r), expected=prior[0], round=h.round,
                                report=prior[1])


@cross_rule
def completion_matches_status(v: "ReturnView") -> Iterator["Finding"]:
    latest = {}
    for code, group in _by_project(v, "progress", "report_no"):
        filled = [(row, r["progress_pct"]) for row, r in group if _present(r["progress_pct"])]
        if filled:
            latest[code] = (filled[-1][0], float(filled[-1][1]))
    for _, p in v.rows("projects"):
        status = p["project_status"]
        if p["project_code"] not in latest or not _present(status):
            continue
        prow, pct = latest[p["project_code"]]
        done = status == "completed"
        if (pct >= 100) != done and status in ("completed", "in_progress", "not_started"):
            yield v.finding("progress.complete-status-mismatch", "progress", prow, "progress_pct", pct,
                            item=p["project_code"], expected=v.ref.status_label("project", status))


def _plan_weights(steps: list[dict]) -> list[tuple[float, int, int]] | None:
    """(weight, start, days) of each step, the start as a day number and the days it spans counting
    both ends; None when a step lacks one of them."""
    out = []
    for s in steps:
        weight, start, end = s["weight_pct"], s["planned_start"], s["planned_end"]
        if not (_present(weight) and _present(start) and _present(end)):
            return None
        out.append((weight, start.toordinal(), end.toordinal() - start.toordinal() + 1))
    return out


def _planned_pct(weights: list[tuple[float, int, int]], day: datetime) -> float:
    """Plan-weighted progress expected on ``day``: each step's weight times the share of it elapsed."""
    total, now = 0.0, day.toordinal()
    for weight, start, span in weights:
        done = now - start + 1  # days of the step elapsed: min(max(done, 0), span)
        done = done if done > 0 else 0
        total += weight * (done if done < span else span) / span
    return round(total, 1)


def _distinct(values: list) -> int:
    """How many different present values: ``Series.nunique()``."""
    return len({x for x in values if _present(x)})


@cross_rule
def schedule_against_plan(v: "ReturnView") -> Iterator["Finding"]:
    steps: dict[object, list[dict]] = {}
    for _, s in v.rows("plan_steps"):
        steps.setdefault(s["project_code"], []).append(s)
    margin = v.settings.behind_plan_points
    for code, group in _by_project(v, "progress", "report_no"):
        plan = steps.get(code, [])
        placeholder = len(plan) >= 2 and _distinct([s["planned_start"] for s in plan]) == 1 \
            and _distinct([s["planned_end"] for s in plan]) == 1
        weights = None if placeholder or not plan else _plan_weights(plan)
        for row, r in group:
            pct, day = r["progress_pct"], r["report_date"]
            if r["schedule_status"] not in ("on_plan", "ahead") or not _present(pct) or not _present(day):
                continue
            if pct == 0 and day.month in (4, 5, 6, 7, 8, 9):
                yield v.finding("progress.zero-late-on-plan", "progress", row, "progress_pct", item=_report(code, r))
                continue
            expected = None if weights is None else _planned_pct(weights, day)
            if expected is not None and pct < expected - margin:
                yield v.finding("progress.behind-while-on-plan", "progress", row, "progress_pct",
                                item=_report(code, r), expected=expected)


# -- plan steps ----------------------------------------------------------------------------------
def _weight_sum(weights: list[float]) -> float:
    """The sum ``Series.sum()`` gives (numpy's pairwise summation, not Python's left-to-right one)."""
    return float(np.asarray(weights, dtype=float).sum())


@cross_rule
def plan_steps(v: "ReturnView") -> Iterator["Finding"]:
    projects: dict[object, dict] = {}
    for _, p in v.rows("projects"):
        projects.setdefault(p["project_code"], p)  # the first row of a code, as projects.loc[code] gives
    for code, group in _by_project(v, "plan_steps", "step_no"):
        first = group[0][0]
        weights = [s["weight_pct"] for _, s in group if _present(s["weight_pct"])]
        if weights:
            total = _weight_sum(weights)
            if abs(total - 100) > v.settings.weight_sum_tolerance:
                yield v.finding("plan.weights-sum", "plan_steps", first, "weight_pct", total, item=code)
        starts = [s["planned_start"] for _, s in group if _present(s["planned_start"])]
        ends = [s["planned_end"] for _, s in group if _present(s["planned_end"])]
        if len(group) >= 2 and len(starts) == len(group) and len(ends) == len(group) \
                and _distinct(starts) == 1 and _distinct(ends) == 1 and starts[0] == ends[0]:
            day = starts[0]
            yield v.finding("plan.placeholder-dates", "plan_steps", first, "planned_start", item=code,
                            value=f"{day.day}/{day.month}/{day.year + 543}")
            continue
        p = projects.get(code)
        if p is not None and _present(p["start_date"]) and _present(p["end_date"]):
            start, end = p["start_date"], p["end_date"]
            period = f"{start.date()} – {end.date()}"
            for row, s in group:
                for col in ("planned_start", "planned_end"):
                    d = s[col]
                    if _present(d) and not (start <= d <= end):
                        yield v.finding("plan.outside-project", "plan_steps", row, col,
                                        item=f"{code}#{int(s['step_no'])}", expected=period)


# -- KPIs ----------------------------------------------------------------------------------------
def _kpi_units(v: "ReturnView") -> dict[str, str]:
    return {str(r["kpi_code"]): unit_key(v.ref, str(r["unit"])) or "" for _, r in v.rows("kpis")}


def _unit_range_findings(v: "ReturnView", key: str, column: str, unit: str, row: int, value: float, item: str):
    u = v.ref.units.get(unit)
    if u is None or not _present(value):
        return
    if u.kind == "level" and not (1 <= value <= 5 and float(value).is_integer()):
        yield v.finding("kpi.level-range", key, row, column, item=item)
    elif u.kind == "percent" and not 0 <= value <= 100:
        yield v.finding("kpi.percent-range", key, row, column, item=item)


def _last_progress(v: "ReturnView") -> dict[object, float]:
    """Each project's progress at its last report with a figure (by report number)."""
    filled: dict[object, list[Row]] = {}
    for row, r in v.rows("progress"):
        if _present(r["progress_pct"]):
            filled.setdefault(r["project_code"], []).append((row, r))
    return {code: sort_rows(rows, "report_no")[-1][1]["progress_pct"] for code, rows in filled.items()}


@cross_rule
def kpi_values(v: "ReturnView") -> Iterator["Finding"]:
    units = _kpi_units(v)
    for row, q in v.rows("kpi_quarters"):
        code, quarter = q["kpi_code"], q["quarter"]
        yield from _unit_range_findings(v, "kpi_quarters", "result", units.get(str(code), ""), row, q["result"],
                                        f"{code}#Q{int(quarter)}" if _present(quarter) else str(code))
    quarters = v.groups("kpi_quarters", "kpi_code", "quarter")
    for code, group in quarters:
        scored = [(row, q) for row, q in group if _present(q["result"]) and _present(q["score"])]
        first_score: dict[float, str] = {}
        for row, q in sort_rows(scored, "quarter"):
            score, result = str(q["score"]), q["result"]
            if result in first_score and _squash(first_score[result]) != _squash(score):
                yield v.finding("kpi.score-mismatch", "kpi_quarters", row, "score", result,
                                item=f"{code}#Q{int(q['quarter'])}", score=score, expected=first_score[result])
            first_score.setdefault(result, score)
    last_result = {}
    for code, group in quarters:
        filled = sort_rows([(row, q) for row, q in group if _present(q["result"])], "quarter")
        if filled:
            last_result[code] = float(filled[-1][1]["result"])
    last_progress = _last_progress(v)
    projects_by_kpi: dict[object, list[dict]] = {}  # each KPI's projects, in sheet order
    for _, p in v.rows("projects"):
        projects_by_kpi.setdefault(p["kpi_code"], []).append(p)
    for row, k in v.rows("kpis"):
        code = str(k["kpi_code"])
        unit, achieved, target = units.get(code, ""), k["achieved"], k["target"]
        yield from _unit_range_findings(v, "kpis", "achieved", unit, row, achieved, code)
        if _present(achieved) and _present(target) and target > 0 and achieved > 0:
            ratio = achieved / target
            limit = v.settings.kpi_magnitude_ratio
            if ratio >= limit or ratio <= 1 / limit:
                yield v.finding("kpi.achieved-magnitude", "kpis", row, "achieved", item=code, expected=target)
        if _present(achieved) and code in last_result and abs(achieved - last_result[code]) > 1e-9:
            yield v.finding("kpi.achieved-vs-quarters", "kpis", row, "achieved", item=code, expected=last_result[code])
        for p in projects_by_kpi.get(code, []) if _present(target) and target > 0 else ():
            value = achieved if _present(achieved) else last_result.get(code)
            latest = last_progress.get(p["project_code"])
            if latest is not None and latest >= 100 and _present(value) \
                    and value < target * v.settings.kpi_unmet_share and str(k["direction"]) != "lower":
                yield v.finding("kpi.project-complete-kpi-unmet", "kpis", row, "achieved", value, item=code,
                                project=p["project_code"], expected=target)
        method = k["calc_method"]
        if unit and v.ref.units[unit].kind == "level" and _present(method) and "นับจำนวน" in str(method):
            yield v.finding("kpi.unit-method-mismatch", "kpis", row, "unit", item=code, expected=str(method)[:60])


# -- reference names in text ---------------------------------------------------------------------
_DISTRICT_OFFICE = re.compile(r"สำนักงานเขต\s?([ก-๙]+)")
_GROUP = re.compile(r"กลุ่ม(?:เขต)?\s?(กรุง(?:เทพมหานคร|เทพ|ธน)(?:กลาง|ใต้|เหนือ|ตะวันออก)?)")
_TEXT_COLUMNS = {"progress": ("narrative", "problems", "obstacles"), "kpis": ("summary", "factors", "obstacles"),
                 "kpi_quarters": ("narrative",), "projects": ("remarks",)}


@lru_cache(maxsize=4096)
def _closest_district(names: tuple[str, ...], token: str) -> tuple[float, str]:
    """(similarity, name) of the district name closest to ``token`` (a name followed by other words)."""
    best = (0.0, "")
    for name in names:
        ratio = SequenceMatcher(None, token[: len(name) + 2], name).ratio()
        best = max(best, (ratio, name))
    return best


@cross_rule
def reference_names(v: "ReturnView") -> Iterator["Finding"]:
    districts = tuple(d.name_th for d in v.ref.districts.values())
    names = tuple(sorted(districts, key=len, reverse=True))
    canonical_groups = {th for th, _, _ in v.ref.groups.values()}
    for key, columns in _TEXT_COLUMNS.items():
        spec_id = v.frame(key).columns[0]
        for row, r in v.rows_holding(key, columns, ("สำนักงานเขต", "กลุ่ม")):  # what both patterns need
            for col in columns:
                text = r[col]
                if not _present(text):
                    continue
                text, seen = str(text), set()
                for m in _DISTRICT_OFFICE.finditer(text) if "สำนักงานเขต" in text else ():
                    token = m.group(1)
                    if token.startswith(names) or token in seen:
                        continue
                    ratio, suggestion = _closest_district(districts, token)
                    if ratio >= v.settings.name_match_cutoff:
                        seen.add(token)
                        yield v.finding("ref.unknown-district", key, row, col, f"สำนักงานเขต{token}",
                                        item=f"{r[spec_id]}#{row}:{token}",
                                        suggestion_th=f" (หรือหมายถึง สำนักงานเขต{suggestion}?)",
                                        suggestion_en=f" (did you mean {suggestion}?)")
                for m in _GROUP.finditer(text) if "กลุ่ม" in text else ():
                    name = m.group(1)
                    if name in canonical_groups or name in seen:
                        continue
                    no = v.ref.group_by_name(m.group(0)) or v.ref.group_by_name(name)
                    if no:
                        seen.add(name)
                        yield v.finding("ref.group-variant", key, row, col, m.group(0), item=f"{r[spec_id]}#{row}:{name}",
                                        expected=v.ref.groups[no][0])


# -- money stated in narratives -------------------------------------------------------------------
#: "เบิกจ่ายงบประมาณแล้ว 16 สำนักงานเขต (ร้อยละ 32) จำนวนเงิน 583,203.-บาท": an amount said to be disbursed,
#: within the same clause (clauses are separated by "/" or a new line).
_SPENT = re.compile(r"เบิกจ่าย[^/\n]{0,80}?(?:จำนวนเงิน|เป็นเงิน|รวม|จำนวน)\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*\.?-?\s*บาท")


#: "ได้โอนงบประมาณให้สำนักงานเขต 50 สำนักงานเขต จำนวนเงิน 3,267,440.-บาท", "ได้รับจัดสรรงบประมาณ 100,000 บาท"
_BUDGET = re.compile(r"(?:โอนงบประมาณ|ได้รับ(?:การ)?(?:จัดสรร)?งบประมาณ)[^/\n]{0,80}?"
                     r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*\.?-?\s*บาท")


@cross_rule
def narrative_budget(v: "ReturnView") -> Iterator["Finding"]:
    """A narrative stating the budget transferred or received as another amount than the project's
    budget received (the seed 21000000-3142: 3,267,440 transferred, 3,304,180 received). A warning:
    part of a budget may be held back, which auditors should know of."""
    received = {p["project_code"]: p["budget_received"] for _, p in v.rows("projects")}
    for code, group in _by_project(v, "progress", "report_no"):
        budget = received.get(code)
        if not _present(budget) or budget <= 0:
            continue
        tolerance = max(1.0, budget * v.settings.budget_used_tolerance_pct / 100)
        for row, r in group:
            if not _present(r["narrative"]) or "บาท" not in str(r["narrative"]):  # _BUDGET needs บาท
                continue
            for m in _BUDGET.finditer(v.ref_digits(str(r["narrative"]))):
                amount = float(m.group(1).replace(",", ""))
                if abs(amount - budget) > tolerance:
                    yield v.finding("narrative.budget-differs", "progress", row, "narrative", amount,
                                    item=f"{code}#{int(r['report_no'])}:{int(amount)}", expected=budget)


@cross_rule
def narrative_money(v: "ReturnView") -> Iterator["Finding"]:
    """A narrative saying more money was disbursed than the disbursement column records up to that
    report (the seed 21000000-3142: report 9 says 583,203 baht, the column 36,740)."""
    received = {p["project_code"]: p["budget_received"] for _, p in v.rows("projects")}
    for code, group in _by_project(v, "progress", "report_no"):
        to_date = 0.0
        budget = received.get(code)
        tolerance = max(1.0, (budget if _present(budget) else 0.0) * v.settings.budget_used_tolerance_pct / 100)
        for row, r in group:
            to_date += r["disbursed"] if _present(r["disbursed"]) else 0.0
            if not _present(r["narrative"]) or "บาท" not in str(r["narrative"]):  # _SPENT needs บาท
                continue
            stated = [float(m.group(1).replace(",", "")) for m in _SPENT.finditer(v.ref_digits(str(r["narrative"])))]
            if stated and max(stated) > to_date + tolerance:
                yield v.finding("narrative.spent-above-disbursed", "progress", row, "narrative", max(stated),
                                item=_report(code, r), expected=to_date)


# -- reference names in structured fields -------------------------------------------------------
@cross_rule
def responsible_units(v: "ReturnView") -> Iterator["Finding"]:
    """The departments, district offices and groups of a project's responsible-unit path."""
    names = None
    unknown: dict[str, list[tuple[str, str]]] = {}  # projects of an agency mostly share a few paths
    for row, p in v.rows("projects"):
        if not _present(p["responsible_unit"]):
            continue
        names = names or org_names(v.ref)
        path = str(p["responsible_unit"])
        if path not in unknown:
            unknown[path] = unknown_units(names, path)
        for segment, suggestion in unknown[path]:
            yield v.finding("ref.unknown-department", "projects", row, "responsible_unit", segment,
                            item=f"{p['project_code']}:{segment}", suggestion=suggestion)


# -- counts and percents stated together in text -----------------------------------------------------
_NUM = r"(\d{1,3}(?:,\d{3})*|\d+)"
#: "40 สำนักงานเขต คิดเป็นร้อยละ 80", "16 สำนักงานเขต (ร้อยละ 32)": out of Bangkok's 50 districts
_DISTRICT_SHARE = re.compile(_NUM + r"\s*(?:สำนักงานเขต|เขต)\s*\(?\s*(?:คิดเป็น)?\s*ร้อยละ\s*(\d+(?:\.\d+)?)")
#: "1,182 ชุมชน จาก 2,068 ชุมชน คิดเป็นร้อยละ 57.16"
_OF_TOTAL = re.compile(_NUM + r"\s*[ก-๙]*\s*จาก(?:ทั้งหมด)?\s*" + _NUM + r"\s*[ก-๙]*\s*\(?\s*(?:คิดเป็น)?\s*ร้อยละ\s*(\d+(?:\.\d+)?)")


def _share_findings(text: str) -> Iterator[tuple[str, int, int, float]]:
    for m in _DISTRICT_SHARE.finditer(text):
        count, pct = int(m.group(1).replace(",", "")), float(m.group(2))
        if count <= 50:
            yield m.group(0), count, 50, pct
    for m in _OF_TOTAL.finditer(text):
        count, total, pct = int(m.group(1).replace(",", "")), int(m.group(2).replace(",", "")), float(m.group(3))
        if total:
            yield m.group(0), count, total, pct


@cross_rule
def counts_and_percents(v: "ReturnView") -> Iterator["Finding"]:
    for key, columns in _TEXT_COLUMNS.items():
        first = v.frame(key).columns[0]
        for row, r in v.rows_holding(key, columns, ("ร้อยละ",)):
            for col in columns:
                if not _present(r[col]) or "ร้อยละ" not in str(r[col]):  # both share patterns need it
                    continue
                for phrase, count, total, pct in _share_findings(v.ref_digits(str(r[col]))):
                    actual = round(count / total * 100, 2)
                    if abs(actual - pct) > 0.5:  # percentage points: allows the rounding people do
                        yield v.finding("narrative.count-percent-mismatch", key, row, col, phrase,
                                        item=f"{r[first]}#{row}:{phrase}", count=count, total=total, expected=actual)
