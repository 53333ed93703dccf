"""A merge can work out its KPI results, flags and summary in a parsing worker while it writes the
consolidated sheets (toolkit.merge.derived): the master is the same file, byte for byte, whether
they come from the worker or from this process, and any trouble in the worker means deriving here."""

import shutil

import openpyxl
import pytest

import toolkit.merge.derived as derived
import toolkit.merge.run as run
from toolkit.demo.run import run_demo
from toolkit.ledger import Ledger
from toolkit.merge.run import merge_workspace
from toolkit.read.isolate import WorkerFailure
from toolkit.workspace import Workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The bundled sample round collected and merged (24 returns, flags and outliers)."""
    return Workspace.open(run_demo(tmp_path_factory.mktemp("demo") / "ws", fresh=True).workspace)


def _merge(ws, ref, parallel, **kw):
    result = merge_workspace(ws, ref, parallel=parallel, **kw)
    return result, result.path.read_bytes()


@pytest.fixture(scope="module")
def here(demo):
    from toolkit.reference import load_reference

    return _merge(demo, load_reference(), parallel=False)


def test_the_worker_s_parts_make_the_same_master(demo, ref, here, monkeypatch):
    def no_deriving_here(*args, **kwargs):
        raise AssertionError("derived in this process, not in the worker")

    monkeypatch.setattr(derived, "derive", no_deriving_here)  # this process only: the worker has its own
    result, written = _merge(demo, ref, parallel=True)
    assert written == here[1] and result.derived_in_worker and not here[0].derived_in_worker
    assert any(f["rule"].startswith("outlier.") for f in result.data.flags)  # the outlier search ran there
    assert result.data.kpi_results == here[0].data.kpi_results and result.data.summary == here[0].data.summary


class _Pool:
    def __init__(self, outcome):
        self.outcome = outcome

    def run(self, fn, *args):
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


@pytest.mark.parametrize("outcome", [WorkerFailure("intake.memory", "limit 1.5 GiB"), RuntimeError("a bug"), None],
                         ids=["memory", "bug", "ledger-moved-on"])
def test_trouble_in_the_worker_means_deriving_here(demo, ref, here, monkeypatch, outcome):
    monkeypatch.setattr(run, "merge_pool", lambda: _Pool(outcome))
    result, written = _merge(demo, ref, parallel=True)
    assert written == here[1] and not result.derived_in_worker


def _record_another(ws):
    """A submission recorded as a collect would while the merge runs (a copy of the newest one)."""
    with Ledger(ws.ledger_path) as ledger:
        row = ledger.db.execute("SELECT * FROM submissions ORDER BY id DESC LIMIT 1").fetchone()
        columns = [k for k in row.keys() if k != "id"]
        ledger.db.execute(f"INSERT INTO submissions ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                          [row[k] if k != "sha256" else "0" * 64 for k in columns])


def test_a_return_recorded_meanwhile_means_deriving_here(demo, ref, here, monkeypatch, tmp_path):
    ws = Workspace.open(shutil.copytree(demo.root, tmp_path / "ws"))
    with Ledger(ws.ledger_path) as ledger:
        seen = derived.last_submission(ledger)
    args = (str(ws.root), ref, run.DEFAULT_SETTINGS, here[0].data.as_of, seen)
    parts = derived.derived_parts(*args)
    assert parts is not None and parts[1] == here[0].data.flags

    class Meanwhile(_Pool):  # the worker finishes, and a return lands before the parts are taken
        def run(self, fn, *args):
            _record_another(ws)
            return parts

    monkeypatch.setattr(run, "merge_pool", lambda: Meanwhile(None))
    result = merge_workspace(ws, ref, parallel=True)
    assert result.data.flags is not parts[1] and result.data.summary is not parts[2]
    assert derived.derived_parts(*args) is None  # a worker started now would see it and give nothing


def test_parallel_progress_counts_every_row(demo, ref, here):
    heard = []
    result = merge_workspace(demo, ref, parallel=True, progress=lambda step, done, total: heard.append((step, done, total)))
    writing = [(done, total) for step, done, total in heard if "writing" in step]
    assert [d for d, _ in writing] == sorted(d for d, _ in writing)
    book = openpyxl.load_workbook(result.path, read_only=True)
    names = ["Submissions", "Projects", "Progress", "PlanSteps", "KPIs", "KPIResults", "Flags"]
    in_file = sum(book[name].max_row - 2 for name in names)
    book.close()
    assert writing[-1][1] == in_file and heard[-1] == ("บันทึกไฟล์รวม / saving the master workbook", in_file, None)


def test_the_merge_runs_with_the_collector_paused_and_restores_it(demo, ref, monkeypatch):
    import gc

    seen = []
    write = run.write_master

    def watch(*args, **kwargs):
        seen.append(gc.isenabled())
        return write(*args, **kwargs)
    monkeypatch.setattr(run, "write_master", watch)
    merge_workspace(demo, ref, parallel=False)
    assert seen == [False] and gc.isenabled()
