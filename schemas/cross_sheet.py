"""Rules over several rows or sheets of one return. Each rule is a function of a ReturnView (typed
frames, reference data, thresholds) yielding Findings; the registry in ``schemas.rules`` holds
their ids, severities and messages."""

from __future__ import annotations

import math
import re
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

import pandas as pd

from toolkit.expected import unit_key
from toolkit.normalise.values import squash as _squash
from toolkit.validate.org_names import org_names, unknown_units

if TYPE_CHECKING:
    from toolkit.findings import Finding
    from toolkit.validate.view import ReturnView

CrossRule = Callable[["ReturnView"], Iterable["Finding"]]
CROSS_RULES: list[CrossRule] = []


def cross_rule(fn: CrossRule) -> CrossRule:
    CROSS_RULES.append(fn)
    return fn


def _present(x: object) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and x is not pd.NaT


def _by_project(v: "ReturnView", key: str, order: str) -> Iterator[tuple[str, pd.DataFrame]]:
    frame = v.frame(key)
    for code, group in frame.groupby("project_code", sort=False):
        yield str(code), group.sort_values(order)


# -- project budget ------------------------------------------------------------------------------
@cross_rule
def budget_against_disbursements(v: "ReturnView") -> Iterator["Finding"]:
    progress = v.frame("progress")
    totals = progress.groupby("project_code")["disbursed"].sum(min_count=1)
    for row, p in v.frame("projects").iterrows():
        total = totals.get(p.project_code)
        if not _present(total):
            continue
        received = p.budget_received if _present(p.budget_received) else 0.0
        if received > 0 and total > received:
            yield v.finding("project.overspent", "projects", row, "budget_used", total, item=p.project_code,
                            expected=received)
        if _present(p.budget_used):
            tolerance = max(1.0, received * v.settings.budget_used_tolerance_pct / 100)
            if abs(p.budget_used - total) > tolerance:
                yield v.finding("project.budget-used-mismatch", "projects", row, "budget_used", item=p.project_code,
                                amount=p.budget_used, expected=total)


# -- progress reports ----------------------------------------------------------------------------
@cross_rule
def progress_sequence(v: "ReturnView") -> Iterator["Finding"]:
    for code, group in _by_project(v, "progress", "report_no"):
        last_pct, last_date, last_text = None, None, None
        for row, r in group.iterrows():
            item = f"{code}#{int(r.report_no)}"
            filled = any(_present(r[c]) for c in ("report_date", "narrative", "progress_pct", "disbursed"))
            if not filled:
                yield v.finding("progress.report-missing", "progress", row, "report_date", "", item=item,
                                expected=int(r.report_no))
                continue
            if _present(r.progress_pct):
                if last_pct is not None and r.progress_pct < last_pct:
                    yield v.finding("progress.decreasing", "progress", row, "progress_pct", item=item, expected=last_pct)
                last_pct = r.progress_pct if last_pct is None else max(last_pct, r.progress_pct)
                if r.progress_pct == 0 and _present(r.disbursed) and r.disbursed > 0:
                    yield v.finding("progress.disbursed-at-zero", "progress", row, "disbursed", item=item)
            if _present(r.report_date):
                if last_date is not None and r.report_date < last_date:
                    yield v.finding("progress.dates-out-of-order", "progress", row, "report_date", item=item,
                                    expected=last_date.strftime("%d/%m/") + str(last_date.year + 543))
                last_date = r.report_date
            if r.schedule_status == "behind" and not _present(r.problems):
                yield v.finding("progress.delay-without-problem", "progress", row, "problems", item=item)
            if _present(r.narrative) and len(str(r.narrative)) > 20 and r.narrative == last_text:
                yield v.finding("progress.copied-narrative", "progress", row, "narrative", item=item)
            last_text = r.narrative if _present(r.narrative) else last_text


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
        for row, r in group.iterrows():
            if not (_present(r.progress_pct) and _present(r.report_no)):
                continue
            prior = h.prior_progress(code, int(r.report_no))
            if prior is not None and r.progress_pct < prior[0] - 1e-9:
                yield v.finding("progress.below-previous-round", "progress", row, "progress_pct",
                                item=f"{code}#{int(r.report_no)}", expected=prior[0], round=h.round, report=prior[1])


