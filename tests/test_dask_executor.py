"""collect's per-file stage on a Dask cluster (an in-process LocalCluster): same results, in order,
recording in the calling process."""

from __future__ import annotations

import pytest

distributed = pytest.importorskip("distributed")

from toolkit.errors import ToolkitError  # noqa: E402
from toolkit.executors import DaskExecutor  # noqa: E402


def _scaled(job: int, factor: int) -> int:
    if job == 3:
        raise ValueError("three is not welcome")
    return job * factor


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as c:
        yield c


def test_map_keeps_order_shares_values_and_returns_errors(cluster) -> None:
    with DaskExecutor(cluster.scheduler_address, window=2) as ex:
        out = list(ex.map(_scaled, range(7), factor=10))
    assert [r for r, e in out if e is None] == [0, 10, 20, 40, 50, 60]
    assert [r for r, _ in out][:3] == [0, 10, 20]
    error = out[3][1]
    assert isinstance(error, ValueError) and "three" in str(error)


def test_unreachable_scheduler_is_a_named_error() -> None:
    with pytest.raises(ToolkitError) as info:
        DaskExecutor("tcp://127.0.0.1:9", timeout=1)
    assert info.value.code == "executor.dask-unreachable"


def test_collect_on_dask_records_the_same_as_the_local_pool(cluster, tmp_path, ref) -> None:
    from tests.builders import PROJECT, make_return, set_cell, small_catalogue
    from toolkit.collect import collect
    from toolkit.init import init_workspace
    from toolkit.ledger import Ledger
    from toolkit.template.catalogue_writer import write_catalogue

    def broken(book, cells):
        set_cell(book, cells, ("progress", f"{PROJECT}#2", "progress_pct"), 150)

    made = [make_return(tmp_path / "made", "clean.xlsx"), make_return(tmp_path / "made", "broken.xlsx", edit=broken)]
    (tmp_path / "made" / "junk.xlsx").write_bytes(b"not a workbook")
    made.append(tmp_path / "made" / "junk.xlsx")
    summaries = {}
    for name in ("local", "dask"):
        ws = init_workspace(tmp_path / name)
        write_catalogue(small_catalogue(), ws.catalogue_path)
        if name == "dask":
            with DaskExecutor(cluster.scheduler_address) as ex:
                results = collect(ws, made, ref, ws.catalogue(), executor=ex)
        else:
            results = collect(ws, made, ref, ws.catalogue())
        with Ledger(ws.ledger_path) as ledger:
            rows = ledger.db.execute("SELECT COUNT(*) FROM data_rows").fetchone()[0]
        summaries[name] = ([(r.file, r.status, r.submission.outcome, [(f.rule, f.cell) for f in r.report.findings])
                            for r in results], rows, results.account.counts if results.account else None)
    assert summaries["dask"] == summaries["local"]
    outcomes = [o for _, _, o, _ in summaries["dask"][0]]
    assert outcomes[1] == "rejected" and outcomes[2] == "rejected" and outcomes[0] != "rejected"
    assert summaries["dask"][1] > 0


def test_cli_collect_with_executor_dask(cluster, tmp_path) -> None:
    from typer.testing import CliRunner

    from tests.builders import make_return, small_catalogue
    from toolkit.cli import app
    from toolkit.init import init_workspace
    from toolkit.ledger import Ledger
    from toolkit.template.catalogue_writer import write_catalogue

    ws = init_workspace(tmp_path / "ws")
    write_catalogue(small_catalogue(), ws.catalogue_path)
    make_return(ws.inbox, "return.xlsx")
    runner = CliRunner()
    usage = runner.invoke(app, ["collect", str(ws.root), "--executor", "dask"])
    assert usage.exit_code == 2
    done = runner.invoke(app, ["collect", str(ws.root), "--executor", "dask", "--scheduler", cluster.scheduler_address])
    assert done.exit_code == 0, done.output
    with Ledger(ws.ledger_path) as ledger:
        assert [s.outcome for s in ledger.submissions()] == ["accepted"] or \
            [s.outcome for s in ledger.submissions()] == ["accepted_with_warnings"]


def test_a_chunk_of_files_travels_as_bytes(tmp_path) -> None:
    """collect sends several files per task (``check_chunk``): every file of the chunk goes as its bytes,
    since a worker on another machine cannot read this machine's archive."""
    from toolkit.executors import _portable
    from toolkit.read.stage import FileJob

    paths = [tmp_path / "a.xlsx", tmp_path / "b.xlsx"]
    for k, p in enumerate(paths):
        p.write_bytes(b"PK" + bytes([k]) * 10)
    sent = _portable([FileJob(p, p.name, "2564-Q4") for p in paths])
    assert [(j.source, j.display_name, j.expected_round) for j in sent] == \
        [(p.read_bytes(), p.name, "2564-Q4") for p in paths]
