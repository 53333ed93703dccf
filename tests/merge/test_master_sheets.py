"""The master's Summary (states per round and agency, open flags, KPI status, budget, charts), Flags
formatting and print area, and KPIResults' claimed value beside the computed one."""

import dataclasses
import re
import zipfile

import openpyxl
import pytest

from tests.builders import AGENCY, COUNT_KPI, PROJECT, make_return, set_cell, small_catalogue
from toolkit.collect import collect
from toolkit.ledger import Ledger
from toolkit.ledger.approval import approve
from toolkit.merge.run import merge_workspace
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.workspace import Workspace


def _edit(book, cells):
    set_cell(book, cells, ("projects", PROJECT, "budget_used"), 0)  # project.budget-used-mismatch (warning)
    set_cell(book, cells, ("kpis", COUNT_KPI, "achieved"), 7)  # claimed 7, the last quarter says 5


@pytest.fixture(scope="module")
def master(tmp_path_factory):
    from toolkit.reference import load_reference

    ref = load_reference()
    tmp = tmp_path_factory.mktemp("master")
    cat = small_catalogue()
    kpi = next(iter(cat.kpis.values()))
    cat.kpis["1007-0001"] = dataclasses.replace(kpi, kpi_code="1007-0001", agency_code="1007")  # expected, never sends
    ws = Workspace.create(tmp / "ws")
    write_catalogue(cat, ws.catalogue_path)
    make_return(ws.inbox, "a.xlsx", edit=_edit)
    collect(ws, None, ref, ws.catalogue(), received_at=lambda p: "2021-04-20T09:00:00")  # due 15 April: late
    with Ledger(ws.ledger_path) as ledger:
        approve(ledger, AGENCY, "2564-Q2")
    result = merge_workspace(ws, ref)
    return ws, result


def _tables(sheet):
    """Each table on the sheet: its English header row and the rows under it, by the header's first cell."""
    rows = list(sheet.iter_rows(values_only=True))
    out, i = {}, 0
    while i < len(rows):
        if rows[i][0] in ("Round", "Severity", "Rule", "Fiscal year") and i + 1 < len(rows):
            header = [h for h in rows[i] if h is not None]
            body = []
            for r in rows[i + 1:]:
                if r[0] is None:
                    break
                body.append(dict(zip(header, r)))
            out.setdefault(rows[i][0], []).append(body)
            i += len(body) + 1
        else:
            i += 1
    return out


def test_summary_states_flags_kpis_and_budget(master):
    ws, _ = master
    tables = _tables(openpyxl.load_workbook(ws.master_path)["Summary"])
    [per_round], [per_agency] = tables["Round"][0:1], tables["Round"][1:2]
    assert per_round == [{"Round": "2564-Q2", "Due": per_round[0]["Due"], "Expected": 2, "Accepted": 0,
                          "With warnings": 1, "Rejected": 0, "Not received": 1, "Late": 2, "Approved": 1}]
    agencies = {r["Agency code"]: r for r in per_agency}
    assert agencies[AGENCY]["State"] == "ผ่าน มีคำเตือน / accepted with warnings"
    assert agencies[AGENCY]["Late"] == "ใช่ / yes" and agencies[AGENCY]["Approved"] == "ใช่ / yes"
    assert agencies[AGENCY]["Budget received (baht)"] == 100000 and agencies[AGENCY]["Disbursed (baht)"] == 30000
    assert agencies[AGENCY]["Disbursed (%)"] == 30.0
    assert agencies["1007"]["State"] == "ยังไม่ส่ง / not received" and agencies["1007"]["Budget received (baht)"] is None
    [severities] = tables["Severity"]
    assert {r["Severity"]: r["Open flags"] for r in severities}["error"] == 0
    [rules] = tables["Rule"]
    assert {r["Rule"] for r in rules} >= {"project.budget-used-mismatch", "kpi.achieved-vs-quarters"}
    assert sum(r["Open flags"] for r in rules) == sum(r["Open flags"] for r in severities)
    [kpis] = tables["Fiscal year"]
    # Q2: the count KPI reached 5 of 10 (on track at half the year), the level KPI 2 of 5 (behind)
    assert kpis == [{"Fiscal year": "2564", "Met": 0, "On track": 1, "Behind": 1, "No data": 0, "Invalid value": 0,
                     "KPIs": 2}]


def test_summary_has_native_charts_over_its_tables(master):
    ws, _ = master
    with zipfile.ZipFile(ws.master_path) as z:
        charts = [z.read(n).decode() for n in sorted(z.namelist()) if re.match(r"xl/charts/chart\d+\.xml", n)]
    assert len(charts) == 3
    assert all("Summary!" in c for c in charts)
    titles = " ".join(charts)
    for words in ("Returns by state", "Budget received and disbursed", "KPI status"):
        assert words in titles


def test_flags_formatting_and_print_area(master):
    ws, result = master
    sheet = openpyxl.load_workbook(ws.master_path)["Flags"]
    header = [c.value for c in sheet[2]]
    assert header[:3] == ["Flag id", "Severity", "Rule"] and header.index("Decision") < header.index("Message (English)")
    assert sheet.print_area == f"'Flags'!$A$1:$M${len(result.data.flags) + 2}"  # the columns an auditor works in
    rules = [r for cf in sheet.conditional_formatting for r in cf.rules]
    texts = {r.text for r in rules if r.type == "containsText"}
    assert {"confirmed", "explained", "false alarm"} <= texts
    formulas = " ".join(f for r in rules for f in (r.formula or []))
    assert '="error"' in formulas and '="warning"' in formulas and '<>""' in formulas


def test_kpi_results_show_a_differing_claim_beside_the_computed_result(master):
    ws, _ = master
    rows = list(openpyxl.load_workbook(ws.master_path)["KPIResults"].iter_rows(values_only=True))
    header = rows[1]
    records = [dict(zip(header, r)) for r in rows[2:]]
    [q2] = [r for r in records if r["KPI code"] == COUNT_KPI and r["Quarter"] == 2]
    assert (q2["Result to date"], q2["Achieved as claimed"], q2["Claim differs"]) == (5, 7, "ใช่ / yes")
    assert q2["Score as claimed"] == "100 / 100"
    [q1] = [r for r in records if r["KPI code"] == COUNT_KPI and r["Quarter"] == 1]
    assert q1["Achieved as claimed"] is None and q1["Claim differs"] in (None, "")