@cross_rule
def completion_matches_status(v: "ReturnView") -> Iterator["Finding"]:
    latest = {}
    for code, group in _by_project(v, "progress", "report_no"):
        filled = group[group.progress_pct.notna()]
        if len(filled):
            latest[code] = (filled.index[-1], float(filled.progress_pct.iloc[-1]))
    for row, p in v.frame("projects").iterrows():
        if p.project_code not in latest or not _present(p.project_status):
            continue
        prow, pct = latest[p.project_code]
        done = p.project_status == "completed"
        if (pct >= 100) != done and p.project_status in ("completed", "in_progress", "not_started"):
            yield v.finding("progress.complete-status-mismatch", "progress", prow, "progress_pct", pct,
                            item=p.project_code, expected=v.ref.status_label("project", p.project_status))


def _planned_pct(steps: pd.DataFrame, day: pd.Timestamp) -> float | None:
    """Plan-weighted progress expected on ``day``: each step's weight times the share of it elapsed."""
    total = 0.0
    for _, s in steps.iterrows():
        if not (_present(s.weight_pct) and _present(s.planned_start) and _present(s.planned_end)):
            return None
        span = (s.planned_end - s.planned_start).days + 1
        done = min(max((day - s.planned_start).days + 1, 0), span)
        total += s.weight_pct * done / span
    return round(total, 1)


@cross_rule
def schedule_against_plan(v: "ReturnView") -> Iterator["Finding"]:
    steps = v.frame("plan_steps")
    for code, group in _by_project(v, "progress", "report_no"):
        plan = steps[steps.project_code == code]
        placeholder = len(plan) >= 2 and plan.planned_start.nunique() == 1 and plan.planned_end.nunique() == 1
        for row, r in group.iterrows():
            if r.schedule_status not in ("on_plan", "ahead") or not _present(r.progress_pct) \
                    or not _present(r.report_date):
                continue
            item = f"{code}#{int(r.report_no)}"
            if r.progress_pct == 0 and r.report_date.month in (4, 5, 6, 7, 8, 9):
                yield v.finding("progress.zero-late-on-plan", "progress", row, "progress_pct", item=item)
                continue
            expected = None if placeholder or plan.empty else _planned_pct(plan, r.report_date)
            if expected is not None and r.progress_pct < expected - v.settings.behind_plan_points:
                yield v.finding("progress.behind-while-on-plan", "progress", row, "progress_pct", item=item,
                                expected=expected)


# -- plan steps ----------------------------------------------------------------------------------
@cross_rule
def plan_steps(v: "ReturnView") -> Iterator["Finding"]:
    projects = v.frame("projects").set_index("project_code", drop=False)
    for code, group in _by_project(v, "plan_steps", "step_no"):
        first = group.index[0]
        weights = group.weight_pct.dropna()
        if len(weights) and abs(weights.sum() - 100) > v.settings.weight_sum_tolerance:
            yield v.finding("plan.weights-sum", "plan_steps", first, "weight_pct", float(weights.sum()), item=code)
        starts, ends = group.planned_start.dropna(), group.planned_end.dropna()
        if len(group) >= 2 and len(starts) == len(group) and len(ends) == len(group) \
                and starts.nunique() == 1 and ends.nunique() == 1 and starts.iloc[0] == ends.iloc[0]:
            day = starts.iloc[0]
            yield v.finding("plan.placeholder-dates", "plan_steps", first, "planned_start", item=code,
                            value=f"{day.day}/{day.month}/{day.year + 543}")
            continue
        if code in projects.index:
            p = projects.loc[code]
            if isinstance(p, pd.DataFrame):
                p = p.iloc[0]
            if _present(p.start_date) and _present(p.end_date):
                period = f"{p.start_date.date()} – {p.end_date.date()}"
                for row, s in group.iterrows():
                    for col in ("planned_start", "planned_end"):
                        d = s[col]
                        if _present(d) and not (p.start_date <= d <= p.end_date):
                            yield v.finding("plan.outside-project", "plan_steps", row, col, item=f"{code}#{int(s.step_no)}",
                                            expected=period)


# -- KPIs ----------------------------------------------------------------------------------------
def _kpi_units(v: "ReturnView") -> dict[str, str]:
    return {str(r.kpi_code): unit_key(v.ref, str(r.unit)) or "" for _, r in v.frame("kpis").iterrows()}


