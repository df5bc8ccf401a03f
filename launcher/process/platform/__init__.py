"""Operating-system specifics of process control, behind one small interface.

`current()` returns the module for this OS. Both modules offer:
    spawn(argv, env, executable) -> subprocess.Popen
    install_handlers(callback) / restore_handlers()
    wait_for_event(proc, timeout)
    forward(proc, signum) / send_stop(proc) / kill_tree(proc) / release(proc)
    wake() / group_alive(proc) / signal_pid(pid, signum)
    STOP_SIGNALS, FORWARDED_SIGNALS
"""

from __future__ import annotations

import sys


def current():
    """The platform module for the running OS."""
    if sys.platform.startswith("win"):
        from launcher.process.platform import windows

        return windows
    from launcher.process.platform import posix

    return posix


def exit_code_of(returncode: int) -> int:
    """A child's exit status as a shell reports it: 128+N when signal N killed it."""
    if returncode < 0:
        return 128 + (-returncode)
    return returncode
