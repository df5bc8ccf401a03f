"""Windows process control: a new process group, a kill-on-close Job Object, CTRL_BREAK.

* spawn: CREATE_NEW_PROCESS_GROUP, then the child is assigned to a Job Object
  with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE right away. Only the launcher holds
  the job's handle, so when the launcher exits or is killed, Windows closes
  it and kills the whole tree. (A grandchild started in the few microseconds
  before the assignment escapes the job; daprd starts none that early.)
* stop: one CTRL_BREAK_EVENT to the child's group, which is daprd's graceful
  shutdown on Windows. Without a console (a service, pythonw) no console event
  reaches anyone: daprd is then stopped with POST /v1.0/shutdown on its HTTP
  port when known, else the job is terminated.
* kill: TerminateJobObject, the whole tree at once.

The kernel32 calls (`api`) and subprocess.Popen (`popen`) are module attributes
so that tests on Linux check the sequence of calls against fakes.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time

from launcher import proctree

log = logging.getLogger("dapr-aws")

STOP_SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGBREAK", None),
                                 getattr(signal, "SIGTERM", None)) if s is not None)
FORWARDED_SIGNALS = STOP_SIGNALS
STOP_SIGNAL = getattr(signal, "SIGTERM", 15)
KILL_SIGNAL = 9  # signal_pid terminates whatever the number
TREE_SCAN = True  # the job already kills leftovers when released; the scan also covers job-less children
CREATE_NEW_PROCESS_GROUP = 0x00000200

popen = subprocess.Popen
api = None  # a winapi.Kernel32, loaded on first use
_saved: dict[int, object] = {}
_jobs: dict[int, object] = {}  # child pid -> job handle
_shutdown_urls: dict[int, str] = {}  # child pid -> daprd's shutdown URL, when known


def _api():
    global api
    if api is None:
        from launcher.process.platform.winapi import Kernel32

        api = Kernel32.load()
    return api


def spawn(argv: list[str], env: dict[str, str], executable: str | None = None, shutdown_url: str | None = None):
    """Start the child in a new process group and put it in a kill-on-close job; `shutdown_url`
    (daprd's, from the supervisor's stop order) stops it when there is no console."""

    proc = popen(argv, env=env, executable=executable, creationflags=CREATE_NEW_PROCESS_GROUP)
    kernel32 = _api()
    try:
        job = kernel32.create_kill_on_close_job()
        kernel32.assign(job, int(proc._handle))
        _jobs[proc.pid] = job
    except OSError as exc:  # e.g. already in a job that forbids nesting (old Windows)
        log.warning("cannot put the child in a Job Object (%s); its tree is killed with psutil instead", exc)
    if shutdown_url:
        _shutdown_urls[proc.pid] = shutdown_url
    return proc


def install_handlers(callback) -> None:
    """Route Ctrl+C, Ctrl+Break and SIGTERM to `callback(signum)`."""
    for signum in FORWARDED_SIGNALS:
        _saved[signum] = signal.signal(signum, lambda s, _f: callback(s))


def restore_handlers() -> None:
    """Put back the previous handlers."""
    for signum, handler in _saved.items():
        signal.signal(signum, handler)
    _saved.clear()


def wait_for_event(proc, timeout: float | None) -> None:
    """Windows has no SIGCHLD: wait on the process in short slices so signals get handled."""
    slice_ = 0.2 if timeout is None else max(0.0, min(timeout, 0.2))
    if proc is None:
        time.sleep(slice_)
        return
    try:
        proc.wait(slice_)
    except subprocess.TimeoutExpired:
        pass


def watch(grace: float) -> None:
    """Nothing to start: the kill-on-close Job Object ends the tree when we die."""


def unwatch() -> None:
    pass


def reap_orphans(keep) -> None:
    """Windows keeps no zombies."""


def reap_leftovers(proc, pids) -> None:
    """Windows keeps no zombies."""


def terminal_gone() -> bool:
    """A closed console window ends us through CTRL_CLOSE_EVENT, never as a SIGHUP."""
    return False


def wake() -> None:
    """Nothing to do: `wait_for_event` polls in short slices on Windows."""


def group_alive(proc) -> bool:
    """True while the child or any of its descendants still runs."""
    import psutil

    try:
        return psutil.Process(proc.pid).is_running()
    except psutil.NoSuchProcess:
        return False


def signal_pid(pid: int, signum: int) -> None:
    """Stop one process (a daprd under `dapr run`): console events reach only groups, so terminate."""
    import psutil

    try:
        psutil.Process(pid).terminate()
    except psutil.NoSuchProcess:
        pass


def forward(proc, signum: int) -> None:
    """Every console event becomes one graceful stop of the child."""
    send_stop(proc)


def send_stop(proc) -> None:
    """CTRL_BREAK_EVENT to the child's group; without a console, daprd's shutdown API."""
    kernel32 = _api()
    if kernel32.has_console() and kernel32.ctrl_break(proc.pid):
        return
    from launcher.loopback import answers_2xx

    url = _shutdown_urls.get(proc.pid)
    if url and answers_2xx(url, method="POST", timeout=2):
        return
    log.warning("no console and no daprd shutdown URL: terminating the child's job")
    kill_tree(proc)


def kill_tree(proc) -> None:
    """TerminateJobObject: the child and every descendant at once."""
    job = _jobs.get(proc.pid)
    if job is not None:
        _api().terminate_job(job, 1)
    else:
        proctree.kill_tree(proc.pid)


def release(proc) -> None:
    """The child has exited: close its job, which kills any descendant it left behind."""
    job = _jobs.pop(proc.pid, None)
    _shutdown_urls.pop(proc.pid, None)
    if job is not None:
        _api().close(job)
