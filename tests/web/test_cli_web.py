"""``toolkit user add`` and ``toolkit tokens``: accounts and agency links in the ledger, the links'
CSV, and the link printed on the agency's template."""

from __future__ import annotations

import csv

import openpyxl
from typer.testing import CliRunner

from tests.builders import AGENCY, ROUND
from toolkit.cli import app
from toolkit.layout import INSTRUCTIONS_SHEET
from toolkit.ledger import Ledger
from toolkit.web.accounts import authenticate
from toolkit.web.tokens import resolve_token

runner = CliRunner()


def test_user_add_hashes_the_password_and_refuses_bad_input(ws):
    ok = runner.invoke(app, ["user", "add", str(ws.root), "--name", "malee", "--role", "auditor", "--password-stdin"],
                       input="ความลับยาวพอ-2564\n")
    assert ok.exit_code == 0, ok.output
    with Ledger(ws.ledger_path) as ledger:
        assert authenticate(ledger, "malee", "ความลับยาวพอ-2564").role == "auditor"
        assert authenticate(ledger, "malee", "ความลับยาวพอ-2565") is None
        stored = ledger.db.execute("SELECT password_hash FROM web_users WHERE name = 'malee'").fetchone()[0]
    assert stored.startswith("$argon2id$") and "ความลับ" not in stored
    for args, text in ((["--role", "admin"], "long enough password"), (["--role", "office"], "short")):
        bad = runner.invoke(app, ["user", "add", str(ws.root), "--name", "x", *args, "--password-stdin"], input=text + "\n")
        assert bad.exit_code == 2
    prompted = runner.invoke(app, ["user", "add", str(ws.root), "--name", "somchai", "--role", "office"],
                             input="another-secret-1\nanother-secret-1\n")
    assert prompted.exit_code == 0 and "another-secret-1" not in prompted.output


def test_tokens_write_the_links_csv_and_the_templates_and_replace_earlier_links(ws):
    args = ["tokens", str(ws.root), "--round", str(ROUND), "--base-url", "http://127.0.0.1:8000/"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    with (ws.root / f"links_{ROUND}.csv").open(encoding="utf-8-sig") as fh:
        [row] = list(csv.DictReader(fh))  # the small catalogue's only agency with work in the round
    assert row["agency"] == AGENCY and row["agency_name"] == "สำนักยุทธศาสตร์และประเมินผล"
    assert row["link"].startswith("http://127.0.0.1:8000/a/")
    token = row["link"].rsplit("/", 1)[1]
    with Ledger(ws.ledger_path) as ledger:
        access = resolve_token(ledger, token)
        assert (access.agency, access.round) == (AGENCY, str(ROUND))
        assert token not in str(ledger.db.execute("SELECT * FROM web_tokens").fetchall())  # only its hash
    [template] = ws.templates.glob(f"{ROUND}_{AGENCY}_*.xlsx")
    sheet = openpyxl.load_workbook(template)[INSTRUCTIONS_SHEET]
    texts = [str(c.value) for r in sheet.iter_rows() for c in r if c.value]
    assert any(row["link"] in t for t in texts) and "ตรวจและส่งทางเว็บ / Check and submit online" in texts
    again = runner.invoke(app, args + ["--no-templates", "--out", str(ws.root / "again.csv")])
    assert again.exit_code == 0
    with Ledger(ws.ledger_path) as ledger:
        assert resolve_token(ledger, token) is None  # replaced
    assert runner.invoke(app, args[:-1] + ["intranet:8000"]).exit_code == 2
    assert runner.invoke(app, args + ["--agency", "9999"]).exit_code == 2
