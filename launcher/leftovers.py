"""Processes the child left behind: found by a marker in their environment.

Every child gets DAPR_AWS_LAUNCHER_PID=<our pid>, and its descendants inherit
it, including daprd and the app that `dapr run` starts in their own process
groups and that are re-parented away when the CLI exits or crashes. So after
the child exits (normally, on a stop, on a crash or for a restart) the
launcher finds what is left of its tree wherever it now hangs, stops daprd
first, then the rest, and kills what remains after the stop timeout.

On Linux the scan reads /proc/*/environ directly (a few milliseconds, no
psutil import on the exit path); elsewhere psutil does it.
"""

from __future__ import annotations

import os
import sys

from launcher.stopping import is_daprd_argv

MARKER_VAR = "DAPR_AWS_LAUNCHER_PID"


def find(launcher_pid: int | None = None) -> list[tuple[int, bool]]:
    """(pid, is_daprd) of every live process carrying our marker."""
    me = launcher_pid or os.getpid()
    if sys.platform.startswith("linux") and os.path.isdir("/proc"):
        return _scan_proc(me)
    return _scan_psutil(me)


def _scan_proc(me: int) -> list[tuple[int, bool]]:
    wanted = f"{MARKER_VAR}={me}".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                env = f.read().split(b"\0")
            if wanted not in env:
                continue
            with open(f"/proc/{name}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:  # gone, or not ours to read
            continue
        found.append((int(name), is_daprd_argv([a.decode(errors="replace") for a in argv[:2]])))
    return found


def _scan_psutil(me: int) -> list[tuple[int, bool]]:
    import psutil

    wanted = str(me)
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.pid == me or proc.environ().get(MARKER_VAR) != wanted:
                continue
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            found.append((proc.pid, is_daprd_argv(proc.cmdline())))
        except (psutil.Error, OSError):
            continue
    return found

