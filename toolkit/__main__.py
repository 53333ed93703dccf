"""``python -m toolkit`` and the ``toolkit`` command: the command line of ``toolkit/cli.py``, with a
local collect's parsing workers set starting before the command line itself is imported."""

from __future__ import annotations

import sys


def start_collect_workers_early(argv: list[str]) -> bool:
    """For ``toolkit collect`` with the local executor, start the parsing workers now (True). Their
    forkserver imports pandas and pandera for ~1 s, which every collect waits for; begun here, before
    typer and rich are imported, it starts ~0.15-0.2 s sooner. The collect command asks for them again
    (then nothing more happens), so a wrong guess only costs workers started for nothing."""
    if argv[:1] != ["collect"] or any(a == "--help" or a.startswith("--executor") for a in argv[1:]):
        return False
    from toolkit.read.isolate import shared_pool

    shared_pool().warm_up()
    return True


def main() -> None:
    start_collect_workers_early(sys.argv[1:])
    from toolkit.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
