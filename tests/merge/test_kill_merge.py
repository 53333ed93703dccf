"""``toolkit merge`` (the CLI's main() in a child process) killed at random points (SIGKILL) leaves the master as the old one or the new one,
byte for byte, and a re-run reaches the same result; merges started together: exactly one proceeds.
TOOLKIT_KILL_TRIALS sets the number of kills (default 50)."""

import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.builders import PROJECT, make_return, set_cell, small_catalogue
from toolkit.collect import collect
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.workspace import Workspace

TRIALS = int(os.environ.get("TOOLKIT_KILL_TRIALS", "50"))
TOOLKIT = [sys.executable, "-c", "from toolkit.cli import main; main()"]


def _cli_in_child(args: list[str]) -> None:
    """Run the real CLI in a forked child (no interpreter start per trial); exit without the parent's
    atexit handlers."""
    sys.argv = ["toolkit", *args]
    code = 0
    try:
        from toolkit.cli import main
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        code = 3
    os._exit(code)


def _forked_merge(ws: Path) -> multiprocessing.Process:
    proc = multiprocessing.get_context("fork").Process(target=_cli_in_child, args=(["merge", str(ws)],))
    with open(os.devnull, "w") as null:  # keep the child's output off the test's
        saved = os.dup(1), os.dup(2)
        os.dup2(null.fileno(), 1)
        os.dup2(null.fileno(), 2)
        try:
            proc.start()
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
    return proc


def _merge(ws: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen([*TOOLKIT, "merge", str(ws)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=Path(__file__).parents[2], **kw)


def _finish(ws: Path) -> float:
    started = time.monotonic()
    proc = _merge(ws)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    return time.monotonic() - started


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, ref):
    """A workspace whose master.xlsx is the old master (one return) while its ledger holds a second one."""
    root = tmp_path_factory.mktemp("kill")
    ws = Workspace.create(root / "ws")
    write_catalogue(small_catalogue(), ws.catalogue_path)
    first = make_return(root / "made", "first.xlsx")
    collect(ws, [first], ref, ws.catalogue(), received_at=lambda p: "2021-04-01T08:00:00+00:00")
    _finish(ws.root)
    old = ws.master_path.read_bytes()

    def resubmit(book, cells):
        set_cell(book, cells, ("progress", f"{PROJECT}#2", "narrative"), "ประชุมคณะทำงานครั้งที่ 2 (แก้ไข)")
    second = make_return(root / "made2", "second.xlsx", edit=resubmit)
    collect(ws, [second], ref, ws.catalogue(), received_at=lambda p: "2021-04-02T08:00:00+00:00")
    assert ws.master_path.read_bytes() == old
    new_ws = root / "new"
    shutil.copytree(ws.root, new_ws)
    _finish(new_ws)
    new = (new_ws / "master.xlsx").read_bytes()
    started = time.monotonic()  # how long the CLI takes in a forked child (no interpreter start)
    shutil.copytree(ws.root, root / "timed")
    proc = _forked_merge(root / "timed")
    proc.join(120)
    duration = time.monotonic() - started
    assert proc.exitcode == 0 and (root / "timed" / "master.xlsx").read_bytes() == new
    again = root / "again"
    shutil.copytree(ws.root, again)
    _finish(again)
    assert (again / "master.xlsx").read_bytes() == new  # deterministic: same ledger, same bytes
    assert new != old
    return ws.root, old, new, duration


def test_killed_merge_leaves_the_old_or_the_new_master(prepared, tmp_path):
    source, old, new, duration = prepared
    ws = tmp_path / "ws"
    shutil.copytree(source, ws)
    rng = random.Random(20210401)
    seen = {"old": 0, "new": 0, "mid-write": 0}
    for trial in range(TRIALS):
        proc = _forked_merge(ws)  # the real CLI (toolkit.cli.main) in a child process
        # most kills within the measured run time; every fifth later (load on the machine varies it)
        time.sleep(rng.uniform(0.0, duration) if trial % 5 else rng.uniform(duration, 2.5 * duration))
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
        data = (ws / "master.xlsx").read_bytes()
        assert data in (old, new), "master.xlsx is neither the old nor the new one"
        if data == new:
            seen["new"] += 1
            (ws / "master.xlsx").write_bytes(old)  # start the next trial from the old master again
        else:
            seen["old"] += 1
        leftovers = list(ws.glob(".master.*"))  # a killed writer's temp file: never the master itself
        seen["mid-write"] += bool(leftovers)
        for leftover in leftovers:
            leftover.unlink()
    assert seen["old"] and seen["new"] and seen["mid-write"], seen  # before, during and after the write
    _finish(ws)
    assert (ws / "master.xlsx").read_bytes() == new
    assert (ws / "master.previous.xlsx").read_bytes() == old


def test_merges_started_together_exactly_one_proceeds(prepared, tmp_path):
    source, _, new, _ = prepared
    ws = tmp_path / "ws"
    shutil.copytree(source, ws)
    (ws / ".toolkit.lock").unlink(missing_ok=True)
    procs = [_merge(ws) for _ in range(4)]
    pids = {p.pid: p for p in procs}
    holder = None
    deadline = time.monotonic() + 60
    while holder is None and time.monotonic() < deadline:
        try:
            text = (ws / ".toolkit.lock").read_text().strip()
        except FileNotFoundError:
            text = ""
        if text.isdigit() and int(text) in pids:
            holder = pids[int(text)]
            holder.send_signal(signal.SIGSTOP)  # hold the lock until every other merge has given up
        else:
            time.sleep(0.002)
    assert holder is not None and holder.poll() is None
    others = [p for p in procs if p is not holder]
    for p in others:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 2 and b"workspace.busy" in err, err.decode()
    holder.send_signal(signal.SIGCONT)
    holder.communicate(timeout=120)
    assert holder.returncode == 0
    assert (ws / "master.xlsx").read_bytes() == new
