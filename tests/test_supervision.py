"""Supervision with real processes and real signals (POSIX): forwarding exactly once,
exit codes passed through, 126/127, stop timeout, and no orphan after kill -9."""

from __future__ import annotations

import os
import signal
import sys

import psutil
import pytest

from tests.conftest import DAPR_AWS, helper, wait_for

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


def _record(path):
    return path.read_text().splitlines() if path.exists() else []


def _start_sigchild(aws, tmp_path, *child_args, launcher_args=()):
    aws.static_default()
    record = tmp_path / "signals.txt"
    proc = aws.start("--region", "us-east-1", *launcher_args, "--", *helper("sigchild", record, *child_args))
    ready = wait_for(lambda: [line for line in _record(record) if line.startswith("ready")], what="child ready")
    child_pid = int(ready[0].split()[1])
    return proc, record, child_pid


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT", "SIGQUIT"])
def test_stop_signal_reaches_child_exactly_once(aws, tmp_path, sig):
    proc, record, _ = _start_sigchild(aws, tmp_path, "--stop-exit", "3")
    proc.send_signal(getattr(signal, sig))
    assert proc.wait(timeout=10) == 3
    lines = _record(record)
    assert lines.count(sig) == 1, lines
    assert [s for s in lines if s.startswith("SIG")] == [sig]


def test_user_signals_are_forwarded_each_time(aws, tmp_path):
    proc, record, _ = _start_sigchild(aws, tmp_path)
    for sig in (signal.SIGUSR1, signal.SIGUSR2):
        proc.send_signal(sig)
        name = signal.Signals(sig).name
        wait_for(lambda: name in _record(record), what=name)
    proc.send_signal(signal.SIGUSR1)
    wait_for(lambda: _record(record).count("SIGUSR1") == 2, what="second SIGUSR1")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    sigs = [s for s in _record(record) if s.startswith("SIG")]
    assert sigs == ["SIGUSR1", "SIGUSR2", "SIGUSR1", "SIGTERM"]


def test_child_runs_in_its_own_process_group(aws, tmp_path):
    proc, record, child_pid = _start_sigchild(aws, tmp_path)
    assert os.getpgid(child_pid) == child_pid != os.getpgid(proc.pid)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


@pytest.mark.parametrize("code", [0, 1, 7, 255])
def test_exit_code_passes_through(aws, code):
    aws.static_default()
    result = aws.run("--region", "us-east-1", sys.executable, "-c", f"import sys; sys.exit({code})")
    assert result.returncode == code
    assert result.stderr == ""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGSEGV])
def test_death_by_signal_gives_128_plus_n(aws, sig):
    aws.static_default()
    result = aws.run("--region", "us-east-1", sys.executable, "-c",
                     f"import os; os.kill(os.getpid(), {int(sig)})")
    assert result.returncode == 128 + int(sig)


def test_arguments_reach_the_child_untouched(aws):
    aws.static_default()
    args = ["--app-id", "orders", "a b", "$HOME", "'quoted'", "--", "-x", "*", ""]
    result = aws.run("--region", "us-east-1", *helper("printenv"), *args)
    import json

    assert json.loads(result.stdout)["argv"] == args


def test_stdin_stdout_are_inherited_not_piped(aws):
    aws.static_default()
    result = aws.run("--region", "us-east-1", "--", sys.executable, "-c",
                     "import sys; data = sys.stdin.read(); print(data.upper()); print('err', file=sys.stderr)",
                     input="hello from stdin")
    assert result.stdout.strip() == "HELLO FROM STDIN"
    assert result.stderr.strip() == "err"


def test_stop_timeout_kills_the_whole_tree(aws, tmp_path):
    proc, record, child_pid = _start_sigchild(aws, tmp_path, "--ignore-stop", "--grandchild",
                                              launcher_args=("--stop-timeout", "1s"))
    grandchild = int(next(line for line in _record(record) if line.startswith("grandchild")).split()[1])
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 128 + signal.SIGKILL
    assert _record(record).count("SIGTERM") == 1
    assert "did not stop within 1s" in proc.stderr.read()
    for pid in (child_pid, grandchild):
        wait_for(lambda: not _alive(pid), timeout=5, what=f"pid {pid} gone")


