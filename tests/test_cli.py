"""Every command has help; validate keeps its JSON shape and exit codes; errors are clean messages."""

import json

import pytest
from typer.testing import CliRunner

from tests.builders import PROJECT, make_return, set_cell
from toolkit.cli import app

runner = CliRunner()
COMMANDS = ["init", "generate", "validate", "collect", "merge", "approve", "diff", "status", "flags", "demo", "version", "serve", "tokens"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_every_command_is_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    registered = {c.name or c.callback.__name__ for c in app.registered_commands}
    assert registered == set(COMMANDS)
    for command in COMMANDS:
        assert f"toolkit {command}" in readme, command


def test_validate_json_shape_and_exit_codes(tmp_path):
    clean = make_return(tmp_path, "clean.xlsx")
    broken = make_return(tmp_path, "broken.xlsx",
                         edit=lambda b, c: set_cell(b, c, ("progress", f"{PROJECT}#2", "progress_pct"), 150))
    ok = runner.invoke(app, ["validate", "--json", str(clean)])
    assert ok.exit_code == 0
    obj = json.loads(ok.stdout.strip())
    assert obj == {"file": "clean.xlsx", "agency": "2100", "round": "2564-Q2", "accepted": True, "issues": []}
    bad = runner.invoke(app, ["validate", "--json", str(clean), str(broken)])
    assert bad.exit_code == 1
    lines = [json.loads(line) for line in bad.stdout.strip().splitlines()]
    assert [o["accepted"] for o in lines] == [True, False]
    issue = lines[1]["issues"][0]
    assert set(issue) == {"rule", "severity", "sheet", "cell", "value", "message_th", "message_en"}
    assert (issue["rule"], issue["cell"], issue["value"]) == ("value.percent-range", "E5", "150")


def test_usage_errors_exit_2_without_traceback(tmp_path):
    missing = runner.invoke(app, ["validate", str(tmp_path / "nope.xlsx")])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    not_ws = runner.invoke(app, ["merge", str(tmp_path)])
    assert not_ws.exit_code == 2 and "workspace.missing" in not_ws.output
    bad_round = runner.invoke(app, ["generate", str(tmp_path), "--round", "2564-Q9"])
    assert bad_round.exit_code == 2 and "round.invalid" in bad_round.output


def test_init_generate_from_the_command_line(tmp_path):
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(ws), "--sample"]).exit_code == 0
    result = runner.invoke(app, ["generate", str(ws), "--round", "2564-Q4"])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (ws / "templates").glob("*.xlsx"))
    assert "2564-Q4_0100_สำนักงานเลขานุการสภากรุงเทพมหานคร.xlsx" in files
    assert "2564-Q4_2100_สำนักยุทธศาสตร์และประเมินผล.xlsx" in files


def test_validate_rejects_a_return_for_another_round(tmp_path):
    clean = make_return(tmp_path, "clean.xlsx")
    right = runner.invoke(app, ["validate", "--json", "--round", "2564-Q2", str(clean)])
    wrong = runner.invoke(app, ["validate", "--json", "--round", "2564-Q3", str(clean)])
    assert right.exit_code == 0 and wrong.exit_code == 1
    assert [i["rule"] for i in json.loads(wrong.stdout)["issues"]] == ["identity.wrong-round"]


@pytest.fixture
def small_ws(tmp_path):
    from tests.builders import small_catalogue
    from toolkit.template.catalogue_writer import write_catalogue
    from toolkit.workspace import Workspace

    ws = Workspace.create(tmp_path / "ws")
    write_catalogue(small_catalogue(), ws.catalogue_path)
    return ws


