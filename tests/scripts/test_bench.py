"""scripts/bench.py at a tiny size: every field of its JSON is there and sane (no speed targets here:
those are checked by the benchmark itself, never by timed unit tests)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "scripts" / "bench.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    cache = tmp_path_factory.mktemp("bench_cache")
    done = subprocess.run([sys.executable, str(BENCH), "--n", "3", "--agency-years", "2", "--baseline-files", "1",
                           "--jobs", "1", "--cache", str(cache)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not list(cache.glob("bench-n*")), "the benchmark workspace is removed after the run"
    return json.loads(done.stdout)


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and value > 0


def test_report_has_machine_runs_and_targets(report: dict) -> None:
    assert report["ns"] == [3]
    assert report["machine"]["cpus"] >= 1 and report["machine"]["memory_gib"] > 0
    assert len(report["runs"]) == 1
    from importlib.metadata import version
    libraries = report["machine"]["libraries"]
    assert libraries["python-calamine"] == version("python-calamine") and libraries["pandera"] == version("pandera")
    assert set(libraries) >= {"numpy", "pandas", "frictionless", "openpyxl", "xlsxwriter", "google-re2", "orjson"}
    for name in ("per_return_cpu_ms<=40", "vs_frictionless>=10x", "vs_naive>=6x", "within_2x_bare_read",
                 "master_write>=80%_of_bare", "merge_after_one_more_rereads_nothing"):
        assert isinstance(report["targets"][name]["met"], bool), name


def test_collect_and_merge_are_measured(report: dict) -> None:
    run = report["runs"][0]
    col, mer = run["collect"], run["merge"]
    assert run["n"] == 3 and run["rows_read"] > 3 * 50 and run["bytes_per_return"] > 10_000
    # the catalogue was read once before collect, as toolkit generate does; that first read is timed
    assert run["catalogue_at_collect"].startswith("warm") and _positive(run["catalogue_first_read"]["cpu_s"])
    for part in (col, mer):
        assert _positive(part["wall_s"]) and _positive(part["cpu_s"])
        assert 30 < part["memory"]["peak_mib"] < 8192
    assert sum(col["outcomes"].values()) == 3
    assert _positive(col["files_per_s"]) and _positive(col["rows_per_s"])
    assert col["rows_per_s"] == pytest.approx(run["rows_read"] / col["wall_s"], rel=0.01)
    stages = col["stages"]
    assert col["cpu_s"] == pytest.approx(col["cpu_s_this_process"] + col["cpu_s_workers"], abs=0.01)
    assert col["memory"]["worker_peak_mib"] > 0
    for name in ("catalogue", "preflight", "read", "validate", "ledger"):
        assert name in stages, name
        assert stages[name]["wall_s"] >= 0 and stages[name]["calls"] >= 1
    assert stages["preflight"]["calls"] == 3 and stages["ledger"]["calls"] == 3
    assert "merge_write" in mer["stages"] and _positive(mer["stages"]["merge_write"]["wall_s"])
    assert run["ledger_rows"] >= run["rows_read"]  # the fourth return adds its rows too
    assert mer["master_rows"] > run["rows_read"]


def test_master_write_is_compared_with_bare_xlsxwriter(report: dict) -> None:
    bare = report["runs"][0]["master_write_vs_bare_xlsxwriter"]
    assert bare["rows"] > report["runs"][0]["rows_read"] and bare["cells"] > bare["rows"]
    assert _positive(bare["wall_s"]) and _positive(bare["master_write_wall_s"])
    assert bare["master_vs_bare_throughput"] == pytest.approx(bare["wall_s"] / bare["master_write_wall_s"], rel=0.01)


def test_one_more_return_merge_reads_no_archive_file(report: dict) -> None:
    inc = report["runs"][0]["after_one_more_return"]
    # the watcher is not blind: collecting the new return reads its archived copy
    assert inc["collect"]["archive_reads"]["python_opens"] >= 1
    assert inc["merge"]["archive_reads"]["archive_files"] == 4
    assert inc["merge"]["archive_reads"]["python_opens"] == 0
    assert inc["merge_rereads_nothing"] is True
    assert report["targets"]["merge_after_one_more_rereads_nothing"]["met"] is True


def test_alternatives_measured_on_the_same_files(report: dict) -> None:
    pr = report["runs"][0]["per_return"]
    assert pr["files"] == 1 and pr["reader"] in ("python-calamine", "openpyxl")
    # every stack went through the run's extra return (the one collected after the merge) before it was timed
    assert pr["warmed_up_on"] == report["runs"][0]["after_one_more_return"]["file"]
    for key in ("bare_read_ms", "naive_pandas_openpyxl_pandera_ms", "frictionless_ms"):
        assert _positive(pr[key]), key
    for key in ("bare_read_cpu_ms", "naive_cpu_ms", "frictionless_cpu_ms"):
        assert _positive(pr[key]), key
    assert _positive(pr["toolkit_ms"]["wall"]) and _positive(pr["toolkit_ms"]["cpu"])
    assert pr["toolkit_ms"]["read_cpu"] > 0 and pr["toolkit_ms"]["validate_cpu"] > 0
    # the targets' figure: the worker's stage without the ledger's JSON, the median of three rounds of
    # one file each (the default --rounds 3), each round on a file of its own
    assert 0 < pr["toolkit_ms"]["checking_cpu"] < pr["toolkit_ms"]["cpu"]
    assert len(pr["rounds"]) == 3 and pr["rounds_of"].startswith("3 rounds of 1 ")
    for name, key in (("toolkit_checking_cpu_ms", None), ("bare_read_cpu_ms", "bare_read_cpu_ms"),
                      ("naive_cpu_ms", "naive_cpu_ms"), ("frictionless_cpu_ms", "frictionless_cpu_ms")):
        median = sorted(r[name] for r in pr["rounds"])[1]
        assert median == pytest.approx(pr[key] if key else pr["toolkit_ms"]["checking_cpu"], abs=0.051), name
    assert pr["speedup_vs_naive"] == pytest.approx(pr["naive_cpu_ms"] / pr["toolkit_ms"]["checking_cpu"], rel=0.02)
    assert pr["speedup_vs_frictionless"] == pytest.approx(pr["frictionless_cpu_ms"] / pr["toolkit_ms"]["checking_cpu"],
                                                          rel=0.02)
    assert pr["column_checks"]["per_file_s"] > 0 and pr["column_checks"]["batched_s"] > 0
    # each round between two machine checks, so that a round measured in a slow spell can be told apart
    for r in pr["rounds"]:
        assert _positive(r["machine_check_ms"]["start"]) and _positive(r["machine_check_ms"]["end"])


def test_planted_returns_are_rejected_for_the_planted_problems(tmp_path: Path) -> None:
    bench = _bench_module()
    planted = next(i for i in range(20) if bench.is_planted(i))
    clean = next(i for i in range(20) if not bench.is_planted(i))
    from toolkit.catalogue import Catalogue
    from toolkit.reference import load_reference
    from toolkit.validate.run import validate_file

    files = {i: tmp_path / bench._make_return((i, 3, 1, str(tmp_path))) for i in (planted, clean)}
    cat = Catalogue.from_tables(bench.catalogue_tables([bench.synth_agency(3, i, 1) for i in (planted, clean)]))
    reports = {i: validate_file(f, load_reference(), catalogue=cat).report for i, f in files.items()}
    # the synthetic agencies' responsible units are names the reference data knows: a clean return
    # has no finding at all (so it gets no feedback workbook), only planted ones do
    assert reports[clean].accepted and not reports[clean].findings
    assert not reports[planted].accepted
    assert {"value.percent-range", "value.money-negative"} <= {f.rule for f in reports[planted].errors}
    assert "value.status-unknown" in {f.rule for f in reports[planted].findings}


def test_the_office_scale_is_also_timed_through_the_two_commands(report: dict) -> None:
    """In three rounds (the default --rounds 3), each on a fresh copy of one workspace: each round
    collects every return again, and the figures are the rounds' medians."""
    commands = report["runs"][0]["through_the_commands"]
    for name in ("collect", "merge"):
        assert commands[name]["exit"] == 0, commands[name].get("stderr")
        assert _positive(commands[name]["wall_s"])
        assert commands[name]["wall_s"] == sorted(r[name]["wall_s"] for r in commands["rounds"])[1]
    assert len(commands["rounds"]) == 3
    for one in commands["rounds"]:
        assert one["wall_s"] == pytest.approx(one["collect"]["wall_s"] + one["merge"]["wall_s"], abs=0.002)
        # a fresh process each: Python's start and the imports are in it, so it is no faster than in-process
        assert one["collect"]["wall_s"] > 0.3 and one["collect"]["exit"] == 0 and one["merge"]["exit"] == 0
    assert commands["wall_s"] == sorted(r["wall_s"] for r in commands["rounds"])[1]


