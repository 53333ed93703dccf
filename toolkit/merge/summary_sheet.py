"""The master's Summary sheet: where each round stands (a table and a stacked chart of states), every
agency's state against the due date with its budget, open flags by severity and rule, the KPI status
distribution (table and chart) and budget received against disbursed (chart, latest round).

Charts are XlsxWriter's native charts over the tables on the sheet, so they follow the numbers when an
auditor filters or edits nothing but reads."""

from __future__ import annotations

from collections import Counter
from typing import Any

from toolkit.merge.consolidate import MasterData
from toolkit.merge.kpi_results import STATUS_LABELS
from toolkit.template.xlsx import check

SHEET = "Summary"
_FONT = {"name": "TH Sarabun New", "size": 13}
STATES = (("accepted", "ผ่าน", "Accepted", "#70AD47"), ("accepted_with_warnings", "ผ่าน มีคำเตือน", "With warnings", "#FFC000"),
          ("rejected", "ไม่ผ่าน", "Rejected", "#C00000"), ("not_received", "ยังไม่ส่ง", "Not received", "#A5A5A5"))
KPI_STATUSES = (("met", "#70AD47"), ("on_track", "#5B9BD5"), ("behind", "#FFC000"), ("no_data", "#A5A5A5"),
                ("invalid", "#C00000"))

ROUNDS = ([("round", "รอบรายงาน", "Round", "text"), ("due", "กำหนดส่ง", "Due", "date"),
           ("expected", "หน่วยงานที่ต้องส่ง", "Expected", "count")]
          + [(key, th, en, "count") for key, th, en, _ in STATES]
          + [("late", "ส่งช้า", "Late", "count"), ("approved", "อนุมัติแล้ว", "Approved", "count")])
AGENCIES = [("round", "รอบรายงาน", "Round", "text"), ("agency", "รหัสหน่วยงาน", "Agency code", "code"),
            ("agency_name", "ชื่อหน่วยงาน", "Agency name", "text"), ("state", "สถานะ", "State", "text"),
            ("due", "กำหนดส่ง", "Due", "date"), ("received", "วันที่ได้รับ", "Received", "date"),
            ("late", "ส่งช้า", "Late", "text"), ("approved", "อนุมัติแล้ว", "Approved", "text"),
            ("held", "ส่งใหม่รออนุมัติ", "Held resubmissions", "int"),
            ("errors", "ข้อผิดพลาดที่เปิดอยู่", "Open errors", "int"),
            ("warnings", "คำเตือนที่เปิดอยู่", "Open warnings", "int"),
            ("budget_received", "งบประมาณที่ได้รับ (บาท)", "Budget received (baht)", "money"),
            ("disbursed", "เบิกจ่ายแล้ว (บาท)", "Disbursed (baht)", "money"),
            ("disbursed_pct", "ร้อยละการเบิกจ่าย", "Disbursed (%)", "percent")]
SEVERITIES = [("severity", "ระดับ", "Severity", "text"), ("count", "จำนวนประเด็นที่เปิดอยู่", "Open flags", "int")]
RULES = [("rule", "กฎ", "Rule", "text"), ("severity", "ระดับ", "Severity", "text"),
         ("count", "จำนวนประเด็นที่เปิดอยู่", "Open flags", "int")]
KPIS = ([("fiscal_year", "ปีงบประมาณ", "Fiscal year", "text")]
        + [(key, STATUS_LABELS[key][0], STATUS_LABELS[key][1].capitalize(), "count") for key, _ in KPI_STATUSES]
        + [("total", "รวม", "KPIs", "count")])


def round_rows(data: MasterData) -> list[dict[str, Any]]:
    """Per round: how many agencies are in each state, late and approved."""
    out: dict[str, dict[str, Any]] = {}
    for r in data.summary:
        row = out.setdefault(r["round"], {"round": r["round"], "due": r["due"], "expected": 0, "late": 0, "approved": 0,
                                          **{key: 0 for key, *_ in STATES}})
        row["expected"] += 1
        row[r["outcome"]] += 1
        row["late"] += bool(r["late"])
        row["approved"] += bool(r.get("approved"))
    return list(out.values())


