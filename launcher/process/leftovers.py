"""Processes the child left behind: found by a marker in their environment.

Every child gets DAPR_AWS_LAUNCHER_PID=<our pid>, and its descendants inherit
it, including daprd and the app that `dapr run` starts in their own process
groups and that are re-parented away when the CLI exits or crashes. So after
the child exits (normally, on a stop, on a crash or for a restart) the
launcher finds what is left of its tree wherever it now hangs, stops the
processes its stop order puts first (daprd, see dapr/tree.py), then the rest, and kills what remains after the stop timeout.

On Linux the scan reads /proc/*/environ directly (a few milliseconds, no
psutil import on the exit path); elsewhere psutil does it.
"""

from __future__ import annotations

import logging
import os
import sys

from launcher import markers
from collections.abc import Callable

log = logging.getLogger("dapr-aws")


def drain_step(platform, old, deadline: float, now: float, signalled: set[int],
               first: Callable[[list[str]], bool] = lambda argv: False) -> bool:
    """One step of stopping what is left of an exited child's tree: True once nothing is left.

    Those whose command line `first` picks (daprd) first, each process asked exactly
    once (`signalled` remembers); the rest only when none of those is left; at `deadline` everything left is killed.
    """
    reap = getattr(platform, "reap_leftovers", None)
    if reap is not None:
        reap(old, signalled)  # a zombie in the old group would otherwise count as alive until the deadline
    left = find(first=first) if platform.TREE_SCAN else []
    if not left and not platform.group_alive(old):
        return True
    if now >= deadline:
        log.warning("%d process(es) of the old child's tree still running; killing them", len(left))
        for pid, _ in left:
            platform.signal_pid(pid, platform.KILL_SIGNAL)
        platform.kill_tree(old)
        return True
    ahead = [pid for pid, is_first in left if is_first]
    for pid in (ahead or [pid for pid, _ in left]):
        if pid not in signalled:
            signalled.add(pid)
            log.debug("asking leftover process %d to stop", pid)
            platform.signal_pid(pid, platform.STOP_SIGNAL)
    return False


def find(launcher_pid: int | None = None, first: Callable[[list[str]], bool] = lambda argv: False
         ) -> list[tuple[int, bool]]:
    """(pid, first(its argv)) of every live process carrying our marker."""
    me = launcher_pid or os.getpid()
    if sys.platform.startswith("linux") and os.path.isdir("/proc"):
        return _scan_proc(me, first)
    return _scan_psutil(me, first)


def _scan_proc(me: int, first) -> list[tuple[int, bool]]:
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
        found.append((int(name), first([a.decode(errors="replace") for a in argv[:2]])))
    return found


def _scan_psutil(me: int, first) -> list[tuple[int, bool]]:
    import psutil

    wanted = str(me)
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.pid == me or proc.environ().get(markers.TREE) != wanted:
                continue
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            found.append((proc.pid, first(proc.cmdline())))
        except (psutil.Error, OSError):
            continue
    return found

