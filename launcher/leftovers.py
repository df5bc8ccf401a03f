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

import logging
import os
import sys

from launcher import markers
from launcher.stopping import is_daprd_argv

log = logging.getLogger("dapr-aws")


def drain_step(platform, old, deadline: float, now: float, signalled: set[int]) -> bool:
    """One step of stopping what is left of an exited child's tree: True once nothing is left.

    daprd first, each process asked exactly once (`signalled` remembers); the
    rest only when no daprd is left; at `deadline` everything left is killed.
    """
    left = find() if platform.TREE_SCAN else []
    if not left and not platform.group_alive(old):
        return True
    if now >= deadline:
        log.warning("%d process(es) of the old child's tree still running; killing them", len(left))
        for pid, _ in left:
            platform.signal_pid(pid, platform.KILL_SIGNAL)
        platform.kill_tree(old)
        return True
    daprd = [pid for pid, is_daprd in left if is_daprd]
    for pid in (daprd or [pid for pid, _ in left]):
        if pid not in signalled:
            signalled.add(pid)
            log.debug("asking leftover process %d to stop", pid)
            platform.signal_pid(pid, platform.STOP_SIGNAL)
    return False


def find(launcher_pid: int | None = None) -> list[tuple[int, bool]]:
    """(pid, is_daprd) of every live process carrying our marker."""
    me = launcher_pid or os.getpid()
    if sys.platform.startswith("linux") and os.path.isdir("/proc"):
        return _scan_proc(me)
    return _scan_psutil(me)


def _scan_proc(me: int) -> list[tuple[int, bool]]:
    wanted = f"{markers.TREE}={me}".encode()
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
            if proc.pid == me or proc.environ().get(markers.TREE) != wanted:
                continue
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            found.append((proc.pid, is_daprd_argv(proc.cmdline())))
        except (psutil.Error, OSError):
            continue
    return found

