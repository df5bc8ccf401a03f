"""The `dapr-aws` console script and `python -m launcher`: the fast path first, else click.

The cyclic garbage collector is off while we start: importing botocore allocates enough to
trigger several full collections, about 20 ms of every start (scripts/bench). run.py turns
it back on, with what start-up made frozen, before any child starts (`collect_from_now`).
"""

from __future__ import annotations

import gc
import os
import sys


def main() -> None:
    """Run a plain `dapr-aws [OPTIONS] [--] COMMAND` without click; hand the rest to commands.py."""
    gc.disable()
    from launcher.cli import fastpath
    from launcher.cli.guard import run_guarded

    values = fastpath.parse(sys.argv[1:], os.environ)
    if values is None:
        from launcher.cli import commands

        sys.exit(run_guarded(lambda: commands.cli.main(args=sys.argv[1:], prog_name="dapr-aws",
                                                       standalone_mode=False)))
    sys.exit(run_guarded(lambda: fastpath.run(values)))
