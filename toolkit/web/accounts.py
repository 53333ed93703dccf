"""Office and auditor accounts, and the web application's own tables, kept in the ledger's SQLite file.

The tables are the web application's own (created here, next to the ledger's): ``web_users`` (name,
role, argon2 password hash), ``web_tokens`` (agency links, only their SHA-256 is stored) and
``web_meta`` (the session-signing secret)."""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from toolkit.errors import ToolkitError
from toolkit.ledger import Ledger

ROLES = ("office", "auditor")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS web_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS web_users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('office', 'auditor')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS web_tokens (
    token_hash TEXT PRIMARY KEY,
    agency TEXT NOT NULL,
    round TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS web_tokens_agency_round ON web_tokens(agency, round);
"""
_HASHER = PasswordHasher()
#: verified against when the name is unknown, so that a wrong name costs as long as a wrong password
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class User:
    name: str
    role: str


def now_utc() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def ensure_tables(ledger: Ledger) -> None:
    """Create the web application's tables in the ledger file if they are not there yet."""
    ledger.db.executescript(_SCHEMA)


def session_secret(ledger: Ledger) -> str:
    """The key that signs session cookies: made once per workspace, kept in ``web_meta``."""
    ensure_tables(ledger)
    ledger.db.execute("INSERT OR IGNORE INTO web_meta VALUES ('session_secret', ?)", (secrets.token_urlsafe(48),))
    return ledger.db.execute("SELECT value FROM web_meta WHERE key = 'session_secret'").fetchone()[0]


def add_user(ledger: Ledger, name: str, role: str, password: str) -> User:
    """Create (or reset the password and role of) ``name``."""
    name = name.strip()
    if role not in ROLES:
        raise ToolkitError("user.role", f"role must be one of {', '.join(ROLES)}",
                           f"บทบาทต้องเป็น {' หรือ '.join(ROLES)}")
    if not name or len(name) > 80:
        raise ToolkitError("user.name", "a user name of 1 to 80 characters is required",
                           "ต้องระบุชื่อผู้ใช้ยาว 1 ถึง 80 ตัวอักษร")
    if len(password) < 10:
        raise ToolkitError("user.password", "the password must have at least 10 characters",
                           "รหัสผ่านต้องยาวอย่างน้อย 10 ตัวอักษร")
    ensure_tables(ledger)
    ledger.db.execute("INSERT INTO web_users VALUES (?,?,?,?) ON CONFLICT(name) DO UPDATE SET role=excluded.role, "
                      "password_hash=excluded.password_hash", (name, role, _HASHER.hash(password), now_utc()))
    return User(name, role)


def authenticate(ledger: Ledger, name: str, password: str) -> User | None:
    """The user if ``password`` is theirs, else None (unknown names take as long as wrong passwords)."""
    ensure_tables(ledger)
    row = ledger.db.execute("SELECT name, role, password_hash FROM web_users WHERE name = ?",
                            (name.strip(),)).fetchone()
    try:
        _HASHER.verify(row["password_hash"] if row else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return User(row["name"], row["role"]) if row else None


def get_user(ledger: Ledger, name: str) -> User | None:
    ensure_tables(ledger)
    row = ledger.db.execute("SELECT name, role FROM web_users WHERE name = ?", (name,)).fetchone()
    return User(row["name"], row["role"]) if row else None


def list_users(ledger: Ledger) -> list[User]:
    ensure_tables(ledger)
    try:
        return [User(r["name"], r["role"]) for r in ledger.db.execute("SELECT name, role FROM web_users ORDER BY name")]
    except sqlite3.Error:
        return []