def test_each_run_records_the_machine_check_before_and_after(report: dict) -> None:
    check = report["runs"][0]["machine_check_ms"]
    assert _positive(check["start"]) and _positive(check["end"])


def test_the_machine_check_times_the_same_work_each_time() -> None:
    bench = _bench_module()
    assert bench._fixed_work() == bench._fixed_work() > 0
    assert _positive(bench.machine_check_ms(tries=2))


def test_the_growth_target_names_both_runs_machine_check(report: dict) -> None:
    """Growth compares two runs made minutes apart: the target carries each run's machine check, so a
    slower machine in the second run can be told from a slower toolkit."""
    bench = _bench_module()
    half, big = (json.loads(json.dumps(report["runs"][0])) for _ in range(2))
    half["n"], big["n"] = 500, 1000
    half["machine_check_ms"], big["machine_check_ms"] = {"start": 7.5, "end": 7.6}, {"start": 9.1, "end": 9.0}
    for run in (half, big):
        del run["collect"]["median_wall_s"]
    big["collect"]["wall_s"] = 2 * half["collect"]["wall_s"]
    growth = bench.targets([half, big])["growth_1000/500<=2.2"]
    assert growth["value"] == 2.0 and growth["met"] is True
    assert growth["machine_check_ms"] == {"500": {"start": 7.5, "end": 7.6}, "1000": {"start": 9.1, "end": 9.0}}


