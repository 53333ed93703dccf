"""toolkit/__main__.py: ``python -m toolkit`` and the ``toolkit`` command start a local collect's
parsing workers before the command line is imported, and only then."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import toolkit.read.isolate as isolate
from toolkit.__main__ import start_collect_workers_early

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("argv", "starts"), [
    (["collect", "ws"], True),
    (["collect", "ws", "a.xlsx", "--round", "2564-Q4"], True),
    (["collect", "ws", "--executor", "dask", "--scheduler", "tcp://h:8786"], False),
    (["collect", "ws", "--executor=dask"], False),
    (["collect", "--help"], False),
    (["merge", "ws"], False),
    (["validate", "collect"], False),
    ([], False),
])
def test_workers_start_early_only_for_a_local_collect(argv, starts, monkeypatch):
    started = []
    monkeypatch.setattr(isolate.WorkerPool, "warm_up", lambda self: started.append(True))
    assert start_collect_workers_early(argv) is starts
    assert started == ([True] if starts else [])


def test_the_command_and_python_m_go_through_it():
    assert 'toolkit = "toolkit.__main__:main"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines()
    done = subprocess.run([sys.executable, "-m", "toolkit", "version"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.strip(), done.stderr[-2000:]
