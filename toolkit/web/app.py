"""The application factory: one workspace, its ledger, its reference data; pages rendered on the
server with Jinja2 (no front-end build), Thai first with English beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from toolkit import __version__
from toolkit.calendar import format_be
from toolkit.config import DEFAULT_SETTINGS, Settings
from toolkit.ledger import Ledger
from toolkit.reference import Reference, load_reference
from toolkit.web.accounts import session_secret
from toolkit.web.merge_job import MergeJobs
from toolkit.web.security import (Forbidden, LoginRequired, SecurityHeaders, csrf_token, current_user,
                                   redact_access_log)
from toolkit.web.settings import DEFAULT_WEB_SETTINGS, WebSettings
from toolkit.workspace import Workspace

HERE = Path(__file__).parent
BANGKOK = timezone(timedelta(hours=7), "ICT")


@dataclass
class WebContext:
    ws: Workspace
    ref: Reference
    settings: Settings
    web: WebSettings
    templates: Jinja2Templates
    #: failed logins per name (monotonic times), for the lock-out
    login_failures: dict[str, list[float]] = field(default_factory=dict)
    #: the master being rebuilt from the office's page, if any
    merges: MergeJobs = field(default_factory=MergeJobs)


def render(request: Request, template: str, status_code: int = 200, /, **context: Any) -> HTMLResponse:
    """Render ``template`` with the session's CSRF token and user in the context."""
    web: WebContext = request.app.state.web
    user = None if context.pop("anonymous", False) else current_user(request)
    return web.templates.TemplateResponse(request, template, {"csrf": csrf_token(request), "user": user, **context},
                                          status_code=status_code)


def message_page(request: Request, status: int, title_th: str, title_en: str, message_th: str = "",
                 message_en: str = "") -> HTMLResponse:
    return render(request, "message.html", status, title_th=title_th, title_en=title_en, message_th=message_th,
                  message_en=message_en, anonymous=True)


def create_app(workspace: Path, settings: Settings = DEFAULT_SETTINGS,
               web_settings: WebSettings = DEFAULT_WEB_SETTINGS) -> FastAPI:
    """The web application serving ``workspace`` (which must exist: ``toolkit init``)."""
    from toolkit.web import routes_agency, routes_auditor, routes_auth, routes_office

    ws = Workspace.open(workspace)
    with Ledger(ws.ledger_path) as ledger:
        secret = session_secret(ledger)
    redact_access_log()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["be_time"] = be_time
    templates.env.filters["cell"] = cell_text
    templates.env.filters["be_date"] = format_be
    templates.env.globals["version"] = __version__
    app = FastAPI(title="BMA reporting toolkit", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = WebContext(ws, load_reference(), settings, web_settings, templates)
    app.add_middleware(SessionMiddleware, secret_key=secret, session_cookie="bma_session",
                       max_age=web_settings.session_max_age_s, same_site="lax", https_only=web_settings.secure_cookies)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (routes_auth, routes_agency, routes_office, routes_auditor):
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
        return message_page(request, 403, "ไม่อนุญาต", "Forbidden", exc.message_th, exc.message_en)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> HTMLResponse:
        return message_page(request, 404, "ไม่พบหน้านี้", "Not found",
                            "ลิงก์ไม่ถูกต้องหรือหมดอายุ", "The link is not valid or has expired.")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        if exc.status_code == 404:
            return message_page(request, 404, "ไม่พบหน้านี้", "Not found",
                                "ลิงก์ไม่ถูกต้องหรือหมดอายุ", "The link is not valid or has expired.")
        return message_page(request, exc.status_code, "เกิดข้อผิดพลาด", "Error", "", str(exc.detail))

    return app


def cell_text(value: Any) -> str:
    """A stored cell value as the agency typed it: whole numbers without ``.0``, nothing for empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def be_time(iso: str | None) -> str:
    """``23/11/2569 16:49`` in Bangkok time from a stored UTC ISO timestamp."""
    if not iso:
        return ""
    moment = datetime.fromisoformat(str(iso))
    if moment.tzinfo is not None:
        moment = moment.astimezone(BANGKOK)
    return f"{format_be(moment.date())} {moment:%H:%M}"
