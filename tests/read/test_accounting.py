"""Every collect run balances: files received = accepted + rejected (with reasons) + duplicates, and
rows read = rows merged + rows refused; printed by toolkit collect and stored in the ledger."""

from typer.testing import CliRunner

from tests.builders import PROJECT, make_return, set_cell, small_catalogue
from toolkit.cli import app
from toolkit.collect import collect
from toolkit.ledger import Ledger
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.workspace import Workspace


def test_run_balance_in_the_result_the_ledger_and_the_cli(tmp_path, ref):
    ws = Workspace.create(tmp_path / "ws")
    write_catalogue(small_catalogue(), ws.catalogue_path)
    good = make_return(tmp_path / "a", "good.xlsx")
    bad = make_return(tmp_path / "b", "bad.xlsx",
                      edit=lambda book, cells: set_cell(book, cells, ("progress", f"{PROJECT}#3", "progress_pct"), 150))
    (ws.inbox / "1_good.xlsx").write_bytes(good.read_bytes())
    (ws.inbox / "2_same_as_good.xlsx").write_bytes(good.read_bytes())
    (ws.inbox / "3_bad.xlsx").write_bytes(bad.read_bytes())
    (ws.inbox / "4_page.xlsx").write_text("<html><body>not a workbook</body></html>")

    results = collect(ws, None, ref, ws.catalogue())
    account = results.account
    assert account.counts == {"files_received": 4, "accepted": 1, "rejected": 2, "duplicates": 1, "failed": 0,
                              "rows_read": account.counts["rows_read"], "rows_merged": account.counts["rows_read"] // 2,
                              "rows_refused": account.counts["rows_read"] // 2, "balanced": 1}
    files = {f.file: f for f in account.files}
    assert files["1_good.xlsx"].rows_read == files["1_good.xlsx"].rows_merged > 0
    assert files["3_bad.xlsx"].rows_refused == files["3_bad.xlsx"].rows_read == files["1_good.xlsx"].rows_read
    assert "value.percent-range" in files["3_bad.xlsx"].reasons
    assert files["3_bad.xlsx"].refused_reason.startswith("file rejected: ")
    assert files["4_page.xlsx"].reasons == ["intake.not-a-workbook"] and files["4_page.xlsx"].rows_read == 0
    assert account.rejections == {files["3_bad.xlsx"].reasons[0]: 1, "intake.not-a-workbook": 1}
    with Ledger(ws.ledger_path) as ledger:
        [run] = ledger.runs()
        assert {k: run[k] for k in account.counts} == account.counts
        assert run["detail"]["rejections"] == account.rejections
        assert ledger.count_rows(results[0].submission.id) == files["1_good.xlsx"].rows_merged

    again = CliRunner().invoke(app, ["collect", str(ws.root)])  # the same inbox again: all duplicates
    assert again.exit_code == 0, again.output
    assert "files received 4 = รับ / accepted 0 + ไม่รับ / rejected 0 + ซ้ำ / duplicates 4" in again.output
    assert "rows read 0 = รวมเข้าระบบ / merged 0 + ไม่รับ / refused 0  [ครบถ้วน / balanced]" in again.output
    with Ledger(ws.ledger_path) as ledger:
        assert [r["duplicates"] for r in ledger.runs()] == [1, 4]


def test_an_unbalanced_run_says_so():
    from toolkit.read.accounting import FileAccount, RunAccount

    account = RunAccount([FileAccount("a.xlsx", "accepted", rows_read=10, rows_merged=9)])
    assert not account.balanced and "NOT BALANCED" in account.lines()[-1]
    assert not RunAccount([FileAccount("b.xlsx", "rejected")]).balanced  # a rejection needs its reason
