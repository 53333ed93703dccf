"""Isolated parsing: a worker that aborts, runs out of memory or hangs becomes a named rejection of
that file, the worker is replaced and the batch goes on."""

import os
import time
import zipfile

import pytest

from schemas.rules import RULES
from tests.builders import make_return, small_catalogue
from toolkit.collect import collect
from toolkit.read.isolate import BackgroundTasks, TaskError, WorkerFailure, WorkerPool
from toolkit.read.preflight import Limits
from toolkit.read.stage import FileJob, check_chunk, check_file
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.workspace import Workspace


def square(x):
    return x * x


def pid_of(_):
    return os.getpid()


def pid_after(seconds):
    time.sleep(seconds)
    return os.getpid()


def misbehave(how):
    if how == "abort":
        os.abort()
    if how == "memory":
        return len(bytearray(2 << 30))  # over the test pool's 1 GiB address-space limit
    if how == "hang":
        time.sleep(60)
    if how == "bug":
        raise ValueError("a bug")
    return how


def calamine_far_cell(path):
    """What preflight exists to prevent: calamine on values at A1 and XFD1048576 aborts its process."""
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(2, Limits(worker_memory_bytes=1 << 30, worker_timeout_s=4)) as p:
        yield p


def test_results_in_order_from_reused_workers(pool):
    assert [o.result for o in pool.map(square, range(8))] == [x * x for x in range(8)]
    first = [o.result for o in pool.map(pid_of, range(6))]
    again = [o.result for o in pool.map(pid_of, range(6))]
    assert os.getpid() not in first + again  # every task ran in a worker
    assert len(set(first + again)) <= pool.size < len(first)  # 12 tasks, no process start per task


def test_workers_warmed_up_in_the_background_take_the_first_tasks():
    with WorkerPool(2, Limits(worker_memory_bytes=1 << 30, worker_timeout_s=10)) as warm:
        warm.warm_up()
        warm.warm_up()  # once is enough: no second set of workers
        warm._join_warm_up()
        started = {w.process.pid for w in warm._idle}
        assert len(started) == warm.size
        served = {o.result for o in warm.map(pid_of, range(6))}
        assert served <= started and warm.replaced == 0  # no process started for the tasks


def test_a_pool_closed_while_warming_up_leaves_no_worker():
    warm = WorkerPool(2, Limits(worker_memory_bytes=1 << 30, worker_timeout_s=10))
    warm.warm_up()
    warm.close()
    assert not warm._idle and not any(t.name == "toolkit-pool-warm-up" for t in __import__("threading").enumerate())


def slow_square(x):
    time.sleep(0.05)
    return x * x


def test_a_map_driven_by_a_thread_and_a_run_from_another_share_the_pool(pool):
    """collect draws the pool's map from a thread while its main thread may run() a re-check."""
    import threading

    mapped = []
    thread = threading.Thread(target=lambda: mapped.extend(o.result for o in pool.map(slow_square, range(12))))
    thread.start()
    ran = [pool.run(square, k) for k in range(5)]
    thread.join(30)
    assert mapped == [x * x for x in range(12)] and ran == [k * k for k in range(5)]
    assert len(pool._idle) <= pool.size


def test_each_failure_is_named_and_the_batch_goes_on(pool):
    outcomes = list(pool.map(misbehave, ["ok1", "abort", "ok2", "memory", "hang", "bug", "ok3"]))
    codes = [o.error.code if isinstance(o.error, WorkerFailure) else type(o.error).__name__ if o.error else o.result
             for o in outcomes]
    assert codes == ["ok1", "intake.parser-crashed", "ok2", "intake.memory", "intake.timeout", "TaskError", "ok3"]
    assert "SIGABRT" in outcomes[1].error.message_en
    assert "a bug" in str(outcomes[5].error)
    assert all(code in RULES for code in ("intake.parser-crashed", "intake.memory", "intake.timeout"))
    assert pool.run(square, 7) == 49  # replaced workers serve the next batch
    with pytest.raises(TaskError):
        pool.run(misbehave, "bug")


def test_background_tasks_run_while_the_caller_goes_on_and_failures_are_named():
    tasks = BackgroundTasks(2, Limits(worker_memory_bytes=1 << 30, worker_timeout_s=2))
    started = time.monotonic()
    for how in ("ok1", "abort", "hang", "ok2", "bug", "ok3"):
        tasks.submit(misbehave, how)
    assert time.monotonic() - started < 1.0  # submit does not wait for the task (the hang alone takes 2 s)
    outcomes = tasks.finish()
    codes = [o.error.code if isinstance(o.error, WorkerFailure) else type(o.error).__name__ if o.error else o.result
             for o in outcomes]
    assert codes == ["ok1", "intake.parser-crashed", "intake.timeout", "ok2", "TaskError", "ok3"]
    assert tasks.finish() == outcomes  # finishing twice changes nothing


