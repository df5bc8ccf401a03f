"""The daprd below a `dapr run`: stopped first, so that its graceful shutdown runs.

`dapr run` answers a signal by killing its daprd with SIGKILL, which skips
daprd's graceful shutdown (components closed, in-flight requests drained).
So for a `dapr run` child the supervisor first sends one SIGTERM to its
daprd descendants, waits for them to exit, and only then signals the CLI.
`stop_order(argv)` is what process/supervisor.py is given for that (it knows
nothing of Dapr itself); psutil is imported only when a stop begins.
"""

from __future__ import annotations

from launcher.dapr import cmdline


class DaprStopOrder:
    """The stop order of a daprd or `dapr run` child (process/supervisor.py's StopOrder)."""

    def __init__(self, argv: list[str]):
        self._dapr_run = cmdline.is_dapr_run(argv)
        self.shutdown_url = cmdline.shutdown_url(argv)  # Windows without a console stops daprd through it

    def first(self, pid: int) -> list[int]:
        """The daprd processes below a `dapr run` CLI, to stop before the CLI itself."""
        return daprd_descendants(pid) if self._dapr_run else []

    def still_stopping(self, pids: list[int]) -> bool:
        return any_alive(pids)

    def first_among_leftovers(self, argv: list[str]) -> bool:
        """Of what an exited child left behind, daprd is asked to stop before the rest."""
        return cmdline.is_daprd_argv(argv)


def stop_order(argv: list[str]) -> DaprStopOrder | None:
    """The stop order for a Dapr command line, or None for any other command."""
    return DaprStopOrder(argv) if cmdline.dapr_kind(argv) else None


def daprd_descendants(pid: int) -> list[int]:
    """Process ids of the daprd processes below `pid`."""
    import psutil

    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            # The process name, or a script run by an interpreter (a stand-in daprd).
            if cmdline.is_daprd_argv([child.name()]) or cmdline.is_daprd_argv(child.cmdline()):
                found.append(child.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def any_alive(pids: list[int]) -> bool:
    """True while any of `pids` runs (zombies count as gone)."""
    import psutil

    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            continue
    return False
