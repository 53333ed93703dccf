"""Agency links: one secret token per agency and round. Only the token's SHA-256 is stored; the
link itself exists only in the CSV the office keeps and on the agency's template."""

from __future__ import annotations

import csv
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.atomic import atomic_write
from toolkit.ledger import Ledger
from toolkit.web.accounts import ensure_tables, now_utc

if TYPE_CHECKING:
    from toolkit.calendar import Round
    from toolkit.reference import Reference
    from toolkit.workspace import Workspace

_TOKEN_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class AgencyAccess:
    """What a valid link grants: one agency's submissions of one round."""

    agency: str
    round: str
    token_hash: str
    expires_at: str


@dataclass(frozen=True)
class IssuedLink:
    agency: str
    agency_name: str
    round: str
    token: str
    url: str
    expires_at: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def agency_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/a/{token}"


def issue_token(ledger: Ledger, agency: str, round_: str, valid_days: int, now: datetime | None = None) -> tuple[str, str]:
    """A new token for ``agency`` and ``round_``; earlier tokens of the same pair are revoked.
    Returns (token, expires_at)."""
    ensure_tables(ledger)
    now = now or datetime.now(timezone.utc)
    token = secrets.token_urlsafe(24)
    expires = (now + timedelta(days=valid_days)).replace(microsecond=0).isoformat()
    with ledger._transaction():
        ledger.db.execute("UPDATE web_tokens SET revoked_at = ? WHERE agency = ? AND round = ? AND revoked_at IS NULL",
                          (now_utc(), agency, round_))
        ledger.db.execute("INSERT INTO web_tokens VALUES (?,?,?,?,?,NULL)",
                          (token_hash(token), agency, round_, now.replace(microsecond=0).isoformat(), expires))
    return token, expires


def resolve_token(ledger: Ledger, token: str, now: datetime | None = None) -> AgencyAccess | None:
    """The access a token grants, or None for an unknown, revoked, expired or malformed token."""
    if not (16 <= len(token) <= 128) or not set(token) <= _TOKEN_CHARS:
        return None
    ensure_tables(ledger)
    row = ledger.db.execute("SELECT * FROM web_tokens WHERE token_hash = ?", (token_hash(token),)).fetchone()
    if row is None or row["revoked_at"]:
        return None
    now = now or datetime.now(timezone.utc)
    if datetime.fromisoformat(row["expires_at"]) <= now:
        return None
    return AgencyAccess(row["agency"], row["round"], row["token_hash"], row["expires_at"])


def write_links_csv(links: list[IssuedLink], path: Path) -> Path:
    """The office's copy of the links (UTF-8 with BOM so that Excel shows the Thai names)."""
    with atomic_write(path) as tmp:
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["agency", "agency_name", "round", "link", "expires_at"])
            for link in links:
                out.writerow([link.agency, link.agency_name, link.round, link.url, link.expires_at])
    return path


def issue_round_links(ws: "Workspace", ref: "Reference", rnd: "Round", base_url: str,
                      agencies: list[str] | None = None, valid_days: int = 120,
                      write_templates: bool = True) -> list[IssuedLink]:
    """Issue a link per agency of ``rnd`` (or ``agencies``), revoking their earlier ones; with
    ``write_templates``, regenerate their templates with the link on the instruction sheet."""
    from toolkit.template.generate import generate_template

    catalogue = ws.catalogue()
    codes = agencies or [a.agency_code for a in catalogue.agencies_for(rnd)]
    links = []
    with Ledger(ws.ledger_path) as ledger:
        for code in codes:
            token, expires = issue_token(ledger, code, str(rnd), valid_days)
            url = agency_url(base_url, token)
            links.append(IssuedLink(code, catalogue.agencies[code].name_th, str(rnd), token, url, expires))
    if write_templates:
        for link in links:
            generate_template(catalogue, ref, link.agency, rnd, ws.templates, agency_link=link.url)
    return links