def _unit_range_findings(v: "ReturnView", key: str, column: str, unit: str, row: int, value: float, item: str):
    u = v.ref.units.get(unit)
    if u is None or not _present(value):
        return
    if u.kind == "level" and not (1 <= value <= 5 and float(value).is_integer()):
        yield v.finding("kpi.level-range", key, row, column, item=item)
    elif u.kind == "percent" and not 0 <= value <= 100:
        yield v.finding("kpi.percent-range", key, row, column, item=item)


@cross_rule
def kpi_values(v: "ReturnView") -> Iterator["Finding"]:
    units = _kpi_units(v)
    quarters = v.frame("kpi_quarters")
    for row, q in quarters.iterrows():
        yield from _unit_range_findings(v, "kpi_quarters", "result", units.get(str(q.kpi_code), ""), row, q.result,
                                        f"{q.kpi_code}#Q{int(q.quarter)}" if _present(q.quarter) else str(q.kpi_code))
    for code, group in quarters.groupby("kpi_code", sort=False):
        scored = group[group.result.notna() & group.score.notna()]
        first_score: dict[float, str] = {}
        for row, q in scored.sort_values("quarter").iterrows():
            score = str(q.score)
            if q.result in first_score and _squash(first_score[q.result]) != _squash(score):
                yield v.finding("kpi.score-mismatch", "kpi_quarters", row, "score", q.result,
                                item=f"{code}#Q{int(q.quarter)}", score=score, expected=first_score[q.result])
            first_score.setdefault(q.result, score)
    last_result = {}
    for code, group in quarters.groupby("kpi_code", sort=False):
        filled = group[group.result.notna()].sort_values("quarter")
        if len(filled):
            last_result[str(code)] = float(filled.result.iloc[-1])
    for row, k in v.frame("kpis").iterrows():
        code, unit = str(k.kpi_code), units.get(str(k.kpi_code), "")
        yield from _unit_range_findings(v, "kpis", "achieved", unit, row, k.achieved, code)
        if _present(k.achieved) and _present(k.target) and k.target > 0 and k.achieved > 0:
            ratio = k.achieved / k.target
            limit = v.settings.kpi_magnitude_ratio
            if ratio >= limit or ratio <= 1 / limit:
                yield v.finding("kpi.achieved-magnitude", "kpis", row, "achieved", item=code, expected=k.target)
        if _present(k.achieved) and code in last_result and abs(k.achieved - last_result[code]) > 1e-9:
            yield v.finding("kpi.achieved-vs-quarters", "kpis", row, "achieved", item=code, expected=last_result[code])
        for prow, p in v.frame("projects").iterrows():
            if p.kpi_code != code or not (_present(k.target) and k.target > 0):
                continue
            latest = v.frame("progress")
            latest = latest[(latest.project_code == p.project_code) & latest.progress_pct.notna()]
            value = k.achieved if _present(k.achieved) else last_result.get(code)
            if len(latest) and latest.sort_values("report_no").progress_pct.iloc[-1] >= 100 and _present(value) \
                    and value < k.target * v.settings.kpi_unmet_share and str(k.direction) != "lower":
                yield v.finding("kpi.project-complete-kpi-unmet", "kpis", row, "achieved", value, item=code,
                                project=p.project_code, expected=k.target)
        if unit and v.ref.units[unit].kind == "level" and _present(k.calc_method) and "นับจำนวน" in str(k.calc_method):
            yield v.finding("kpi.unit-method-mismatch", "kpis", row, "unit", item=code,
                            expected=str(k.calc_method)[:60])


# -- reference names in text ---------------------------------------------------------------------
_DISTRICT_OFFICE = re.compile(r"สำนักงานเขต\s?([ก-๙]+)")
_GROUP = re.compile(r"กลุ่ม(?:เขต)?\s?(กรุง(?:เทพมหานคร|เทพ|ธน)(?:กลาง|ใต้|เหนือ|ตะวันออก)?)")
_TEXT_COLUMNS = {"progress": ("narrative", "problems", "obstacles"), "kpis": ("summary", "factors", "obstacles"),
                 "kpi_quarters": ("narrative",), "projects": ("remarks",)}


def _closest_district(v: "ReturnView", token: str) -> tuple[float, str]:
    best = (0.0, "")
    for d in v.ref.districts.values():
        ratio = SequenceMatcher(None, token[: len(d.name_th) + 2], d.name_th).ratio()
        best = max(best, (ratio, d.name_th))
    return best