def kpi_rows(data: MasterData) -> list[dict[str, Any]]:
    """Per fiscal year: KPIs by the status of their latest quarter."""
    latest: dict[tuple[Any, str, str], dict[str, Any]] = {}
    for r in data.kpi_results:
        key = (r["fiscal_year"], r["agency"], r["kpi_code"])
        if key not in latest or r["quarter"] > latest[key]["quarter"]:
            latest[key] = r
    counts = Counter((fy, r["status"]) for (fy, _, _), r in latest.items())
    years = sorted({fy for fy, _ in counts})
    return [{"fiscal_year": str(fy), **{s: counts.get((fy, s), 0) for s, _ in KPI_STATUSES},
             "total": sum(counts.get((fy, s), 0) for s, _ in KPI_STATUSES)} for fy in years]


def _agency_rows(data: MasterData) -> list[dict[str, Any]]:
    out = []
    for r in data.summary:
        budget, disbursed = r.get("budget_received"), r.get("disbursed")
        pct = round(disbursed / budget * 100, 1) if budget and disbursed is not None else None
        out.append({**r, "approved": bool(r.get("approved")), "disbursed_pct": pct})
    return out


def _chart(w: Any, kind: str, title: str, subtype: str | None = None) -> Any:
    chart = w.book.add_chart({"type": kind, **({"subtype": subtype} if subtype else {})})
    chart.set_title({"name": title, "name_font": {**_FONT, "size": 15, "bold": True}})
    chart.set_legend({"position": "bottom", "font": _FONT})
    chart.set_x_axis({"num_font": _FONT})
    chart.set_y_axis({"num_font": _FONT, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    return chart


def _insert(ws: Any, row: int, col: int, chart: Any, width: int, height: int) -> None:
    chart.set_size({"width": width, "height": height})
    check(ws.insert_chart(row, col, chart, {"x_offset": 8, "y_offset": 4}), f"insert chart at row {row}")


def write_summary(w: Any, ws: Any, data: MasterData) -> None:
    """Fill the Summary worksheet ``ws`` through the master writer ``w`` (its formats, its table())."""
    check(ws.write_string(0, 0, "สรุปผลการรายงาน / Reporting summary", w.title), "write summary title")
    ws.set_row(0, 32)  # the 18 pt title with Thai marks above and below
    if "count" not in w.fmt:  # counts sit centred in columns the wider tables size
        w.fmt["count"] = w.book.add_format({**w.base, "align": "center"})
    as_of = f"  ณ วันที่ / as of {data.as_of.isoformat()}" if data.as_of else ""
    check(ws.write_string(1, 0, "รอบรายงาน / Rounds: " + ", ".join(data.rounds) + as_of), "write rounds")

    # where each round stands, and a stacked chart of the states --------------------------------
    rounds = round_rows(data)
    row = 3
    w.table(SHEET, ROUNDS, rounds, start_row=row, ws=ws, configure=False)
    if rounds:
        chart = _chart(w, "bar", "สถานะการส่งรายงาน / Returns by state", "stacked")
        first, last = row + 2, row + 1 + len(rounds)
        for i, (key, th, en, colour) in enumerate(STATES):
            col = 3 + i
            chart.add_series({"name": f"{th} / {en}", "categories": [SHEET, first, 0, last, 0],
                              "values": [SHEET, first, col, last, col], "fill": {"color": colour},
                              "data_labels": {"value": True, "font": _FONT, "num_format": "0;;;"}, "gap": 40})
        chart.set_y_axis({"reverse": True, "num_font": _FONT, "interval_unit": 1})  # categories down, first on top
        _insert(ws, row, len(ROUNDS) + 1, chart, 620, 170 + 60 * len(rounds))
    row += max(2 + len(rounds), (170 + 60 * len(rounds)) // 21 + 1) + 2  # below the chart (21 px rows)

    # every agency against the due date ------------------------------------------------------
    agencies = _agency_rows(data)
    agency_row = row
    w.table(SHEET, AGENCIES, agencies, start_row=row, ws=ws)
    ws.set_column(0, 0, 30)  # the rule table below shares column A
    keys = [k for k, *_ in AGENCIES]
    state_col = keys.index("state")
    last_row = row + 1 + max(len(agencies), 1)
    bad = w.book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
    for needle, fmt in (("rejected", bad), ("not received", w.book.add_format({"bg_color": "#EDEDED"})),
                        ("warnings", w.book.add_format({"bg_color": "#FFEB9C"}))):
        check(ws.conditional_format(row + 2, state_col, last_row, state_col, {
            "type": "text", "criteria": "containing", "value": needle, "format": fmt}), "format agency states")
    late_col = keys.index("late")
    check(ws.conditional_format(row + 2, late_col, last_row, late_col, {
        "type": "text", "criteria": "containing", "value": "yes", "format": bad}), "format late")
    row = last_row + 2

    # budget received against disbursed, per agency of the latest round ---------------------------
    latest = data.rounds[-1] if data.rounds else None
    idx = [i for i, r in enumerate(agencies) if r["round"] == latest and r.get("budget_received")]
    if idx:
        chart = _chart(w, "column", f"งบประมาณที่ได้รับและเบิกจ่าย รอบ {latest} / Budget received and disbursed (baht)")
        first, last = agency_row + 2 + idx[0], agency_row + 2 + idx[-1]
        for key, name, colour in (("budget_received", "ได้รับ / received", "#5B9BD5"),
                                  ("disbursed", "เบิกจ่าย / disbursed", "#ED7D31")):
            col = keys.index(key)
            chart.add_series({"name": name, "categories": [SHEET, first, 1, last, 1],
                              "values": [SHEET, first, col, last, col], "fill": {"color": colour}})
        chart.set_y_axis({"num_font": _FONT, "num_format": "#,##0", "major_gridlines": {"visible": True,
                                                                                        "line": {"color": "#D9D9D9"}}})
        _insert(ws, row, 0, chart, 900, 300)
        row += 17

    # open flags by severity and by rule ----------------------------------------------------
    open_flags = [f for f in data.flags if not f["decision"]]
    severities = Counter(f["severity"] for f in open_flags)
    w.table(SHEET, SEVERITIES, [{"severity": s, "count": severities.get(s, 0)} for s in ("error", "warning")],
            start_row=row, ws=ws, configure=False)
    row += 2 + 2 + 2
    by_rule = Counter((f["rule"], f["severity"]) for f in open_flags)
    rules = [{"rule": r, "severity": s, "count": c}
             for (r, s), c in sorted(by_rule.items(), key=lambda kv: (kv[0][1] != "error", -kv[1], kv[0][0]))]
    w.table(SHEET, RULES, rules, start_row=row, ws=ws, configure=False)
    row += 2 + max(len(rules), 1) + 2

    # KPI status distribution (latest quarter of each KPI) ------------------------------------
    kpis = kpi_rows(data)
    w.table(SHEET, KPIS, kpis, start_row=row, ws=ws, configure=False)
    if kpis:
        chart = _chart(w, "bar", "สถานะตัวชี้วัด (ไตรมาสล่าสุด) / KPI status, latest quarter", "stacked")
        first, last = row + 2, row + 1 + len(kpis)
        for i, (key, colour) in enumerate(KPI_STATUSES):
            th, en = STATUS_LABELS[key]
            chart.add_series({"name": f"{th} / {en}", "categories": [SHEET, first, 0, last, 0],
                              "values": [SHEET, first, 1 + i, last, 1 + i], "fill": {"color": colour},
                              "data_labels": {"value": True, "font": _FONT, "num_format": "0;;;"}, "gap": 40})
        chart.set_y_axis({"reverse": True, "num_font": _FONT, "interval_unit": 1})  # categories down, first on top
        _insert(ws, row, len(KPIS) + 1, chart, 620, 150 + 40 * len(kpis))
