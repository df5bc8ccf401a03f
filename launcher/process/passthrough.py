"""A launcher inside a launcher (or a shim below one): run the command as it is.

The outer launcher already gave this environment its credentials; on POSIX the
command replaces this process, elsewhere it is supervised with the environment as given.
"""

from __future__ import annotations

import os


def run(argv: list[str], executable: str, stop_timeout: float, stop_order=None) -> int:
    if os.name == "posix":
        os.execv(executable, argv)  # replaces this process; never returns
    from launcher.process import platform
    from launcher.process.supervisor import Policy, Supervisor

    return Supervisor(platform.current(), Policy(stop_timeout=stop_timeout), lambda: dict(os.environ),
                      stop_order=stop_order).run(argv, executable)
