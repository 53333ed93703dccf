"""Log in and out (office and auditor accounts), and the front page."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from toolkit.ledger import Ledger
from toolkit.web.accounts import User, authenticate
from toolkit.web.app import render
from toolkit.web.security import check_csrf, current_user, log_in

router = APIRouter()
HOME = {"office": "/office", "auditor": "/auditor"}
_failures_lock = threading.Lock()


def _locked_out(request: Request, name: str, failed: bool = False) -> bool:
    """Count a failed login of ``name`` (if ``failed``); True while it has too many recent ones."""
    limits = request.app.state.web.web
    failures = request.app.state.web.login_failures
    now = time.monotonic()
    with _failures_lock:
        recent = [t for t in failures.get(name, []) if now - t < limits.login_lockout_s]
        if failed:
            recent.append(now)
        failures[name] = recent
        return len(recent) >= limits.login_max_failures


def _authenticate(ledger_path: Path, name: str, password: str) -> User | None:
    with Ledger(ledger_path) as ledger:  # argon2 takes a while: off the event loop, own connection
        return authenticate(ledger, name, password)


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
    name, password = str(form.get("name", "")).strip()[:80], str(form.get("password", ""))[:1024]
    if _locked_out(request, name):
        return render(request, "login.html", 429, next=str(form.get("next", "")), failed=True, locked=True)
    user = await run_in_threadpool(_authenticate, request.app.state.web.ws.ledger_path, name, password)
    if user is None:
        _locked_out(request, name, failed=True)
        return render(request, "login.html", 401, next=str(form.get("next", "")), failed=True)
    log_in(request, user)
    return RedirectResponse(_safe_next(str(form.get("next", "")), user.role), status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
