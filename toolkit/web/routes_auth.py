"""Log in and out (office and auditor accounts), and the front page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from toolkit.ledger import Ledger
from toolkit.web.accounts import authenticate
from toolkit.web.app import render
from toolkit.web.security import check_csrf, current_user, log_in

router = APIRouter()
HOME = {"office": "/office", "auditor": "/auditor"}


def _safe_next(target: str | None, role: str) -> str:
    if target and target.startswith("/") and not target.startswith("//") and target.startswith(HOME[role]):
        return target
    return HOME[role]


@router.get("/", response_class=HTMLResponse)
async def front(request: Request) -> Response:
    user = current_user(request)
    if user:
        return RedirectResponse(HOME[user.role], status_code=303)
    return RedirectResponse("/login", status_code=303)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "") -> Response:
    return render(request, "login.html", next=next, failed=False)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    with Ledger(request.app.state.web.ws.ledger_path) as ledger:
        user = authenticate(ledger, name, password)
    if user is None:
        return render(request, "login.html", 401, next=str(form.get("next", "")), failed=True)
    log_in(request, user)
    return RedirectResponse(_safe_next(str(form.get("next", "")), user.role), status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
