"""The agency's pages, reached only through its secret link ``/a/<token>``: upload and self-check,
the issues in Thai, the feedback workbook, submission and receipts. A wrong, revoked or expired
token gets the same "not found" page as a path that does not exist, and sees nothing."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from schemas import SHEETS_BY_KEY
from toolkit.calendar import Round, format_be
from toolkit.ledger import Ledger
from toolkit.web.app import WebContext, message_page, render
from toolkit.web.checks import check_dir, load_check, prune, run_check, staging_dir
from toolkit.web.security import check_csrf, csrf_token
from toolkit.web.submit import SubmitRefused, agency_submissions, receipt_for, submit_check
from toolkit.web.tokens import AgencyAccess, resolve_token
from toolkit.web.uploads import UploadRefused, receive_upload
from toolkit.errors import WorkspaceError

router = APIRouter(prefix="/a/{token}")
SHEET_LABELS = {key: spec.sheet_name for key, spec in SHEETS_BY_KEY.items()}


def _web(request: Request) -> WebContext:
    return request.app.state.web


def _access(request: Request, token: str) -> AgencyAccess:
    with Ledger(_web(request).ws.ledger_path) as ledger:
        access = resolve_token(ledger, token)
    if access is None:
        raise HTTPException(404)
    return access


def _agency_page(request: Request, token: str, access: AgencyAccess, **extra: object) -> HTMLResponse:
    web = _web(request)
    agency = web.ws.catalogue().agencies.get(access.agency)
    rnd = Round.parse(access.round)
    with Ledger(web.ws.ledger_path) as ledger:
        subs = agency_submissions(ledger, access)
    return render(request, "agency.html", extra.pop("status_code", 200), token=token, access=access,  # type: ignore[arg-type]
                  agency_name=agency.name_th if agency else access.agency, round_label=rnd.label_th,
                  due=format_be(rnd.due_date(web.settings.due_days_after_round)), submissions=subs,
                  max_mb=web.web.max_upload_bytes // (1024 * 1024), anonymous=True, **extra)


@router.get("", response_class=HTMLResponse)
async def home(request: Request, token: str) -> Response:
    return _agency_page(request, token, _access(request, token))


@router.post("/check", response_class=HTMLResponse)
async def check(request: Request, token: str) -> Response:
    access = _access(request, token)
    web = _web(request)
    expected = request.session.get("csrf", "")
    try:
        upload = await receive_upload(web.ws, request.headers.get("content-type", ""),
                                      request.headers.get("content-length"), request.stream(),
                                      web.web.max_upload_bytes, expected, staging_dir(web.ws))
    except UploadRefused as exc:
        csrf_token(request)
        return _agency_page(request, token, access, status_code=exc.status, refusal=exc)
    await run_in_threadpool(prune, web.ws, web.web.staging_keep_hours)
    record = await run_in_threadpool(run_check, web.ws, web.ref, access, upload, web.web.check_timeout_s)
    return RedirectResponse(f"/a/{token}/check/{record.sha256}", status_code=303)


@router.get("/check/{sha}", response_class=HTMLResponse)
async def check_result(request: Request, token: str, sha: str) -> Response:
    access = _access(request, token)
    record = load_check(_web(request).ws, access, sha)
    if record is None:
        raise HTTPException(404)
    return render(request, "check.html", token=token, access=access, record=record, anonymous=True)


@router.get("/check/{sha}/feedback.xlsx")
async def feedback(request: Request, token: str, sha: str) -> Response:
    access = _access(request, token)
    ws = _web(request).ws
    record = load_check(ws, access, sha)
    folder = check_dir(ws, access, sha)
    if record is None or folder is None or not record.feedback or not (folder / "feedback.xlsx").is_file():
        raise HTTPException(404)
    stem = record.name.rsplit(".", 1)[0]
    return FileResponse(folder / "feedback.xlsx", filename=f"{stem}_feedback.xlsx",
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.post("/check/{sha}/submit", response_class=HTMLResponse)
async def submit(request: Request, token: str, sha: str) -> Response:
    access = _access(request, token)
    web = _web(request)
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    record = load_check(web.ws, access, sha)
    if record is None:
        raise HTTPException(404)
    try:
        receipt = await run_in_threadpool(submit_check, web.ws, web.ref, access, record, web.web.check_timeout_s)
    except SubmitRefused as exc:
        return message_page(request, 409, "ส่งไม่ได้", "Not submitted", exc.message_th, exc.message_en)
    except WorkspaceError as exc:
        return message_page(request, 503, "ระบบไม่ว่าง", "Busy", exc.message_th, exc.message_en)
    return RedirectResponse(f"/a/{token}/receipt/{receipt.submission.id}", status_code=303)


@router.get("/receipt/{submission_id}", response_class=HTMLResponse)
async def receipt(request: Request, token: str, submission_id: int) -> Response:
    access = _access(request, token)
    with Ledger(_web(request).ws.ledger_path) as ledger:
        mine = {s.id: s for s in agency_submissions(ledger, access)}
        if submission_id not in mine:
            raise HTTPException(404)
        found = receipt_for(ledger, mine[submission_id])
    return render(request, "receipt.html", token=token, access=access, receipt=found, sheets=SHEET_LABELS,
                  anonymous=True)