def test_background_tasks_start_a_second_worker_only_for_a_backlog():
    """A few tasks, each done before the next comes (collect's feedback at the office's scale): one
    worker does them all. More waiting than BACKLOG_PER_WORKER per worker: another starts."""
    tasks = BackgroundTasks(2, Limits(worker_memory_bytes=1 << 30, worker_timeout_s=30))
    for _ in range(3):
        tasks.submit(pid_of, None)
        tasks.wait()
    few = {o.result for o in tasks.finish()}
    assert len(few) == 1
    tasks = BackgroundTasks(2, Limits(worker_memory_bytes=1 << 30, worker_timeout_s=30))
    for _ in range(2 + 2 * BackgroundTasks.BACKLOG_PER_WORKER):
        tasks.submit(pid_after, 0.3)
    outcomes = tasks.finish()
    assert all(o.error is None for o in outcomes) and len({o.result for o in outcomes}) == 2


def test_background_tasks_cancelled_are_not_lost_silently():
    tasks = BackgroundTasks(1, Limits(worker_memory_bytes=1 << 30, worker_timeout_s=2))
    for how in ("hang", "ok1", "ok2"):
        tasks.submit(misbehave, how)
    deadline = time.monotonic() + 30
    while tasks._queue.qsize() > 2 and time.monotonic() < deadline:  # until the hang has started
        time.sleep(0.05)
    outcomes = tasks.finish(cancel=True)
    assert isinstance(outcomes[0].error, WorkerFailure) and outcomes[0].error.code == "intake.timeout"
    assert [str(o.error) for o in outcomes[1:]] == ["cancelled before it started"] * 2


