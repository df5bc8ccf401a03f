"""Keeping a long-running child's credentials fresh, end to end with the installed command:
env-mode restarts of a stand-in daprd (and of a stand-in `dapr run`), upstream failures,
SIGHUP, --on-expiry stop, --restart and --ready-url."""

from __future__ import annotations

import os
import signal
import stat
import sys

import pytest

from tests.conftest import HELPERS, helper, short_lived_profile, upstream_calls, wait_for
from tests.loopback import free_ports

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


def _free_port() -> int:
    return free_ports(1)[0]


def _lines(path):
    return path.read_text().splitlines() if path.exists() else []


def _install(tmp_path, name, source):
    """An executable named `name` (daprd, dapr) running one of our stand-ins."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    target = bin_dir / name
    target.write_text(f"#!{sys.executable}\n" + (HELPERS / source).read_text())
    target.chmod(target.stat().st_mode | stat.S_IXUSR)
    return target


def test_env_mode_restarts_daprd_once_per_refresh_without_overlap(aws, tmp_path):
    port = _free_port()
    log = tmp_path / "daprd.log"
    daprd = _install(tmp_path, "daprd", "fake_daprd.py")
    profile = short_lived_profile(aws, tmp_path / "state", lifetime=6)
    proc = aws.start("--profile", profile, "--mode", "env", "--refresh-margin", "1s", "--stop-timeout", "5s",
                     "--ready-url", f"http://127.0.0.1:{port}/v1.0/healthz",
                     "--", daprd, "--port", port, "--log", log, "--drain", "1")
    try:
        wait_for(lambda: sum(line.startswith("start") for line in _lines(log)) >= 3, timeout=40,
                 what="two restarts")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(15)
    stderr = proc.stderr.read()
    lines = _lines(log)
    assert code == 0, stderr
    assert "bind-failed" not in lines  # the new daprd never overlapped the old one
    assert "second-signal" not in lines
    starts = [line for line in lines if line.startswith("start")]
    assert len({line.split()[2] for line in starts}) == len(starts)  # new keys each time
    # Exactly one SIGTERM per stop, each followed by a full drain before the next start.
    assert lines.count("SIGTERM") == len(starts) == lines.count("drained")
    for i, line in enumerate(lines):
        if line.startswith("start") and i > 0:
            assert lines[i - 1] == "drained"
    assert "restarting" in stderr and "(restart #2)" in stderr
    assert stderr.count("ready after") >= 3


def test_upstream_failure_keeps_the_child_and_logs_each_change_once(aws, tmp_path, sdk_probes):
    state = tmp_path / "state"
    # 30-second credentials, refreshed 15 seconds before expiry: the source fails
    # at the first refresh and recovers on a retry, well before expiry (even on
    # a loaded machine, where each credential_process run takes a while).
    profile = short_lived_profile(aws, state, lifetime=30)
    out_path = tmp_path / "probe.out"
    with open(out_path, "w") as out:
        proc = aws.start("--profile", profile, "--mode", "endpoint", "--refresh-margin", "15s",
                         *sdk_probes["go-v2"].split(","), "60", stdout=out)
        try:
            wait_for(lambda: "key ASIAPROC" in out_path.read_text(), timeout=20, what="first key")
            (state / "fail").write_text("identity provider unavailable\n")
            wait_for(lambda: "credential refresh failed" in _peek(proc), timeout=20, what="failure logged")
            (state / "fail").unlink()
            wait_for(lambda: "recovered" in _peek(proc), timeout=20, what="recovery logged")
            wait_for(lambda: len(_keys(out_path)) >= 2, timeout=20, what="a new key after recovery")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
    stderr = _peek(proc)
    assert stderr.count("credential refresh failed") == 1
    assert stderr.count("recovered") == 1
    assert "identity provider unavailable" in stderr
    pids = [line for line in out_path.read_text().splitlines() if line.startswith("pid")]
    assert len(pids) == 1  # the child was never restarted
    assert "error" not in out_path.read_text()


_stderr_cache: dict[int, str] = {}


def _peek(proc) -> str:
    """Everything the launcher wrote to stderr so far (read without blocking)."""
    import fcntl

    fd = proc.stderr.fileno()
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
    try:
        chunk = proc.stderr.read()
    except (BlockingIOError, TypeError):
        chunk = None
    _stderr_cache[proc.pid] = _stderr_cache.get(proc.pid, "") + (chunk or "")
    return _stderr_cache[proc.pid]


def _keys(path):
    keys = []
    for line in path.read_text().splitlines():
        if line.startswith("key ") and line[4:] not in keys:
            keys.append(line[4:])
    return keys


def test_sighup_refreshes_now(aws, tmp_path):
    state = tmp_path / "state"
    aws.config(f"[profile long]\nregion = eu-west-1\n"
               f"credential_process = {' '.join(helper('credproc', state, '--lifetime', '3600'))}\n")
    record = tmp_path / "signals.txt"
    proc = aws.start("--profile", "long", "--mode", "endpoint", "--", *helper("sigchild", record))
    try:
        wait_for(lambda: any(line.startswith("ready") for line in _lines(record)), what="child ready")
        before = upstream_calls(state)
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: upstream_calls(state) > before, timeout=10, what="an upstream call after SIGHUP")
        wait_for(lambda: "credentials refreshed" in _peek(proc), timeout=10, what="refresh logged")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert "SIGHUP" not in _lines(record)  # HUP means refresh, it is not forwarded


def test_on_expiry_stop_stops_the_child_with_exit_77(aws, tmp_path):
    state = tmp_path / "state"
    profile = short_lived_profile(aws, state, lifetime=4)
    record = tmp_path / "signals.txt"
    proc = aws.start("--profile", profile, "--mode", "endpoint", "--refresh-margin", "1s", "--on-expiry", "stop",
                     "--", *helper("sigchild", record))
    wait_for(lambda: any(line.startswith("ready") for line in _lines(record)), what="child ready")
    (state / "fail").write_text("gone for good\n")
    assert proc.wait(30) == 77
    assert _lines(record).count("SIGTERM") == 1
    assert "expired" in proc.stderr.read()


def test_on_expiry_keep_logs_once_and_keeps_the_child(aws, tmp_path):
    state = tmp_path / "state"
    profile = short_lived_profile(aws, state, lifetime=3)
    record = tmp_path / "signals.txt"
    proc = aws.start("--profile", profile, "--mode", "endpoint", "--refresh-margin", "1s",
                     "--", *helper("sigchild", record))
    try:
        wait_for(lambda: any(line.startswith("ready") for line in _lines(record)), what="child ready")
        (state / "fail").write_text("gone for now\n")
        wait_for(lambda: "the credentials expired" in _peek(proc), timeout=20, what="expiry logged")
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert _peek(proc).count("the credentials expired") == 1


def test_restart_on_failure_restarts_a_crashed_child(aws, tmp_path):
    aws.static_default()
    marker = tmp_path / "crashed-once"
    child = [sys.executable, "-c",
             f"import os, sys; p = {str(marker)!r}\n"
             "if os.path.exists(p): sys.exit(0)\n"
             "open(p, 'w').close(); sys.exit(3)"]
    result = aws.run("--region", "us-east-1", "--restart", "on-failure", "--", *child)
    assert result.returncode == 0, result.stderr
    assert "exited with code 3; restarting in 1s" in result.stderr
    assert "(restart #1)" in result.stderr


def test_restart_no_exits_with_the_child_code(aws):
    aws.static_default()
    result = aws.run("--region", "us-east-1", "--restart", "no", "--", sys.executable, "-c", "raise SystemExit(3)")
    assert result.returncode == 3
    assert "restarting" not in result.stderr


def test_auto_mode_uses_env_for_long_lived_keys_and_endpoint_for_expiring_ones(aws, tmp_path):
    import json

    aws.static_default()
    state = tmp_path / "state"
    profile = short_lived_profile(aws, state, lifetime=3600)
    auto = {"DAPR_AWS_MODE": None}
    static_env = json.loads(aws.run("--region", "us-east-1", *helper("printenv"), env=auto).stdout)["env"]
    assert "AWS_ACCESS_KEY_ID" in static_env and "AWS_CONTAINER_CREDENTIALS_FULL_URI" not in static_env
    temp_env = json.loads(aws.run("--profile", profile, *helper("printenv"), env=auto).stdout)["env"]
    assert "AWS_ACCESS_KEY_ID" not in temp_env
    assert temp_env["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith("http://127.0.0.1:")
    assert len(temp_env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]) >= 32
    assert temp_env["AWS_SHARED_CREDENTIALS_FILE"] == temp_env["AWS_CONFIG_FILE"]
    assert temp_env["AWS_REGION"] == "eu-west-1"
    assert not os.path.exists(temp_env["AWS_CONFIG_FILE"])  # removed when the launcher exits

