"""What a parsing worker needs, imported once by the pool's forkserver before it forks the workers
(``toolkit.read.isolate.FORKSERVER_PRELOAD``): the per-file stage, the validator, and pandera's
first-validation costs paid (``toolkit.validate.warm``).

The cyclic collector is off while they load: ~170k objects come in, and its walks over them were
~0.1 s of the ~1 s a collect waits for its first worker. Everything loaded is then frozen: a worker
forked from here neither walks these objects in its collections nor, by touching their headers,
copies the memory pages it shares with the forkserver."""

from __future__ import annotations

import gc


def _load() -> None:
    enabled = gc.isenabled()
    gc.disable()
    try:
        import toolkit.read.stage  # noqa: F401
        import toolkit.validate.run  # noqa: F401
        import toolkit.validate.warm  # noqa: F401
    finally:
        if enabled:
            gc.enable()
    gc.freeze()


_load()
