"""The one guard between a command and the process's exit code, for both parsers.

An expected failure (a LauncherError, or click's usage errors) is its one line and its
documented code; Ctrl+C is 130; anything else is a bug: one line naming it, exit 70, and
the traceback only at debug level. Never imports click: the fast path has not loaded it,
and then no click exception can arise.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from launcher import errors


def run_guarded(command: Callable[[], object]) -> int:
    """Run `command` and return the code the process exits with."""
    try:
        code = command()
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        return _code_for(exc)
    return code if isinstance(code, int) else 0


def _code_for(exc: Exception) -> int:
    click = sys.modules.get("click")
    if isinstance(exc, errors.LauncherError) or (click is not None and isinstance(exc, click.ClickException)):
        exc.show()
        return exc.exit_code
    if click is not None and isinstance(exc, click.exceptions.Abort):
        sys.stderr.write("dapr-aws: aborted\n")
        return 130
    from launcher import logs

    logs.get_logger().debug("internal error", exc_info=exc)
    error = errors.internal(exc)
    error.show()
    return error.exit_code