def test_second_stop_signal_kills_without_a_second_signal_to_the_child(aws, tmp_path):
    proc, record, child_pid = _start_sigchild(aws, tmp_path, "--ignore-stop", launcher_args=("--stop-timeout", "60"))
    proc.send_signal(signal.SIGINT)
    wait_for(lambda: "SIGINT" in _record(record), what="first SIGINT")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 128 + signal.SIGKILL
    assert [s for s in _record(record) if s.startswith("SIG")] == ["SIGINT"]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_kill_9_of_the_launcher_leaves_no_child(aws, tmp_path):
    proc, record, child_pid = _start_sigchild(aws, tmp_path)
    proc.kill()
    proc.wait(timeout=5)
    wait_for(lambda: not _alive(child_pid), timeout=2, what="child gone after kill -9 of the launcher")
    assert "SIGTERM" in _record(record)


def test_command_not_found_is_127(aws):
    aws.static_default()
    result = aws.run("--region", "us-east-1", "--", "no-such-command-anywhere", "arg")
    assert result.returncode == 127
    assert result.stderr.strip() == ("dapr-aws: error: command not found: no-such-command-anywhere; "
                                     "check the name and your PATH")


def test_command_not_executable_is_126(aws, tmp_path):
    aws.static_default()
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    result = aws.run("--region", "us-east-1", "--", str(script))
    assert result.returncode == 126
    assert "not executable" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_exec_format_error_is_126(aws, tmp_path):
    aws.static_default()
    script = tmp_path / "noshebang"
    script.write_bytes(b"\x00\x01\x02 not a program")
    script.chmod(0o755)
    result = aws.run("--region", "us-east-1", "--", str(script))
    assert result.returncode == 126, result.stderr
    assert "Traceback" not in result.stderr


def test_missing_command_is_checked_before_credentials(aws):
    # No credentials at all: the command error still wins (and costs no sign-in).
    result = aws.run("--", "no-such-command-anywhere")
    assert result.returncode == 127


def test_ignored_sigterm_kills_the_tree_including_a_detached_grandchild(aws, tmp_path):
    proc, record, child_pid = _start_sigchild(aws, tmp_path, "--ignore-stop", "--detached-grandchild",
                                              launcher_args=("--stop-timeout", "1s"))
    detached = int(next(line for line in _record(record) if line.startswith("detached")).split()[1])
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(15) == 128 + signal.SIGKILL
    for pid in (child_pid, detached):
        wait_for(lambda: not _alive(pid), timeout=5, what=f"pid {pid} gone")


def test_a_burst_of_signals_leaves_the_launcher_up_and_one_stop(aws, tmp_path):
    proc, record, child_pid = _start_sigchild(aws, tmp_path)
    for _ in range(100):
        proc.send_signal(signal.SIGUSR1)
    wait_for(lambda: "SIGUSR1" in _record(record), what="some SIGUSR1")
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    assert _record(record).count("SIGTERM") == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
@pytest.mark.parametrize("mode,var", [("endpoint", "AWS_CONTAINER_CREDENTIALS_FULL_URI"),
                                      ("imds", "AWS_EC2_METADATA_SERVICE_ENDPOINT")])
def test_kill_9_in_server_modes_leaves_no_child_and_no_listening_socket(aws, tmp_path, mode, var):
    import socket
    import urllib.parse

    state = tmp_path / "state"
    aws.config(f"[profile long]\nregion = eu-west-1\n"
               f"credential_process = {' '.join(helper('credproc', state, '--lifetime', '3600'))}\n")
    record = tmp_path / "signals.txt"
    out = tmp_path / "env.json"
    child = [*helper("sigchild", record)]
    proc = aws.start("--profile", "long", "--mode", mode, "--", "sh", "-c",
                     f'echo "${var}" > {out}; exec "$@"', "sh", *child)
    ready = wait_for(lambda: [line for line in _record(record) if line.startswith("ready")], what="child ready")
    child_pid = int(ready[0].split()[1])
    url = urllib.parse.urlsplit(out.read_text().strip())
    proc.kill()
    proc.wait(5)
    wait_for(lambda: not _alive(child_pid), timeout=5, what="child gone")
    with socket.socket() as s:
        assert s.connect_ex((url.hostname, url.port)) != 0  # nothing listens there any more
    # Its temporary folder (an empty AWS config file) is left behind, and the next run removes it.
    import glob
    import tempfile

    left = glob.glob(os.path.join(tempfile.gettempdir(), f"dapr-aws-{proc.pid}-*"))
    assert len(left) == 1 and os.listdir(left[0]) == ["empty-aws-config"]
    assert aws.run("--profile", "long", "--mode", mode, "--", "true").returncode == 0
    assert not os.path.exists(left[0])