@cross_rule
def reference_names(v: "ReturnView") -> Iterator["Finding"]:
    names = sorted((d.name_th for d in v.ref.districts.values()), key=len, reverse=True)
    canonical_groups = {th for th, _, _ in v.ref.groups.values()}
    for key, columns in _TEXT_COLUMNS.items():
        frame = v.frame(key)
        spec_id = frame.columns[0]
        for row, r in frame.iterrows():
            for col in columns:
                text = r[col]
                if not _present(text):
                    continue
                seen = set()
                for m in _DISTRICT_OFFICE.finditer(str(text)):
                    token = m.group(1)
                    if any(token.startswith(n) for n in names) or token in seen:
                        continue
                    ratio, suggestion = _closest_district(v, token)
                    if ratio >= v.settings.name_match_cutoff:
                        seen.add(token)
                        yield v.finding("ref.unknown-district", key, row, col, f"สำนักงานเขต{token}",
                                        item=f"{r[spec_id]}#{row}:{token}",
                                        suggestion_th=f" (หรือหมายถึง สำนักงานเขต{suggestion}?)",
                                        suggestion_en=f" (did you mean {suggestion}?)")
                for m in _GROUP.finditer(str(text)):
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
    received = {p.project_code: p.budget_received for _, p in v.frame("projects").iterrows()}
    for code, group in _by_project(v, "progress", "report_no"):
        budget = received.get(code)
        if not _present(budget) or budget <= 0:
            continue
        tolerance = max(1.0, budget * v.settings.budget_used_tolerance_pct / 100)
        for row, r in group.iterrows():
            if not _present(r.narrative):
                continue
            for m in _BUDGET.finditer(v.ref_digits(str(r.narrative))):
                amount = float(m.group(1).replace(",", ""))
                if abs(amount - budget) > tolerance:
                    yield v.finding("narrative.budget-differs", "progress", row, "narrative", amount,
                                    item=f"{code}#{int(r.report_no)}:{int(amount)}", expected=budget)


@cross_rule
def narrative_money(v: "ReturnView") -> Iterator["Finding"]:
    """A narrative saying more money was disbursed than the disbursement column records up to that
    report (the seed 21000000-3142: report 9 says 583,203 baht, the column 36,740)."""
    received = {p.project_code: p.budget_received for _, p in v.frame("projects").iterrows()}
    for code, group in _by_project(v, "progress", "report_no"):
        to_date = 0.0
        budget = received.get(code)
        tolerance = max(1.0, (budget if _present(budget) else 0.0) * v.settings.budget_used_tolerance_pct / 100)
        for row, r in group.iterrows():
            to_date += r.disbursed if _present(r.disbursed) else 0.0
            if not _present(r.narrative):
                continue
            stated = [float(m.group(1).replace(",", "")) for m in _SPENT.finditer(v.ref_digits(str(r.narrative)))]
            if stated and max(stated) > to_date + tolerance:
                yield v.finding("narrative.spent-above-disbursed", "progress", row, "narrative", max(stated),
                                item=f"{code}#{int(r.report_no)}", expected=to_date)


# -- reference names in structured fields -------------------------------------------------------
@cross_rule
def responsible_units(v: "ReturnView") -> Iterator["Finding"]:
    """The departments, district offices and groups of a project's responsible-unit path."""
    names = None
    for row, p in v.frame("projects").iterrows():
        if not _present(p.responsible_unit):
            continue
        names = names or org_names(v.ref)
        for segment, suggestion in unknown_units(names, str(p.responsible_unit)):
            yield v.finding("ref.unknown-department", "projects", row, "responsible_unit", segment,
                            item=f"{p.project_code}:{segment}", suggestion=suggestion)


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
        frame = v.frame(key)
        first = frame.columns[0]
        for row, r in frame.iterrows():
            for col in columns:
                if not _present(r[col]):
                    continue
                text = v.ref_digits(str(r[col]))
                for phrase, count, total, pct in _share_findings(text):
                    actual = round(count / total * 100, 2)
                    if abs(actual - pct) > 0.5:  # percentage points: allows the rounding people do
                        yield v.finding("narrative.count-percent-mismatch", key, row, col, phrase,
                                        item=f"{r[first]}#{row}:{phrase}", count=count, total=total, expected=actual)
