"""What a parsing worker needs, imported once by the pool's forkserver before it forks the workers
(``toolkit.read.isolate.FORKSERVER_PRELOAD``): the per-file stage, the validator, and pandera's
first-validation costs paid (``toolkit.validate.warm``).

The cyclic collector is off while they load: ~170k objects come in, and its walks over them were
~0.1 s of the ~1 s a collect waits for its first worker. Everything loaded is then frozen: a worker
forked from here neither walks these objects in its collections nor, by touching their headers,
copies the memory pages it shares with the forkserver.

pandera imports hypothesis whenever it is installed (the test extra installs it), to offer data
synthesis; a parsing worker never synthesises data. ``sys.modules["hypothesis"] = None`` makes that
import fail as if hypothesis were not installed (the import system's documented meaning of None
there), which pandera handles as it does in an install without it: ~0.1 s less for every collect's
first worker to wait for."""

from __future__ import annotations

import gc
import sys

from toolkit.gcpause import collector_paused


def _load() -> None:
    sys.modules.setdefault("hypothesis", None)  # type: ignore[arg-type]
    with collector_paused():
        import toolkit.read.stage  # noqa: F401
        import toolkit.validate.run  # noqa: F401
        import toolkit.validate.warm  # noqa: F401
    gc.freeze()


_load()
