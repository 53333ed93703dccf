"""Limits and lifetimes of the web application, each with its documented default."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WebSettings:
    #: largest upload accepted, in bytes (a filled template is ~100 KB; the preflight's own limit is higher)
    max_upload_bytes: int = 10 * 1024 * 1024
    #: days an agency link stays valid after it is issued
    token_valid_days: int = 120
    #: seconds a self-check may take before the worker is stopped and the file reported unreadable
    check_timeout_s: float = 60.0
    #: seconds a login session lasts
    session_max_age_s: int = 8 * 3600
    #: send cookies only over HTTPS (set when the office serves the app behind TLS)
    secure_cookies: bool = False
    #: failed logins of one name after which it is refused for ``login_lockout_s`` seconds
    login_max_failures: int = 5
    login_lockout_s: int = 15 * 60
    #: flags shown per page in the auditors' view
    flags_per_page: int = 200
    #: hours after which a check (its staged copy, feedback and record under WS/web/checks) is removed
    staging_keep_hours: int = 72


DEFAULT_WEB_SETTINGS = WebSettings()