def test_collect_is_timed_in_rounds_and_the_targets_take_their_median(report: dict) -> None:
    """In three rounds (the default --rounds 3): the run's own collect, then two more, each on a copy of
    the workspace as the first found it, so each collects every return again."""
    col = report["runs"][0]["collect"]
    walls = col["rounds_wall_s"]
    assert len(walls) == 3 and walls[0] == col["wall_s"] and all(_positive(w) for w in walls)
    assert col["median_wall_s"] == sorted(walls)[1]
    bench = _bench_module()
    half, big = (json.loads(json.dumps(report["runs"][0])) for _ in range(2))
    half["n"], big["n"] = 500, 1000
    half["collect"].update(wall_s=10.0, rounds_wall_s=[10.0, 20.0, 21.0], median_wall_s=20.0)
    big["collect"].update(wall_s=50.0, rounds_wall_s=[50.0, 41.0, 42.0], median_wall_s=42.0)
    t = bench.targets([half, big])
    assert t["growth_1000/500<=2.2"]["value"] == 2.1 and t["growth_1000/500<=2.2"]["met"] is True
    assert t["growth_1000/500<=2.2"]["collect_rounds_wall_s"] == {"500": [10.0, 20.0, 21.0], "1000": [50.0, 41.0, 42.0]}
    assert t["1000_collect_wall_s<=60"]["value"] == 42.0


def test_the_per_return_rounds_are_one_collect_chunk_each_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """The toolkit's figure is its stage as collect runs it, pandera once per chunk: a round of fewer
    files than a chunk would spread that fixed cost over fewer returns than collect does."""
    import toolkit.collect

    bench = _bench_module()
    asked = []
    monkeypatch.setattr(bench, "run_one", lambda n, seed, cache, baseline_files, *rest: asked.append(baseline_files) or {})
    for chunk in (toolkit.collect.CHUNK_FILES, 7):
        monkeypatch.setattr(toolkit.collect, "CHUNK_FILES", chunk)
        assert bench.main(["--one", "3"]) == 0
        assert asked[-1] == chunk
    assert bench.main(["--one", "3", "--baseline-files", "5"]) == 0 and asked[-1] == 5


def test_the_per_return_process_freezes_what_the_warm_up_loaded(monkeypatch: pytest.MonkeyPatch, ref) -> None:
    """As collect's workers freeze what they load, so the rounds' full collections do not walk the
    alternatives' modules and objects over and over (each round's figures would carry those walks)."""
    import gc

    import toolkit.read.stage as stage

    bench = _bench_module()
    calls: list[str] = []
    monkeypatch.setattr(stage, "check_chunk", lambda *a, **k: calls.append("toolkit"))
    monkeypatch.setattr(bench, "bare_read", lambda *a: calls.append("bare"))
    monkeypatch.setattr(bench, "naive_file", lambda *a: calls.append("naive"))
    monkeypatch.setattr(bench, "frictionless_file", lambda *a: calls.append("frictionless"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(bench, "machine_check_ms", lambda *a: 4.5)
    monkeypatch.setattr(bench, "column_checks", lambda *a: {})
    figures = {"toolkit_ms": {"checking_cpu": 30.0, "read_cpu": 10.0}, "bare_read_cpu_ms": 10.0,
               "naive_cpu_ms": 200.0, "frictionless_cpu_ms": 300.0}
    monkeypatch.setattr(bench, "_per_return_round", lambda *a: calls.append("round") or figures)
    out = bench.per_return([Path("a.xlsx"), Path("b.xlsx")], None, ref, Path("warm.xlsx"), rounds=2)
    assert calls == ["toolkit", "bare", "naive", "frictionless", "freeze", "round", "round"]
    assert out["speedup_vs_frictionless"] == 10.0
