"""Killing a whole process tree, the last resort of a stop (psutil, any OS)."""

from __future__ import annotations


def kill_tree(pid: int) -> None:
    """Kill `pid` and all its descendants, children first found, then killed together."""
    import psutil  # only paid for when a child did not stop in time

    try:
        root = psutil.Process(pid)
        victims = root.children(recursive=True) + [root]
    except psutil.NoSuchProcess:
        return
    for victim in victims:
        try:
            victim.kill()
        except psutil.NoSuchProcess:
            pass
