"""Windows process control: a new process group, and CTRL_BREAK_EVENT to stop it.

A child in its own process group does not get the console's Ctrl+C; the
launcher receives it and sends the group one CTRL_BREAK_EVENT, which daprd
treats as its graceful shutdown signal. (Job Objects and the console-less
case come with the Windows issue; this module keeps the POSIX interface.)
"""

from __future__ import annotations

import signal
import subprocess
import time

from launcher.platform import tree

STOP_SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGBREAK", None),
                                 getattr(signal, "SIGTERM", None)) if s is not None)
FORWARDED_SIGNALS = STOP_SIGNALS
STOP_SIGNAL = getattr(signal, "SIGTERM", 15)
_CREATE_NEW_PROCESS_GROUP = 0x00000200
_saved: dict[int, object] = {}


def spawn(argv: list[str], env: dict[str, str], executable: str | None = None) -> subprocess.Popen:
    """Start the child in a new process group, inheriting the console handles."""
    return subprocess.Popen(argv, env=env, executable=executable, creationflags=_CREATE_NEW_PROCESS_GROUP)


def install_handlers(callback) -> None:
    """Route console control events (as signals) to `callback(signum)`."""
    for signum in FORWARDED_SIGNALS:
        _saved[signum] = signal.signal(signum, lambda s, _f: callback(s))


def restore_handlers() -> None:
    """Put back the previous handlers."""
    for signum, handler in _saved.items():
        signal.signal(signum, handler)
    _saved.clear()


def wait_for_event(proc: subprocess.Popen, timeout: float | None) -> None:
    """Windows has no SIGCHLD: wait on the process in short slices so signals get handled."""
    slice_ = 0.2 if timeout is None else max(0.0, min(timeout, 0.2))
    if proc is None:
        time.sleep(slice_)
        return
    try:
        proc.wait(slice_)
    except subprocess.TimeoutExpired:
        pass


def wake() -> None:
    """Nothing to do: `wait_for_event` polls in short slices on Windows."""


def group_alive(proc: subprocess.Popen) -> bool:
    """True while the child or any of its descendants still runs."""
    import psutil

    try:
        return psutil.Process(proc.pid).is_running()
    except psutil.NoSuchProcess:
        return False


def signal_pid(pid: int, signum: int) -> None:
    """Stop one process (a daprd under `dapr run`): CTRL_BREAK reaches only groups, so terminate."""
    import psutil

    try:
        psutil.Process(pid).terminate()
    except psutil.NoSuchProcess:
        pass


def forward(proc: subprocess.Popen, signum: int) -> None:
    """Every console event becomes one CTRL_BREAK_EVENT to the child's group."""
    send_stop(proc)


def send_stop(proc: subprocess.Popen) -> None:
    """CTRL_BREAK_EVENT: the only console event a new process group receives."""
    try:
        proc.send_signal(getattr(signal, "CTRL_BREAK_EVENT", signal.SIGTERM))
    except OSError:
        pass


def kill_tree(proc: subprocess.Popen) -> None:
    """Terminate the child and all its descendants."""
    tree.kill_tree(proc.pid)