def test_calamine_abort_is_contained(pool, tmp_path):
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
             b'</sheetData></worksheet>')
    path = tmp_path / "far.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument'
                   b'.spreadsheetml.sheet.main+xml"/></Types>')
        z.writestr("_rels/.rels", b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                   b'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                   b'<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    [outcome] = pool.map(calamine_far_cell, [str(path)])
    assert isinstance(outcome.error, WorkerFailure)
    assert outcome.error.code in ("intake.parser-crashed", "intake.memory")


def test_stage_is_pure_and_takes_bytes(tmp_path, ref):
    path = make_return(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    by_path = check_file(FileJob(path, "r.xlsx"), ref=ref, catalogue=small_catalogue())
    by_bytes = check_file(FileJob(path.read_bytes(), "r.xlsx"), ref=ref, catalogue=small_catalogue())
    assert by_path.parsed.report.to_dict() == by_bytes.parsed.report.to_dict() and by_path.parsed.report.accepted
    assert by_path.rows_read == by_bytes.rows_read == sum(len(f) for f in by_path.parsed.frames.values()) > 0
    assert sorted(tmp_path.rglob("*")) == before  # the stage writes nothing


def test_a_chunk_gives_each_file_what_checking_it_alone_gives(tmp_path, ref):
    from tests.builders import PROJECT, set_cell

    files = [make_return(tmp_path / "clean", "clean.xlsx"), make_return(tmp_path / "dates", "dates.xlsx", text_dates=True)]
    for k, value in enumerate((150, -5, "lots")):
        files.append(make_return(tmp_path / f"b{k}", f"b{k}.xlsx", edit=lambda book, cells, v=value: (
            set_cell(book, cells, ("progress", f"{PROJECT}#2", "progress_pct"), v),
            set_cell(book, cells, ("projects", PROJECT, "budget_used"), v))))
    files.append(tmp_path / "junk.xlsx")
    files[-1].write_bytes(b"not a workbook")
    jobs = [FileJob(f, f.name) for f in files]
    alone = [check_file(job, ref=ref, catalogue=small_catalogue()) for job in jobs]
    chunk = check_chunk(jobs, ref=ref, catalogue=small_catalogue())
    assert [r.parsed.report.to_dict() for r in chunk] == [r.parsed.report.to_dict() for r in alone]
    assert [r.rows_read for r in chunk] == [r.rows_read for r in alone]
    assert all(r.parsed.pending is None for r in chunk)  # nothing left to do, nothing extra to send back
    assert len({f.rule for r in chunk for f in r.parsed.report.findings}) >= 4  # the files do differ
    assert chunk[0].timings.calls["batch_columns"] == 1 and all(r.timings.calls["check"] == 1 for r in chunk)
    # accepted returns come with their rows encoded as the ledger stores them; the others without
    from toolkit.ledger.encode import encode_rows

    assert [r.rows_json is not None for r in chunk] == [r.parsed.report.accepted for r in chunk] and chunk[0].rows_json
    assert all(r.rows_json == encode_rows(r.parsed.frames) for r in chunk if r.rows_json is not None)
    # as collect asks: the same rows and reports, the accepted returns' frames left behind empty
    light = check_chunk(jobs, ref=ref, catalogue=small_catalogue(), rows_only=True)
    assert [r.rows_json for r in light] == [r.rows_json for r in chunk]
    assert [r.parsed.report.to_dict() for r in light] == [r.parsed.report.to_dict() for r in chunk]
    for full, kept in zip(chunk, light):
        assert list(kept.parsed.frames) == list(full.parsed.frames)
        assert [list(f.columns) for f in kept.parsed.frames.values()] == [list(f.columns) for f in full.parsed.frames.values()]
        rows = sum(len(f) for f in kept.parsed.frames.values())
        assert rows == (0 if full.parsed.report.accepted else sum(len(f) for f in full.parsed.frames.values()))


class CrashingExecutor:
    """An executor (the shape collect accepts for Dask) whose worker aborts on files named crash*."""

    def __init__(self, pool):
        self.pool = pool
        self.tasks = []  # the files of each task, as sent

    def map(self, fn, jobs, **shared):
        for job in jobs:  # one file (check_file) or a chunk of them (check_chunk)
            names = [j.display_name for j in (job if isinstance(job, list) else [job])]
            self.tasks.append(names)
            if any(name.startswith("crash") for name in names):
                [outcome] = self.pool.map(misbehave, ["abort"])
            else:
                [outcome] = self.pool.map(fn, [job], **shared)
            yield outcome


def test_a_crashing_file_is_a_named_rejection_in_collect(pool, tmp_path, ref):
    ws = Workspace.create(tmp_path / "ws")
    write_catalogue(small_catalogue(), ws.catalogue_path)
    good = make_return(tmp_path, "good.xlsx")
    (ws.inbox / "a_good.xlsx").write_bytes(good.read_bytes())
    (ws.inbox / "crash.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(200))
    results = collect(ws, None, ref, ws.catalogue(), executor=CrashingExecutor(pool))
    by_name = {r.file: r for r in results}
    assert by_name["a_good.xlsx"].report.accepted
    crash = by_name["crash.xlsx"]
    assert [f.rule for f in crash.report.findings] == ["intake.parser-crashed"] and crash.submission.outcome == "rejected"
    assert results.account.balanced and results.account.rejections == {"intake.parser-crashed": 1}


def test_a_crash_in_a_chunk_rejects_only_the_file_that_did_it(pool, tmp_path, ref):
    """Files are checked several per task; when a task's worker dies, its files are checked again one
    by one, so the others get their own findings and only the crashing file is rejected for the crash."""
    from tests.builders import PROJECT, set_cell

    ws = Workspace.create(tmp_path / "ws")
    write_catalogue(small_catalogue(), ws.catalogue_path)
    for k in range(5):
        make_return(ws.inbox, f"r{k}.xlsx", edit=lambda book, cells, k=k: set_cell(
            book, cells, ("progress", f"{PROJECT}#1", "progress_pct"), 101 + k))
    (ws.inbox / "crash.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(200))
    executor = CrashingExecutor(pool)
    results = collect(ws, None, ref, ws.catalogue(), executor=executor)
    assert any(len(task) > 1 and "crash.xlsx" in task for task in executor.tasks)  # chunked, then
    assert ["crash.xlsx"] in executor.tasks  # the crashing chunk's files one by one
    by_name = {r.file: r for r in results}
    assert [f.rule for f in by_name["crash.xlsx"].report.findings] == ["intake.parser-crashed"]
    for k in range(5):
        rules = {f.rule for f in by_name[f"r{k}.xlsx"].report.findings}
        assert "value.percent-range" in rules and not any(r.startswith("intake.") for r in rules), rules
    assert results.account.balanced and results.account.rejections["intake.parser-crashed"] == 1
    assert results.account.counts["files_received"] == 6 and results.account.count("rejected") == 6


def test_a_batch_checks_later_returns_against_earlier_ones_of_the_same_batch(tmp_path, ref):
    """Parallel checking must not change results: Q2 collected in the same batch as the agency's Q1 is
    compared with that Q1 exactly as when the two are collected one after the other."""
    import copy

    from tests.builders import PROJECT, clean_answers
    from toolkit.calendar import Round

    q1 = copy.deepcopy(clean_answers())
    for n, pct in enumerate((10, 20, 35), start=1):
        q1["progress"][f"{PROJECT}#{n}"]["progress_pct"] = str(pct)
    q1["projects"][PROJECT]["budget_used"] = "15000"
    q1["kpis"]["2100-0001"]["achieved"], q1["kpis"]["2100-0002"]["achieved"] = "1", "2"
    files = [make_return(tmp_path / "q1", "a_q1.xlsx", answers=q1, rnd=Round.parse("2564-Q1")),
             make_return(tmp_path / "q2", "b_q2.xlsx")]  # restates report 3 as 30 (Q1 said 35)
    reports = {}
    for mode in ("batch", "one by one"):
        ws = Workspace.create(tmp_path / mode)
        write_catalogue(small_catalogue(), ws.catalogue_path)
        if mode == "batch":
            results = collect(ws, files, ref, ws.catalogue())
        else:
            results = [r for f in files for r in collect(ws, [f], ref, ws.catalogue())]
        reports[mode] = [r.report.to_dict() for r in results]
    assert reports["batch"] == reports["one by one"]
    assert any(f["rule"] == "progress.below-previous-round" for f in reports["batch"][1]["issues"])