def test_secrets_never_in_any_command_line_or_log(aws, tmp_path):
    state = tmp_path / "state"
    aws.config(f"[profile long]\nregion = eu-west-1\n"
               f"credential_process = {' '.join(helper('credproc', state, '--lifetime', '3600'))}\n")
    record = tmp_path / "signals.txt"
    proc = aws.start("--log-level", "debug", "--profile", "long", "--mode", "endpoint", "--",
                     *helper("sigchild", record))
    wait_for(lambda: any(line.startswith("ready") for line in _record(record)), what="child ready")
    environ = open(f"/proc/{int(next(line for line in _record(record) if line.startswith('ready')).split()[1])}"
                   "/environ", "rb").read().split(b"\0")
    token = next(v for v in environ if v.startswith(b"AWS_CONTAINER_AUTHORIZATION_TOKEN=")).split(b"=", 1)[1]
    secrets = [token, b"procsecret0001/abcdefghijklmnop", b"proctoken0001+qrstuvwxyz0123456789"]
    cmdlines = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmdlines.append(open(f"/proc/{pid}/cmdline", "rb").read())
            except OSError:
                pass
    proc.send_signal(signal.SIGHUP)  # a refresh: more log lines
    wait_for(lambda: (state / "calls").read_text() != "1", timeout=10, what="the refresh")
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)
    log = proc.stderr.read().encode()
    for secret in secrets:
        assert all(secret not in c for c in cmdlines)
        assert secret not in log


def test_a_closed_terminal_stops_the_child_while_kill_hup_still_refreshes(aws, tmp_path):
    # On a terminal, `kill -HUP` means "refresh now"; the terminal hanging up (a closed window,
    # tmux kill-session) sends SIGHUP too, and then the launcher and its child must go.
    import pty
    import select
    import time

    aws.static_default()
    record = tmp_path / "signals.txt"
    argv = [DAPR_AWS, "--region", "us-east-1", "--log-level", "debug", "--", *helper("sigchild", record)]
    pid, master = pty.fork()
    if pid == 0:
        try:
            os.execve(argv[0], argv, aws.env)
        finally:
            os._exit(127)
    output = b""

    def read_some():
        nonlocal output
        while select.select([master], [], [], 0)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            if not chunk:
                return
            output += chunk
        return output

    try:
        wait_for(lambda: any(line.startswith("ready") for line in _record(record)), what="child ready")
        os.kill(pid, signal.SIGHUP)  # kill -HUP with the terminal still there
        wait_for(lambda: b"refreshing credentials now" in (read_some() or b""), what="a refresh, not a stop")
        assert psutil.pid_exists(pid) and "SIGTERM" not in _record(record)
        started = time.monotonic()
        os.close(master)  # the terminal goes away: the kernel sends SIGHUP to the session leader
        master = None
        ended = wait_for(lambda: os.waitpid(pid, os.WNOHANG)[0] == pid and True, timeout=10,
                         what="the launcher gone with its terminal")
        assert ended and time.monotonic() - started < 10
    finally:
        if master is not None:
            os.close(master)
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    assert [s for s in _record(record) if s.startswith("SIG")] == ["SIGTERM"]  # stopped once, as SIGTERM does


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the marker scan reads /proc")
def test_kill_9_of_the_launcher_stops_the_whole_tree_even_what_ignores_sigterm(aws, tmp_path):
    # PR_SET_PDEATHSIG reaches only the child: a child ignoring SIGTERM, its grandchild and a
    # process in its own session (with the keys in its environment) used to survive.
    proc, record, child_pid = _start_sigchild(aws, tmp_path, "--ignore-stop", "--grandchild",
                                              "--stubborn-detached", launcher_args=("--stop-timeout", "2s"))
    lines = _record(record)
    others = [int(line.split()[1]) for line in lines if line.split()[0] in ("grandchild", "stubborn")]
    assert len(others) == 2
    proc.kill()
    proc.wait(timeout=5)
    try:
        wait_for(lambda: not any(_alive(pid) for pid in [child_pid, *others]), timeout=10,
                 what="the child, its grandchild and its detached process gone after kill -9 of the launcher")
    finally:
        for pid in [child_pid, *others]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert "SIGTERM" in _record(record)


def test_a_normal_exit_leaves_no_watcher_behind(aws, tmp_path):
    proc, record, child_pid = _start_sigchild(aws, tmp_path)
    watchers = wait_for(lambda: [c for c in psutil.Process(proc.pid).children()
                                 if c.environ().get("DAPR_AWS_WATCHER") == "1"], what="the watcher")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    wait_for(lambda: not _alive(watchers[0].pid), timeout=5, what="the watcher gone")
