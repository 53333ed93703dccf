"""pandera's one-time costs of a first validation, paid on import. The collect pool's forkserver
imports this module before it forks the workers (through ``toolkit.read.worker_preload``): each worker
then starts with pandera's backends registered and its check machinery loaded, instead of paying
~0.1-0.2 s of CPU on its first batch (at the office's 70 returns, two workers of ~35 returns each).
The forkserver starts in the background while collect reads the catalogue, so the cost moves off
the path the office waits on."""

from __future__ import annotations


def warm_up() -> bool:
    """Validate each sheet kind's empty frame under a sample round's context. True when all ran;
    a failure is swallowed (this only saves time) and gives False."""
    try:
        from schemas import SHEETS
        from toolkit.calendar import Round
        from toolkit.reference import load_reference
        from toolkit.validate.run import validation_context

        ctx = validation_context(Round.parse("2564-Q4"), load_reference())
        for spec in SHEETS:
            spec.pandera_schema(ctx).validate(spec.empty_frame(), lazy=True)
        return True
    except Exception:  # noqa: BLE001 - a warm-up must never stop a worker from starting
        return False


WARMED = warm_up()