def test_approve_holds_a_resubmission_until_withdrawn(small_ws, tmp_path):
    root = str(small_ws.root)
    first = make_return(tmp_path, "first.xlsx")
    assert runner.invoke(app, ["collect", root, str(first)]).exit_code == 0
    approved = runner.invoke(app, ["approve", root, "--agency", "2100", "--round", "2564-Q2", "--by", "สมหญิง"])
    assert approved.exit_code == 0 and "approved: 2100 2564-Q2 submission #1 first.xlsx" in approved.output
    second = make_return(tmp_path, "second.xlsx",
                         edit=lambda b, c: set_cell(b, c, ("projects", PROJECT, "remarks"), "แก้ไข"))
    held = runner.invoke(app, ["collect", root, str(second)])
    assert held.exit_code == 0 and "held: accepted, but the round is approved" in held.output
    withdrawn = runner.invoke(app, ["approve", root, "--agency", "2100", "--round", "2564-Q2", "--withdraw"])
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "1 held resubmission(s) applied; current: #2 second.xlsx" in withdrawn.output
    again = runner.invoke(app, ["approve", root, "--agency", "2100", "--round", "2564-Q2", "--withdraw"])
    assert again.exit_code == 2 and "approval.not-approved" in again.output and "Traceback" not in again.output


def test_merge_starts_the_workers_first_only_when_it_will_use_one(small_ws, tmp_path, monkeypatch):
    """A large ledger: the workers start before the merge is imported (their start overlaps it)."""
    import toolkit.read.isolate as isolate
    from toolkit.merge import parallel

    warmed = []
    monkeypatch.setattr(isolate.WorkerPool, "warm_up", lambda self: warmed.append(True))
    root = str(small_ws.root)
    assert runner.invoke(app, ["collect", root, str(make_return(tmp_path, "first.xlsx"))]).exit_code == 0
    warmed.clear()
    assert runner.invoke(app, ["merge", root]).exit_code == 0 and warmed == []  # a few rows: derived here
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ROWS", 1)
    merged = runner.invoke(app, ["merge", root])
    assert merged.exit_code == 0 and warmed == [True], merged.output
    assert "master:" in merged.output  # derived in a worker, which the merge started itself


def test_collect_freezes_the_catalogue_before_it_checks_files(small_ws, tmp_path, monkeypatch):
    """What the command keeps to its end (the catalogue, the reference data) is frozen before the files
    are collected: the collector's full collections during the run then walk only what the files add."""
    import gc

    import toolkit.collect as collect_module

    frozen_at_start = []
    real_collect = collect_module.collect

    def collect(ws, files, ref, catalogue, **kwargs):
        frozen_at_start.append(gc.get_freeze_count())
        return real_collect(ws, files, ref, catalogue, **kwargs)

    monkeypatch.setattr(collect_module, "collect", collect)
    try:
        gc.unfreeze()
        result = runner.invoke(app, ["collect", str(small_ws.root), str(make_return(tmp_path, "first.xlsx"))])
        assert result.exit_code == 0, result.output
        assert frozen_at_start and frozen_at_start[0] > 0 and gc.isenabled()
    finally:
        gc.unfreeze()  # this test's process goes on


def test_merge_and_collect_leave_what_they_built_frozen_for_the_exit(small_ws, tmp_path, monkeypatch):
    """The process ends after the command: what it holds is frozen, so the collector does not walk it
    all once more on the way out. After the merge's own pause no collection may run before the freeze
    (its first one walked everything the merge built, ~0.2 s at 70 returns). The collector is on again
    afterwards."""
    import gc

    import toolkit.merge.run as merge_run

    merged, walks_after_merge = [], []
    real_merge = merge_run.merge_workspace

    def merge_workspace(*args, **kwargs):
        merged.append(True)  # from here on the collector is paused by the merge, then by the command
        return real_merge(*args, **kwargs)

    def watch(phase, info):
        if phase == "start" and merged and gc.get_freeze_count() == 0:
            walks_after_merge.append(info["generation"])

    monkeypatch.setattr(merge_run, "merge_workspace", merge_workspace)
    root = str(small_ws.root)
    try:
        gc.unfreeze()
        assert runner.invoke(app, ["collect", root, str(make_return(tmp_path, "first.xlsx"))]).exit_code == 0
        assert gc.get_freeze_count() > 0 and gc.isenabled()
        gc.unfreeze()
        gc.callbacks.append(watch)
        assert runner.invoke(app, ["merge", root]).exit_code == 0
        gc.callbacks.remove(watch)
        assert merged and walks_after_merge == []
        assert gc.get_freeze_count() > 0 and gc.isenabled()
    finally:
        if watch in gc.callbacks:
            gc.callbacks.remove(watch)
        gc.unfreeze()  # this test's process goes on
