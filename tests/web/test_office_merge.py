"""Rebuilding the master from the office's page (toolkit/web/merge_job.py): a quick merge answers
when it is done, as before; a long one (a national round takes a minute or more) leaves a page that
shows its step and reloads itself until the master is written. One merge runs at a time; a busy
workspace or a failed merge is told in Thai and English."""

from __future__ import annotations

import threading
import time

import toolkit.web.merge_job as merge_job
from tests.web.conftest import OFFICE, csrf_of, login
from toolkit.collect import collect
from toolkit.workspace import locked


def _office(client):
    assert login(client, *OFFICE).url.path == "/office"
    return client.get("/office")


def test_a_long_merge_shows_its_step_and_ends_on_the_dashboard(ws, returns, ref, client, monkeypatch):
    collect(ws, [returns["clean"]], ref, ws.catalogue())
    release, calls = threading.Event(), []
    real = merge_job.merge_workspace

    def slow(ws_, ref_, settings, progress=None):  # a national round: the first rows written, then a wait
        calls.append(1)
        progress("เขียน / writing Progress", 2000, 5000)
        assert release.wait(30)
        return real(ws_, ref_, settings, progress=progress)

    monkeypatch.setattr(merge_job, "merge_workspace", slow)
    monkeypatch.setattr(merge_job, "WAIT_S", 0.2)
    office = _office(client)
    page = client.post("/office/merge", data={"csrf": csrf_of(office.text)})
    assert page.status_code == 200 and page.url.path == "/office/merge"
    assert "เขียน" in page.text and "writing Progress" in page.text and "2,000 / 5,000" in page.text
    assert '<meta http-equiv="refresh" content="2; url=/office/merge">' in page.text
    again = client.post("/office/merge", data={"csrf": csrf_of(office.text)})  # pressed again meanwhile
    assert again.url.path == "/office/merge" and len(calls) == 1  # the same merge, not a second one
    assert not ws.master_path.exists()
    release.set()
    deadline = time.monotonic() + 30
    while (page := client.get("/office/merge")).url.path == "/office/merge":  # as the page reloads itself
        assert time.monotonic() < deadline, "the merge did not end"
        time.sleep(0.1)
    assert page.status_code == 200 and str(page.url).endswith("/office?merged=1")
    assert ws.master_path.exists() and client.get("/office/master.xlsx").status_code == 200
    assert len(calls) == 1


def test_a_quick_merge_answers_when_done(ws, returns, ref, client):
    collect(ws, [returns["clean"]], ref, ws.catalogue())
    office = _office(client)
    page = client.post("/office/merge", data={"csrf": csrf_of(office.text)})
    assert page.status_code == 200 and str(page.url).endswith("/office?merged=1") and ws.master_path.exists()
    assert client.get("/office/merge").url.path == "/office"  # nothing running: the dashboard


def test_a_busy_workspace_or_a_failed_merge_is_told(ws, returns, ref, client, monkeypatch):
    collect(ws, [returns["clean"]], ref, ws.catalogue())
    office = _office(client)
    with locked(ws):  # e.g. toolkit collect running
        busy = client.post("/office/merge", data={"csrf": csrf_of(office.text)})
    assert busy.status_code == 503 and "ระบบไม่ว่าง" in busy.text and not ws.master_path.exists()

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(merge_job, "merge_workspace", broken)
    failed = client.post("/office/merge", data={"csrf": csrf_of(office.text)})
    assert failed.status_code == 500 and "สร้างไฟล์รวมไม่สำเร็จ" in failed.text and "a bug" not in failed.text
    monkeypatch.undo()
    done = client.post("/office/merge", data={"csrf": csrf_of(office.text)})  # and it can be retried
    assert done.status_code == 200 and ws.master_path.exists()
