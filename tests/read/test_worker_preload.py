"""toolkit.read.worker_preload: what the collect pool's forkserver imports before it forks workers,
loaded with the cyclic collector off and then frozen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_IN_A_WORKER = """
import json
from toolkit.read.isolate import WorkerPool
with WorkerPool(1) as pool:
    # eval, a builtin, is what a worker can be sent without importing anything of this script
    print(json.dumps(pool.run(eval, "(__import__('gc').isenabled(), __import__('gc').get_freeze_count(), "
                                    "'toolkit.validate.warm' in __import__('sys').modules)")))
"""


def _last_json(code: str) -> object:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_it_freezes_what_it_loaded_and_leaves_the_collector_as_it_was() -> None:
    enabled, frozen = _last_json("import gc, json\ngc.disable()\nimport toolkit.read.worker_preload\n"
                                 "print(json.dumps([gc.isenabled(), gc.get_freeze_count()]))")
    assert enabled is False and frozen > 10_000  # pandas, pandera and the toolkit: ~170k objects


def test_a_worker_starts_with_the_preload_frozen_and_the_collector_on() -> None:
    """A worker also freezes what it holds once its first task's arguments arrive (after a collection,
    which finds the import's cyclic garbage): without the forkserver's freeze it held ~55 % of what the
    import alone freezes (92k of 168k objects); with it, about as many (the processes' own modules
    differ a little)."""
    preloaded = _last_json("import gc, json\nimport toolkit.read.worker_preload\nprint(gc.get_freeze_count())")
    enabled, frozen, warmed = _last_json(_IN_A_WORKER)
    assert enabled and warmed
    assert frozen > 0.9 * preloaded


def test_a_worker_runs_pandera_as_installed_without_hypothesis() -> None:
    """The test extra installs hypothesis; the parsing workers never synthesise data, and pandera
    takes the path of an install without it."""
    code = ("import json\nfrom toolkit.read.isolate import WorkerPool\nwith WorkerPool(1) as pool:\n"
            "    print(json.dumps(pool.run(eval, \"(sorted(m for m in __import__('sys').modules if m.startswith('hypothesis')"
            " and __import__('sys').modules[m] is not None), "
            "__import__('pandera.strategies.base_strategies', fromlist=['x']).HAS_HYPOTHESIS)\")))")
    loaded, has_hypothesis = _last_json(code)
    assert loaded == [] and has_hypothesis is False
    import importlib.util

    assert importlib.util.find_spec("hypothesis") is not None  # installed here: the test means something
