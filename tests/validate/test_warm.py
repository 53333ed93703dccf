"""The collect pool's forkserver imports toolkit.validate.warm, so that workers forked from it start
with what a first pandera validation loads already loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from toolkit.read.isolate import FORKSERVER_PRELOAD

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys
import toolkit.read.stage, toolkit.validate.run
before = set(sys.modules)
if sys.argv[1] == "warm":
    import toolkit.validate.warm as warm
    assert warm.WARMED
from toolkit.validate.batch import complete_batch  # imported by the stage in a worker: loads no backend
print(json.dumps(sorted(m for m in set(sys.modules) - before if m.startswith("pandera.backends"))))
"""


def _loaded(mode: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, mode], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_forkserver_preloads_the_warm_up() -> None:
    """Through toolkit.read.worker_preload, the collect pool's one preloaded module."""
    assert FORKSERVER_PRELOAD == ["toolkit.read.worker_preload"]
    done = subprocess.run([sys.executable, "-c", "import sys, toolkit.read.worker_preload\n"
                           "print(' '.join(sorted(m for m in sys.modules if m.startswith('toolkit'))))"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert {"toolkit.read.stage", "toolkit.validate.run", "toolkit.validate.warm"} <= set(done.stdout.split())


def test_importing_it_loads_pandera_backends_a_first_validation_needs() -> None:
    cold = _loaded("cold")
    warmed = _loaded("warm")
    assert "pandera.backends.pandas.container" not in cold  # nothing had loaded them before
    for name in ("pandera.backends.pandas.container", "pandera.backends.pandas.components",
                 "pandera.backends.pandas.checks", "pandera.backends.pandas.builtin_checks"):
        assert name in warmed, name


def test_a_failing_warm_up_is_swallowed(monkeypatch) -> None:
    import schemas.base
    import toolkit.validate.warm as warm

    def broken(self, ctx):
        raise RuntimeError("no schema today")

    monkeypatch.setattr(schemas.base.SheetSpec, "pandera_schema", broken)
    assert warm.warm_up() is False
