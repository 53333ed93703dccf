"""The auditors' view (login, role auditor): the Flags of the master with filters, each flag's value
beside the row it sits in, and the decision form writing to the ledger's ``decisions`` table."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from schemas import SHEETS_BY_KEY
from toolkit.errors import ToolkitError
from toolkit.ledger import Ledger
from toolkit.merge.consolidate import build_master_data
from toolkit.web.app import WebContext, message_page, render
from toolkit.web.decide import CHOICES, decide
from toolkit.web.security import check_csrf, require_user

router = APIRouter(prefix="/auditor")
FILTERS = ("round", "rule", "severity", "agency", "decision")


def _web(request: Request) -> WebContext:
    return request.app.state.web


def _flags(request: Request) -> list[dict[str, Any]]:
    web = _web(request)
    with Ledger(web.ws.ledger_path) as ledger:
        flags = build_master_data(ledger, web.ws.catalogue(), web.ref, web.settings).flags
        where = {(r["submission_id"], r["flag_id"]): (r["item"], r["column_key"])
                 for r in ledger.db.execute("SELECT submission_id, flag_id, item, column_key FROM findings")}
    for f in flags:
        f["item"], f["column"] = where.get((f["submission"], f["flag_id"]), ("", ""))
        spec = SHEETS_BY_KEY.get(f["sheet_key"] or "")
        col = next((c for c in spec.columns if c.key == f["column"]), None) if spec else None
        f["column_th"], f["column_en"] = (col.th, col.en) if col else ("", "")
    return flags


def _matches(flag: dict[str, Any], filters: dict[str, str]) -> bool:
    for key, wanted in filters.items():
        if not wanted:
            continue
        if key == "decision":
            if (wanted == "open" and flag["decision"]) or (wanted != "open" and flag["decision"] != wanted):
                return False
        elif str(flag.get(key, "")) != wanted:
            return False
    return True


@router.get("", response_class=HTMLResponse)
async def flags(request: Request) -> Response:
    require_user(request, "auditor")
    all_flags = await run_in_threadpool(_flags, request)
    filters = {k: request.query_params.get(k, "") for k in FILTERS}
    shown = [f for f in all_flags if _matches(f, filters)]
    options = {k: sorted({str(f[k]) for f in all_flags if f.get(k)}) for k in ("round", "rule", "severity", "agency")}
    limit = _web(request).web.flags_per_page
    return render(request, "auditor.html", flags=shown[:limit], total=len(shown), all_count=len(all_flags),
                  filters=filters, options=options, choices=CHOICES, limit=limit)


def _context_row(ledger: Ledger, flag: dict[str, Any]) -> list[tuple[str, str, Any, bool]]:
    """The flagged row as (Thai label, English label, value, is the flagged column)."""
    spec = SHEETS_BY_KEY.get(flag["sheet_key"] or "")
    if spec is None:
        return []
    for excel_row, values in ledger.rows(flag["submission"], spec.key):
        if excel_row == flag["excel_row"]:
            return [(c.th, c.en, values.get(c.key), c.key == flag["column"]) for c in spec.columns]
    return []


@router.get("/flag/{flag_id}", response_class=HTMLResponse)
async def flag(request: Request, flag_id: str) -> Response:
    require_user(request, "auditor")
    found = [f for f in await run_in_threadpool(_flags, request) if f["flag_id"] == flag_id]
    if not found:
        raise HTTPException(404)
    with Ledger(_web(request).ws.ledger_path) as ledger:
        context = _context_row(ledger, found[0])
    return render(request, "flag.html", flag=found[0], context=context, choices=CHOICES,
                  back=request.query_params.get("back", ""))


@router.post("/flag/{flag_id}", response_class=HTMLResponse)
async def record(request: Request, flag_id: str) -> Response:
    user = require_user(request, "auditor")
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    decision = str(form.get("decision", ""))
    if decision not in CHOICES:
        return message_page(request, 400, "ข้อมูลไม่ถูกต้อง", "Bad request", "ผลการพิจารณาไม่อยู่ในรายการ",
                            "The decision is not one of the choices.")
    web = _web(request)
    found = [f for f in await run_in_threadpool(_flags, request) if f["flag_id"] == flag_id]
    if not found:
        raise HTTPException(404)
    try:
        await run_in_threadpool(decide, web.ws, web.ref, flag_id, decision, str(form.get("note", "")), user.name,
                                found[0]["value"], web.settings)
    except ToolkitError as exc:
        return message_page(request, 503, "ระบบไม่ว่าง", "Busy", exc.message_th, exc.message_en)
    back = str(form.get("back", ""))
    return RedirectResponse(f"/auditor/flag/{flag_id}?saved=1" + (f"&back={quote(back)}" if back else ""),
                            status_code=303)
