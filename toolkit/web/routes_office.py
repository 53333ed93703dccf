"""The office's dashboard (login, role office): a round's roster and chase list, each agency's
submission history with what changed between submissions, rebuilding and downloading the master."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from toolkit.calendar import Round
from toolkit.errors import ToolkitError
from toolkit.ledger import Ledger
from toolkit.web import merge_job
from toolkit.web.app import WebContext, message_page, render
from toolkit.diff import diff_return
from toolkit.status import chase_text, round_status
from toolkit.web.roster import history, known_rounds
from toolkit.web.security import check_csrf, require_user

router = APIRouter(prefix="/office")


def _web(request: Request) -> WebContext:
    return request.app.state.web


def _round(ledger: Ledger, wanted: str | None) -> tuple[list[str], str | None]:
    rounds = known_rounds(ledger)
    if wanted:
        try:
            return rounds, str(Round.parse(wanted))
        except ToolkitError:
            raise HTTPException(404) from None
    return rounds, rounds[-1] if rounds else None


@router.get("", response_class=HTMLResponse)
async def dashboard(request: Request, round: str | None = None) -> Response:
    require_user(request, "office")
    web = _web(request)
    with Ledger(web.ws.ledger_path) as ledger:
        rounds, chosen = _round(ledger, round)
        status = round_status(ledger, web.ws.catalogue(), Round.parse(chosen), web.settings) if chosen else None
    return render(request, "office.html", rounds=rounds, chosen=chosen, status=status,
                  chase=chase_text(status) if status else "", master=web.ws.master_path.exists())


@router.get("/agency/{code}", response_class=HTMLResponse)
async def agency(request: Request, code: str, round: str) -> Response:
    require_user(request, "office")
    web = _web(request)
    with Ledger(web.ws.ledger_path) as ledger:
        _, chosen = _round(ledger, round)
        subs = history(ledger, code, chosen or "")
        agency_ = web.ws.catalogue().agencies.get(code)
        if not subs and agency_ is None:
            raise HTTPException(404)
        try:
            changes, why_not = diff_return(ledger, code, chosen or "", web.ref), None
        except ToolkitError as exc:
            changes, why_not = None, exc
    return render(request, "office_agency.html", code=code, name=agency_.name_th if agency_ else "?", round=chosen,
                  submissions=list(reversed(subs)), diff=changes, why_not=why_not)


@router.post("/merge")
async def merge(request: Request) -> Response:
    """Start rebuilding the master (or join the rebuild running); a quick one answers when done."""
    require_user(request, "office")
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    web = _web(request)
    job = web.merges.start(web)
    if not await run_in_threadpool(job.wait, merge_job.WAIT_S):
        return RedirectResponse("/office/merge", status_code=303)  # the page that follows it
    return _merge_answer(request, job)


@router.get("/merge", response_class=HTMLResponse)
async def merge_progress(request: Request) -> Response:
    """Where the rebuild is; the page reloads itself until it is done."""
    require_user(request, "office")
    job = _web(request).merges.current
    if job is None:
        return RedirectResponse("/office", status_code=303)
    return _merge_answer(request, job)


def _merge_answer(request: Request, job: merge_job.MergeJob) -> Response:
    if not job.finished:
        return render(request, "office_merge.html", job=job)
    if job.error is not None:
        busy = job.error.code == "workspace.busy"
        return message_page(request, 503 if busy else 500, "ระบบไม่ว่าง" if busy else "สร้างไฟล์รวมไม่สำเร็จ",
                            "Busy" if busy else "The master was not rebuilt", job.error.message_th, job.error.message_en)
    return RedirectResponse("/office?merged=1", status_code=303)


@router.get("/master.xlsx")
async def master(request: Request) -> Response:
    require_user(request, "office", "auditor")
    path = _web(request).ws.master_path
    if not path.exists():
        raise HTTPException(404)
    return FileResponse(path, filename="master.xlsx",
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
