"""Screenshots of the web pages for the README (docs/web-agency.png, web-office.png, web-auditor.png).

Builds a workspace from the bundled sample for round 2564-Q4 (most agencies send a return, one is
rejected, one late, two send nothing), issues the agencies' links and two accounts, serves it with
uvicorn on 127.0.0.1 and a free port, and photographs with Debian's chromium through Playwright:
the agency's check result after uploading a return with mistakes, the office's roster, the
auditors' flags.

    .venv/bin/python scripts/screenshot_web.py [--out docs] [--workspace build/web_screens]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import uvicorn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from toolkit.calendar import Round  # noqa: E402
from toolkit.collect import collect  # noqa: E402
from toolkit.config import DEFAULT_SETTINGS  # noqa: E402
from toolkit.demo.fill import fill_template, load_answers  # noqa: E402
from toolkit.init import init_workspace  # noqa: E402
from toolkit.ledger import Ledger  # noqa: E402
from toolkit.merge.run import merge_workspace  # noqa: E402
from toolkit.read.returned import read_return  # noqa: E402
from toolkit.reference import load_reference  # noqa: E402
from toolkit.template.generate import generate_round  # noqa: E402
from toolkit.web.accounts import add_user  # noqa: E402
from toolkit.web.app import create_app  # noqa: E402
from toolkit.web.tokens import issue_round_links  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ROUND = Round.parse("2564-Q4")
PASSWORD = "screenshot-only-1"


def _break(path: Path, out: Path) -> Path:
    """The mistakes an agency makes: progress over 100 % in the last report, a report date typed as
    words, the budget used written with its unit (read, but it does not match the disbursements)."""
    located = read_return(path)
    progress, projects = located.sheets["progress"], located.sheets["projects"]
    rows = [excel_row for excel_row, _ in progress.rows]
    book = openpyxl.load_workbook(path)
    book[progress.name][progress.cell("progress_pct", rows[-1])] = 130
    book[progress.name][progress.cell("report_date", rows[1])] = "สิ้นเดือนพฤศจิกา"
    book[projects.name][projects.cell("budget_used", projects.rows[0][0])] = "1,250,000 บาท"
    book.save(out)
    return out


def build(root: Path) -> tuple[Path, dict[str, str], Path]:
    """The workspace, the agencies' links by code, and a return with mistakes for the agency page."""
    if root.exists():
        shutil.rmtree(root)
    ws = init_workspace(root, sample=True)
    ref, catalogue, answers = load_reference(), ws.catalogue(), load_answers()
    templates = generate_round(catalogue, ref, ROUND, ws.templates, DEFAULT_SETTINGS)
    due = ROUND.due_date(DEFAULT_SETTINGS.due_days_after_round)
    missing = {t.agency for t in templates[-2:]}
    received = {}
    for i, template in enumerate(templates):
        if template.agency in missing:
            continue
        target = ws.inbox / template.path.name
        fill_template(template.path, target, answers)
        if i == 1:
            _break(target, target)
        late = i == 2
        received[target.name] = datetime.combine(due + timedelta(days=6 if late else -3),
                                                 datetime.min.time()).replace(hour=10).isoformat()
    collect(ws, None, ref, catalogue, received_at=lambda p: received.get(p.name))
    merge_workspace(ws, ref)
    with Ledger(ws.ledger_path) as ledger:
        add_user(ledger, "somsri", "office", PASSWORD)
        add_user(ledger, "wichai", "auditor", PASSWORD)
    links = {link.agency: link.token for link in issue_round_links(ws, ref, ROUND, "http://127.0.0.1", write_templates=False)}
    agency = sorted(missing)[0]
    [template] = [t for t in templates if t.agency == agency]
    filled = root / "upload" / template.path.name
    filled.parent.mkdir()
    fill_template(template.path, filled, answers)
    return ws.root, {"agency": agency, "token": links[agency]}, _break(filled, filled)


def _login(page, url: str, name: str) -> None:
    page.goto(url)
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shoot(root: Path, agency: dict[str, str], upload: Path, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(create_app(root), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    written = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="th-TH")
                page.set_default_timeout(60_000)
                page.goto(f"{url}/a/{agency['token']}")
                page.set_input_files("input[type=file]", str(upload))
                page.click("button:has-text('ตรวจไฟล์')")
                page.wait_for_url("**/check/*")
                page.screenshot(path=out / "web-agency.png", full_page=True)
                written.append(out / "web-agency.png")
                page.context.clear_cookies()
                _login(page, f"{url}/office?round={ROUND}", "somsri")
                page.screenshot(path=out / "web-office.png", full_page=True)
                written.append(out / "web-office.png")
                page.context.clear_cookies()
                _login(page, f"{url}/auditor", "wichai")
                page.goto(f"{url}/auditor?round={ROUND}&decision=open")
                page.screenshot(path=out / "web-auditor.png")
                written.append(out / "web-auditor.png")
            finally:
                browser.close()
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--workspace", type=Path, default=ROOT / "build" / "web_screens")
    args = parser.parse_args()
    root, agency, upload = build(args.workspace)
    for path in shoot(root, agency, upload, args.out):
        print(path)


if __name__ == "__main__":
    main()
