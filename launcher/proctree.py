"""Killing a whole process tree: the last resort of a stop, and of an abandoned credential source.

psutil, any OS, imported only when a tree is killed. Shared by process/platform and sources/hung.py.
"""

from __future__ import annotations


def kill_tree(pid: int) -> int:
    """Kill `pid` and all its descendants (all found first, then killed together); how many were."""
    import psutil

    try:
        root = psutil.Process(pid)
        victims = root.children(recursive=True) + [root]
    except psutil.Error:
        return 0
    killed = 0
    for victim in victims:
        try:
            victim.kill()
            killed += 1
        except psutil.Error:
            pass
    return killed
