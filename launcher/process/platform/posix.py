"""POSIX process control: own process group, parent-death signal, signal forwarding.

Waiting is event driven: a SIGCHLD handler plus Python's signal wakeup fd
let `select` sleep until the child exits, a signal arrives or a deadline
passes, so a launcher supervising for days uses no CPU.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time

from launcher import proctree

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)
FORWARDED_SIGNALS = STOP_SIGNALS + (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)  # handled signals
STOP_SIGNAL = signal.SIGTERM
KILL_SIGNAL = signal.SIGKILL
TREE_SCAN = True  # look for the child's leftovers by their environment marker
REFRESH_SIGNAL = signal.SIGHUP  # not forwarded: it means "refresh the credentials now"
# When the launcher dies without a chance to stop the child (kill -9), the
# kernel sends this to the child. SIGTERM, not SIGKILL: daprd then shuts
# down gracefully and `dapr run` cleans up its own daprd and app.
PARENT_DEATH_SIGNAL = signal.SIGTERM
_PR_SET_PDEATHSIG = 1

_wakeup_read: int | None = None
_wakeup_write: int | None = None
_terminal_fd: int | None = None  # a descriptor on the terminal we started on, if any
_saved: dict[int, object] = {}


def _prctl():
    """libc's prctl, looked up before fork so the child does no lookup work."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def spawn(argv: list[str], env: dict[str, str], executable: str | None = None,
          shutdown_url: str | None = None) -> subprocess.Popen:
    """Start the child in its own process group, inheriting stdin/stdout/stderr (signals stop it:
    `shutdown_url` is for Windows)."""
    prctl = _prctl()
    parent = os.getpid()
    _become_subreaper(prctl)

    def in_child() -> None:
        os.setpgid(0, 0)
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, int(PARENT_DEATH_SIGNAL), 0, 0, 0)
            if os.getppid() != parent:  # the launcher died before prctl took effect
                os._exit(128 + int(PARENT_DEATH_SIGNAL))

    global _child_group
    proc = subprocess.Popen(argv, env=env, executable=executable, preexec_fn=in_child, close_fds=True)
    _child_group = proc.pid
    if _watcher is not None:
        _watcher.child_started(proc.pid)
    return proc


_watcher = None
_child_group: int | None = None


def watch(grace: float) -> None:
    """Start the watcher that stops the child's tree if we are killed (watcher.py), once."""
    global _watcher
    if _watcher is None:
        from launcher.process.platform.watcher import Watcher

        _watcher = Watcher(grace)
        if _child_group is not None:
            _watcher.child_started(_child_group)


def unwatch() -> None:
    """We end normally: let the watcher go without touching anything."""
    global _watcher
    if _watcher is not None:
        _watcher.done()
        _watcher = None


_PR_SET_CHILD_SUBREAPER = 36
_subreaper = False


def _become_subreaper(prctl) -> None:
    """On Linux, orphans of the child's tree are re-parented to us, not to init: what the child
    leaves behind stays ours to stop and to reap (reap_leftovers) wherever it went."""
    global _subreaper
    if prctl is not None and not _subreaper:
        _subreaper = prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def reap_leftovers(proc: subprocess.Popen, pids) -> None:
    """Collect the exit of leftovers that became our children (as a subreaper, or as PID 1).

    Only what belongs to the old child: its process group (the child itself was reaped already)
    and the leftovers found by their marker (`pids`). Never any other child of ours: a running
    credential_process is botocore's to wait for.
    """
    try:
        while os.waitpid(-proc.pid, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def reap_orphans(keep: int | None) -> None:
    """As PID 1 (a container's entrypoint), collect every zombie re-parented to us, as an init must.

    `keep` (the running child) is left for its Popen. Call only while no credential fetch runs:
    a credential_process is botocore's own child, and its exit status is botocore's to read.
    """
    if os.getpid() != 1:
        return
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None or info.si_pid == keep:
            return
        try:
            os.waitpid(info.si_pid, os.WNOHANG)
        except ChildProcessError:
            return


def install_handlers(callback) -> None:
    """Route every forwarded signal (and SIGCHLD, to wake up) to `callback(signum)`."""
    global _wakeup_read, _wakeup_write
    if _wakeup_read is None:
        read_end, write_end = os.pipe()
        os.set_blocking(read_end, False)
        os.set_blocking(write_end, False)
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        _wakeup_read, _wakeup_write = read_end, write_end
    global _terminal_fd
    _terminal_fd = next((fd for fd in (0, 2, 1) if _on_live_terminal(fd)), None)
    for signum in FORWARDED_SIGNALS:
        _saved[signum] = signal.signal(signum, lambda s, _f: callback(s))
    _saved[signal.SIGCHLD] = signal.signal(signal.SIGCHLD, lambda _s, _f: None)


def restore_handlers() -> None:
    """Put back the handlers that were there before `install_handlers`."""
    for signum, handler in _saved.items():
        signal.signal(signum, handler)
    _saved.clear()


def wait_for_event(proc: subprocess.Popen, timeout: float | None) -> None:
    """Sleep until a signal arrives (SIGCHLD included), `wake()` is called or `timeout` passes."""
    if proc is not None and proc.poll() is not None:
        return
    if _wakeup_read is None:  # handlers not installed: plain wait
        if proc is None:
            time.sleep(timeout or 0.1)
            return
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        return
    select.select([_wakeup_read], [], [], timeout)
    try:
        while os.read(_wakeup_read, 512):
            pass
    except (BlockingIOError, InterruptedError):
        pass


def _on_live_terminal(fd: int) -> bool:
    import termios

    try:
        termios.tcgetattr(fd)
        return True
    except (termios.error, OSError):
        return False


def terminal_gone() -> bool:
    """True when we started on a terminal and it hung up (a closed window or pty, tmux kill-session).

    A SIGHUP then means "your terminal is gone", not `kill -HUP` asking for a refresh: after a
    hangup the kernel fails every ioctl on the old terminal's descriptors with EIO.
    """
    return _terminal_fd is not None and not _on_live_terminal(_terminal_fd)


def wake() -> None:
    """Wake `wait_for_event` from another thread (a finished refresh, a ready child)."""
    if _wakeup_write is not None:
        try:
            os.write(_wakeup_write, b"\0")
        except (BlockingIOError, OSError):
            pass  # a full pipe already means "wake up"


def group_alive(proc: subprocess.Popen) -> bool:
    """True while any process is left in the child's process group."""
    try:
        os.killpg(proc.pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def signal_pid(pid: int, signum: int) -> None:
    """Send `signum` to one process (a daprd under `dapr run`), ignoring a gone one."""
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def forward(proc: subprocess.Popen, signum: int) -> None:
    """Send `signum` to the child itself (not its group): it reaches it exactly once."""
    try:
        os.kill(proc.pid, signum)
    except ProcessLookupError:
        pass


def send_stop(proc: subprocess.Popen) -> None:
    """Ask the child to stop gracefully (one SIGTERM)."""
    forward(proc, STOP_SIGNAL)


def release(proc: subprocess.Popen) -> None:
    """The child has exited; nothing to clean up on POSIX."""


def kill_tree(proc: subprocess.Popen) -> None:
    """Kill the child, every descendant, and anything left in its process group."""
    proctree.kill_tree(proc.pid)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
