"""Sessions, CSRF tokens, logins and the response headers every page carries."""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from toolkit.ledger import Ledger
from toolkit.web.accounts import User, get_user

#: largest body of an ordinary (non-upload) form
FORM_LIMIT = 64 * 1024


class LoginRequired(Exception):
    """Raised by ``require_user``; the app answers with a redirect to the login page."""


class Forbidden(Exception):
    """A logged-in user without the role the page needs, or a form without a valid CSRF token."""

    def __init__(self, message_th: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_th, self.message_en = message_th, message_en


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use); every form carries it in a hidden field."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, submitted: Any) -> bool:
    expected = request.session.get("csrf")
    return bool(expected) and isinstance(submitted, str) and hmac.compare_digest(submitted, expected)


def check_csrf(request: Request, submitted: Any) -> None:
    if not csrf_ok(request, submitted):
        raise Forbidden("แบบฟอร์มหมดอายุหรือไม่ถูกต้อง กรุณาเปิดหน้าเว็บใหม่แล้วลองอีกครั้ง",
                        "The form has expired or is not valid; reload the page and try again.")


def current_user(request: Request) -> User | None:
    name = request.session.get("user")
    if not name:
        return None
    with Ledger(request.app.state.web.ws.ledger_path) as ledger:
        user = get_user(ledger, name)  # removed or re-roled users lose access at once
    return user if user and user.role == request.session.get("role") else None


def require_user(request: Request, *roles: str) -> User:
    user = current_user(request)
    if user is None:
        raise LoginRequired()
    if roles and user.role not in roles:
        raise Forbidden("บัญชีของท่านไม่มีสิทธิ์เปิดหน้านี้", "Your account may not open this page.")
    return user


def log_in(request: Request, user: User) -> None:
    request.session.clear()
    request.session.update({"user": user.name, "role": user.role, "csrf": secrets.token_urlsafe(32)})


_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                 b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # agency links carry their token in the path
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every response; ordinary forms limited in size."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "POST" and not scope["path"].endswith("/check"):
            length = dict(scope["headers"]).get(b"content-length", b"")
            if not length.isdigit() or int(length) > FORM_LIMIT:
                await _plain(send, 413 if length.isdigit() else 411, "Request body too large or of unknown length")
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in _HEADERS if h[0] not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _plain(send: Send, status: int, text: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")] + _HEADERS})
    await send({"type": "http.response.body", "body": text.encode()})


_TOKEN_PATH = re.compile(r"/a/[^/?\s]+")


class RedactAgencyLinks(logging.Filter):
    """Access logs show ``/a/…`` instead of an agency's secret token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN_PATH.sub("/a/…", a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = _TOKEN_PATH.sub("/a/…", record.msg)
        return True


def redact_access_log() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactAgencyLinks) for f in logger.filters):
        logger.addFilter(RedactAgencyLinks())
