"""A small workspace (tests/builders' catalogue), its web app, accounts and agency links."""

from __future__ import annotations

import re
import shutil
import socket
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from tests.builders import AGENCY, PROJECT, ROUND, make_return, set_cell, small_catalogue
from tests.corpus import CORPUS  # noqa: F401  (the web tests import it from here)
from toolkit.ledger import Ledger
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.web.accounts import add_user
from toolkit.web.app import create_app
from toolkit.web.settings import WebSettings
from toolkit.web.tokens import issue_token
from toolkit.workspace import Workspace

OFFICE = ("somsri", "office-pass-123")
AUDITOR = ("wichai", "auditor-pass-456")
OTHER_AGENCY = "1007"
LEDGER_TABLES = ("submissions", "findings", "data_rows", "decisions")


def _broken(book, cells) -> None:
    set_cell(book, cells, ("progress", f"{PROJECT}#6", "progress_pct"), 150)


@pytest.fixture(scope="session")
def returns(tmp_path_factory) -> dict[str, Path]:
    """Built once per session through the generator and filler: a clean return and a broken one
    (progress 150 % in report 6: one error)."""
    folder = tmp_path_factory.mktemp("returns")
    return {"clean": make_return(folder, "clean.xlsx"), "broken": make_return(folder, "broken.xlsx", edit=_broken)}


@pytest.fixture(scope="session")
def ws_template(tmp_path_factory) -> Path:
    """A workspace with the small catalogue and an office and an auditor account (argon2 hashing is
    slow on purpose: done once, then copied per test)."""
    ws = Workspace.create(tmp_path_factory.mktemp("template") / "ws")
    write_catalogue(small_catalogue(), ws.catalogue_path)
    with Ledger(ws.ledger_path) as ledger:
        add_user(ledger, OFFICE[0], "office", OFFICE[1])
        add_user(ledger, AUDITOR[0], "auditor", AUDITOR[1])
        ledger.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return ws.root


@pytest.fixture
def ws(tmp_path, ws_template) -> Workspace:
    shutil.copytree(ws_template, tmp_path / "ws")
    return Workspace.open(tmp_path / "ws")


@pytest.fixture
def tokens(ws) -> dict[str, str]:
    """A valid link token for the test agency and for another agency, same round."""
    with Ledger(ws.ledger_path) as ledger:
        return {AGENCY: issue_token(ledger, AGENCY, str(ROUND), 30)[0],
                OTHER_AGENCY: issue_token(ledger, OTHER_AGENCY, str(ROUND), 30)[0]}


@pytest.fixture
def app(ws):
    return create_app(ws.root, web_settings=WebSettings(max_upload_bytes=512 * 1024))


class LiveServer:
    """uvicorn serving ``app`` in a thread on 127.0.0.1 and a free port (never any other address)."""

    def __init__(self, app) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture
def server(app):
    with LiveServer(app) as live:
        yield live


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, follow_redirects=True, timeout=60) as c:
        yield c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def upload(client: httpx.Client, token: str, path: Path, csrf: str | None = None, name: str | None = None):
    """Open the agency page (for its CSRF token) and post ``path`` to the check form."""
    page = client.get(f"/a/{token}")
    data = {"csrf": csrf if csrf is not None else csrf_of(page.text)}
    return client.post(f"/a/{token}/check", data=data,
                       files={"file": (name or path.name, path.read_bytes(),
                                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})


def login(client: httpx.Client, name: str, password: str):
    page = client.get("/login")
    return client.post("/login", data={"csrf": csrf_of(page.text), "name": name, "password": password})


def ledger_dump(ws: Workspace) -> list:
    db = sqlite3.connect(ws.ledger_path)
    try:
        return [db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in LEDGER_TABLES]
    finally:
        db.close()


def archived_files(ws: Workspace) -> set[str]:
    return {p.name for p in ws.archive.rglob("*") if p.is_file()}
