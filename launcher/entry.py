"""The `dapr-aws` console script and `python -m launcher`: the fast path first, else click."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run a plain `dapr-aws [OPTIONS] [--] COMMAND` without click; hand the rest to cli.py."""
    from launcher import fastpath

    options = fastpath.parse(sys.argv[1:], os.environ)
    if options is None:
        from launcher.cli import main as click_main

        click_main(prog_name="dapr-aws")
        return
    from launcher import errors

    try:
        code = fastpath.run(options)
    except errors.LauncherError as exc:
        exc.show()
        code = exc.exit_code
    except KeyboardInterrupt:
        code = 130
    except Exception as exc:  # a bug: one line, the traceback only at debug level
        from launcher import logs

        logs.get_logger().debug("internal error", exc_info=True)
        error = errors.internal(exc)
        error.show()
        code = error.exit_code
    sys.exit(code)
