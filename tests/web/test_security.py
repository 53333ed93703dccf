"""Refusals: another agency's link, no or a bad link, forged forms without their CSRF token, oversized
uploads and hostile files. Each gets the right answer and leaves nothing in the ledger (an upload
that was received whole is archived, byte for byte, and nothing more)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.builders import AGENCY, ROUND
from tests.corpus import needs_corpus
from tests.web.conftest import (AUDITOR, CORPUS, OFFICE, OTHER_AGENCY, archived_files, csrf_of, ledger_dump, login,
                                upload)
from toolkit.collect import collect, sha256_of
from toolkit.ledger import Ledger
from toolkit.web.tokens import issue_token

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _checked(client, token, path):
    page = upload(client, token, path)
    assert page.status_code == 200
    return sha256_of(path), page


def test_another_agencys_link_sees_nothing_of_this_agency(ws, tokens, client, returns):
    clean = returns["clean"]
    sha, page = _checked(client, tokens[AGENCY], clean)
    receipt = client.post(f"/a/{tokens[AGENCY]}/check/{sha}/submit", data={"csrf": csrf_of(page.text)})
    sub_id = receipt.url.path.rsplit("/", 1)[1]
    before = ledger_dump(ws)
    other = tokens[OTHER_AGENCY]
    home = client.get(f"/a/{other}")
    assert home.status_code == 200 and "clean.xlsx" not in home.text and "/receipt/" not in home.text
    for path in (f"/a/{other}/check/{sha}", f"/a/{other}/check/{sha}/feedback.xlsx", f"/a/{other}/receipt/{sub_id}"):
        answer = client.get(path)
        assert answer.status_code == 404 and sha not in answer.text, path
    forged = client.post(f"/a/{other}/check/{sha}/submit", data={"csrf": csrf_of(home.text)})
    assert forged.status_code == 404
    for odd in (f"/a/{other}/receipt/x", f"/a/{other}/check/{sha[:10]}", f"/a/{other}/check/../../ledger.sqlite"):
        answer = client.get(odd)
        assert answer.status_code == 404 and "text/html" in answer.headers["content-type"], odd
    assert ledger_dump(ws) == before


def test_a_return_of_another_agency_cannot_be_submitted_through_this_link(ws, tokens, client, returns):
    theirs = returns["clean"]  # agency 2100's return
    before = ledger_dump(ws)
    sha, page = _checked(client, tokens[OTHER_AGENCY], theirs)
    assert "ไม่ใช่ของหน่วยงานท่าน" in page.text and 'action="/a/' + tokens[OTHER_AGENCY] + f'/check/{sha}/submit"' not in page.text
    refused = client.post(f"/a/{tokens[OTHER_AGENCY]}/check/{sha}/submit", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 409
    assert ledger_dump(ws) == before and f"{sha}.xlsx" in archived_files(ws)


@pytest.mark.parametrize("kind", ["none", "random", "malformed", "expired", "replaced"])
def test_no_wrong_or_expired_link_gets_a_plain_not_found_and_archives_nothing(ws, tokens, client, returns, kind):
    with Ledger(ws.ledger_path) as ledger:
        if kind == "expired":
            token, _ = issue_token(ledger, AGENCY, str(ROUND), 30, now=datetime.now(timezone.utc) - timedelta(days=31))
        elif kind == "replaced":
            token = tokens[AGENCY]
            issue_token(ledger, AGENCY, str(ROUND), 30)
    token = {"none": "", "random": "A" * 32, "malformed": "../../etc/passwd"}.get(kind, locals().get("token"))
    clean = returns["clean"]
    before, files = ledger_dump(ws), archived_files(ws)
    page = client.get(f"/a/{token}")
    assert page.status_code == 404 and "สำนักยุทธศาสตร์" not in page.text and "ลิงก์ไม่ถูกต้องหรือหมดอายุ" in page.text
    posted = client.post(f"/a/{token}/check", data={"csrf": "x"}, files={"file": ("clean.xlsx", clean.read_bytes(), XLSX)})
    assert posted.status_code == 404
    assert ledger_dump(ws) == before and archived_files(ws) == files


def test_forms_without_their_csrf_token_are_refused(ws, tokens, client, returns, ref):
    broken, clean = returns["broken"], returns["clean"]
    token = tokens[AGENCY]
    for csrf in ("", "forged-token"):
        refused = upload(client, token, clean, csrf=csrf)
        assert refused.status_code == 403 and "แบบฟอร์มหมดอายุ" in refused.text
    assert archived_files(ws) == set() and not any((ws.root / "web" / "staging").iterdir())
    sha, page = _checked(client, token, clean)
    assert client.post(f"/a/{token}/check/{sha}/submit", data={}).status_code == 403
    assert client.post(f"/a/{token}/check/{sha}/submit", data={"csrf": "forged"}).status_code == 403
    assert ledger_dump(ws)[0] == []  # no submission
    # a CSRF token of another session is not this session's
    import httpx

    with httpx.Client(base_url=str(client.base_url), follow_redirects=True) as stranger:
        assert stranger.post(f"/a/{token}/check/{sha}/submit", data={"csrf": csrf_of(page.text)}).status_code == 403
    assert ledger_dump(ws)[0] == []
    # logins and auditors' decisions too
    assert client.post("/login", data={"name": AUDITOR[0], "password": AUDITOR[1]}).status_code == 403
    collect(ws, [broken], ref, ws.catalogue())
    with Ledger(ws.ledger_path) as ledger:
        flag_id = ledger.findings(ledger.submissions()[0].id)[0]["flag_id"]
    assert login(client, *AUDITOR).url.path == "/auditor"
    assert client.get(f"/auditor/flag/{flag_id}").status_code == 200
    before = ledger_dump(ws)
    assert client.post(f"/auditor/flag/{flag_id}", data={"decision": "ยืนยัน / confirmed"}).status_code == 403
    assert client.post(f"/auditor/flag/{flag_id}", data={"decision": "ยืนยัน / confirmed", "csrf": "x"}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    assert ledger_dump(ws) == before


def test_oversized_uploads_are_refused_before_anything_is_kept(ws, tokens, client):
    token = tokens[AGENCY]
    page = client.get(f"/a/{token}")
    big = b"PK\x03\x04" + b"\0" * (600 * 1024)  # the test app allows 512 KB
    refused = client.post(f"/a/{token}/check", data={"csrf": csrf_of(page.text)}, files={"file": ("big.xlsx", big, XLSX)})
    assert refused.status_code == 413 and "ไฟล์มีขนาดเกิน" in refused.text
    # without a Content-Length (chunked), the limit holds while reading
    boundary = "b0undary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf_of(page.text)}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.xlsx\"\r\n"
            f"Content-Type: {XLSX}\r\n\r\n").encode()

    def chunks():
        yield head
        for _ in range(40):
            yield b"\0" * (16 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    streamed = client.post(f"/a/{token}/check", content=chunks(),
                           headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert streamed.status_code == 413
    assert archived_files(ws) == set() and ledger_dump(ws)[0] == []
    assert not any((ws.root / "web" / "staging").iterdir())


@needs_corpus
@pytest.mark.parametrize("name, rule", [("apache-poi__poc-xmlbomb.xlsx", "intake.hostile-xml"),
                                        ("apache-poi__duplicate-filename.xlsx", "intake.corrupt-zip")])
def test_hostile_files_are_archived_and_rejected_by_name_without_a_ledger_trace(ws, tokens, client, name, rule):
    path = CORPUS / name
    before = ledger_dump(ws)
    sha, page = _checked(client, tokens[AGENCY], path)
    assert rule in page.text and "ส่งแบบรายงาน" not in page.text and "ยังส่งไม่ได้" in page.text
    assert not list((ws.root / "web" / "checks").rglob("feedback.xlsx"))  # never opened by openpyxl
    assert client.get(f"/a/{tokens[AGENCY]}/check/{sha}/feedback.xlsx").status_code == 404
    assert archived_files(ws) == {f"{sha}.xlsx"}
    assert (ws.archive / sha[:2] / f"{sha}.xlsx").read_bytes() == path.read_bytes()
    assert ledger_dump(ws) == before


def test_office_and_auditor_pages_need_the_right_login(ws, client):
    assert client.get("/office").url.path == "/login"
    assert client.get("/auditor").url.path == "/login"
    assert client.get("/office/master.xlsx").url.path == "/login"
    assert login(client, OFFICE[0], "wrong password").status_code == 401
    assert login(client, "nobody", OFFICE[1]).status_code == 401
    assert login(client, *OFFICE).url.path == "/office"
    assert client.get("/auditor").status_code == 403
    client.cookies.clear()
    assert login(client, *AUDITOR).url.path == "/auditor"
    assert client.get("/office").status_code == 403


def test_a_submission_while_the_command_line_holds_the_workspace_is_refused_and_can_be_retried(ws, tokens, client, returns):
    from toolkit.workspace import locked

    sha, page = _checked(client, tokens[AGENCY], returns["clean"])
    with locked(ws):  # e.g. toolkit collect running
        busy = client.post(f"/a/{tokens[AGENCY]}/check/{sha}/submit", data={"csrf": csrf_of(page.text)})
    assert busy.status_code == 503 and "ระบบไม่ว่าง" in busy.text
    assert ledger_dump(ws)[0] == []
    done = client.post(f"/a/{tokens[AGENCY]}/check/{sha}/submit", data={"csrf": csrf_of(page.text)})
    assert done.status_code == 200 and sha in done.text and len(ledger_dump(ws)[0]) == 1


def test_old_checks_and_half_received_uploads_are_pruned(ws, tokens, client, returns):
    import os
    import time

    from toolkit.web.checks import checks_root, prune, staging_dir

    sha, _ = _checked(client, tokens[AGENCY], returns["clean"])
    [folder] = [p for p in checks_root(ws).glob("*/*") if p.name == sha]
    part = staging_dir(ws) / ".abandoned.part"
    part.write_bytes(b"half")
    assert prune(ws, keep_hours=1) == 0
    old = time.time() - 2 * 3600
    os.utime(folder, (old, old))
    os.utime(part, (old, old))
    assert prune(ws, keep_hours=1) == 2 and not folder.exists() and not part.exists()
    assert client.get(f"/a/{tokens[AGENCY]}/check/{sha}").status_code == 404
    assert f"{sha}.xlsx" in archived_files(ws)  # the original stays archived


def test_access_logs_do_not_carry_agency_tokens(tokens, app):
    import logging

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", f"/a/{tokens[AGENCY]}/check/abc?x=1", "1.1", 200), None)
    for f in logging.getLogger("uvicorn.access").filters:
        f.filter(record)
    assert tokens[AGENCY] not in record.getMessage() and "/a/…/check/abc" in record.getMessage()


def test_repeated_failed_logins_lock_the_name_for_a_while(ws, client):
    from toolkit.web.settings import DEFAULT_WEB_SETTINGS

    for _ in range(DEFAULT_WEB_SETTINGS.login_max_failures):
        assert login(client, "lockme", "wrong password").status_code == 401
    assert login(client, "lockme", "wrong password").status_code == 429
    assert login(client, *OFFICE).url.path == "/office"  # another name is not affected


def test_a_check_that_overruns_its_time_is_a_named_rejection_and_the_server_goes_on(ws, tokens, returns):
    import httpx

    from tests.web.conftest import LiveServer
    from toolkit.web.app import create_app
    from toolkit.web.settings import WebSettings

    slow = create_app(ws.root, web_settings=WebSettings(check_timeout_s=0.01))
    with LiveServer(slow) as live, httpx.Client(base_url=live.url, follow_redirects=True, timeout=60) as client:
        before = ledger_dump(ws)
        sha, page = _checked(client, tokens[AGENCY], returns["clean"])
        assert "intake.timeout" in page.text and "ยังส่งไม่ได้" in page.text
        assert ledger_dump(ws) == before and f"{sha}.xlsx" in archived_files(ws)
        assert client.get(f"/a/{tokens[AGENCY]}").status_code == 200
