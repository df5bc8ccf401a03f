"""A credential source that hangs: given up on after --fetch-timeout, and what it left running killed.

botocore runs a credential_process as our own child process and waits for it
without a time limit. When we give up on it, that process (and whatever it
started) would otherwise outlive the launcher. Our own supervised children are
never touched: they carry the tree marker with our pid (delivery/childenv.py).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from launcher import errors, markers, proctree

log = logging.getLogger("dapr-aws")


def kill_stray_children() -> int:
    """Kill our child processes that are not supervised children, with their descendants."""
    import psutil

    mine = str(os.getpid())
    killed = 0
    for child in psutil.Process().children():
        try:
            env = child.environ()
        except psutil.Error:
            continue
        if env.get(markers.TREE) == mine or env.get(markers.WATCHER):
            continue  # the supervised child (or what is left of it), or the watcher: the supervisor's
        killed += proctree.kill_tree(child.pid)
    if killed:
        log.debug("killed %d process(es) the abandoned credential source left running", killed)
    return killed


def within(seconds: float | None, resolve: Callable[[], object]):
    """`resolve()` with a time limit (None: none): past it, its processes are killed and a
    one-line error (69) says so; the call's thread is left to end on its own."""
    if seconds is None:
        return resolve()
    box: list = []

    def work():
        try:
            box.append((True, resolve()))
        except BaseException as exc:  # handed to the caller's thread as it is
            box.append((False, exc))

    thread = threading.Thread(target=work, name="dapr-aws-resolve", daemon=True)
    thread.start()
    thread.join(seconds)
    if not box:
        kill_stray_children()
        raise errors.Unavailable(f"the credential source did not answer within {seconds:g}s",
                                 "run its credential_process or endpoint by hand to see why, "
                                 "or raise --fetch-timeout")
    ok, value = box[0]
    if not ok:
        raise value
    return value
