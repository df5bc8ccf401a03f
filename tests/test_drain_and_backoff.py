"""Restarts whose old tree is slow or stubborn, and sources that keep answering the same, through
the installed command: the launcher sleeps while it waits, every drain ends, retries back off."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import time

import psutil
import pytest

from tests.conftest import helper, upstream_calls, wait_for
from tests.test_refresh_e2e import _peek

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


def _lines(path):
    return path.read_text().splitlines() if path.exists() else []


def _cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def test_a_restart_waiting_for_a_slow_grandchild_sleeps_instead_of_spinning(aws, tmp_path):
    # The child exits by itself; its grandchild takes 3 s to stop; the crash restart (after 1 s of
    # backoff) waits for it. That wait used to cost 3-4 s of CPU, a /proc scan per pass.
    aws.static_default()
    record = tmp_path / "record.txt"
    proc = aws.start("--region", "us-east-1", "--restart", "always", "--stop-timeout", "20s", "--",
                     *helper("sigchild", record, "--slow-grandchild", "3", "--exit-after", "0.5"))
    try:
        wait_for(lambda: "grandchild-term" in _lines(record), timeout=20, what="the leftover asked to stop")
        before = _cpu(proc.pid)
        wait_for(lambda: "grandchild-gone" in _lines(record), timeout=20, what="the leftover gone")
        wait_for(lambda: _lines(record).count("grandchild-ready") >= 2, timeout=20, what="the restart")
        spent = _cpu(proc.pid) - before
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    lines = _lines(record)
    assert lines.index("grandchild-gone") < len(lines) - 1 - lines[::-1].index("grandchild-ready")
    assert spent < 0.5, f"{spent:.2f} s of CPU while waiting about 3 s"


def test_a_refresh_restart_after_a_kill_ends_its_drain_and_starts_the_next_child(aws, tmp_path):
    # The child ignores SIGTERM (so it is killed after --stop-timeout) and leaves a process in its
    # own session that ignores SIGTERM too: asked once, then killed at a fresh deadline; the next
    # child starts. It used to wait for it forever.
    from tests.conftest import short_lived_profile

    profile = short_lived_profile(aws, tmp_path / "state", lifetime=6)
    record = tmp_path / "record.txt"
    proc = aws.start("--profile", profile, "--mode", "env", "--refresh-margin", "1s", "--stop-timeout", "1s",
                     "--", *helper("sigchild", record, "--ignore-stop", "--stubborn-detached"))
    stubborn = []
    try:
        wait_for(lambda: [line for line in _lines(record) if line.startswith("stubborn")], what="first child")
        stubborn = [int(line.split()[1]) for line in _lines(record) if line.startswith("stubborn")]
        wait_for(lambda: sum(line.startswith("ready") for line in _lines(record)) >= 2, timeout=30,
                 what="the next child after the refresh")
        assert not psutil.pid_exists(stubborn[0]) or psutil.Process(stubborn[0]).status() == psutil.STATUS_ZOMBIE
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        for line in _lines(record):
            if line.startswith("stubborn"):
                try:
                    os.kill(int(line.split()[1]), signal.SIGKILL)
                except ProcessLookupError:
                    pass
    assert "killing them" in proc.stderr.read()


def test_a_source_that_keeps_answering_the_same_is_asked_ever_less_often(aws, tmp_path):
    # A caching credential_process (aws-vault's, say) answers the same credentials until near their
    # end. The refresher backs off (1, 2, 4 ... 60 s); it used to ask twice a second until expiry.
    state = tmp_path / "state"
    expires = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=6))
    command = " ".join(helper("credproc", state, "--expires", expires.strftime("%Y-%m-%dT%H:%M:%SZ")))
    aws.config(f"[profile caching]\nregion = eu-west-1\ncredential_process = {command}\n")
    record = tmp_path / "record.txt"
    proc = aws.start("--profile", "caching", "--mode", "endpoint", "--refresh-margin", "4s", "--",
                     *helper("sigchild", record))
    try:
        wait_for(lambda: any(line.startswith("ready") for line in _lines(record)), what="child ready")
        started = upstream_calls(state)
        deadline = psutil.Process(proc.pid).create_time() + 16
        wait_for(lambda: time.time() >= deadline, timeout=30, interval=0.5, what="16 s of sameness")
        calls = upstream_calls(state) - started
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    # Due after about 4 s, then attempts at +1, +2, +4, +8 s: at most 5 attempts of 2 calls each.
    assert calls <= 12, f"{calls} calls of the credential_process in about 12 s"


def _credprocs(state) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        cmdline = p.info["cmdline"] or []
        if any(a.endswith("credproc.py") for a in cmdline) and str(state) in cmdline:
            found.append(p)
    return found


def test_a_credential_process_that_hangs_at_start_is_a_clean_error_and_is_killed(aws, tmp_path):
    from tests.conftest import short_lived_profile

    state = tmp_path / "state"
    profile = short_lived_profile(aws, state, lifetime=3600)
    state.mkdir()
    (state / "slow").write_text("60")
    started = time.monotonic()
    result = aws.run("--profile", profile, "--fetch-timeout", "2s", "--", "true", timeout=30)
    assert result.returncode == 69, result.stderr
    assert time.monotonic() - started < 15
    assert "did not answer within 2s" in result.stderr and "Traceback" not in result.stderr
    wait_for(lambda: not _credprocs(state), timeout=10, what="the hung credential_process gone")


def test_a_credential_process_that_hangs_during_a_refresh_is_abandoned_killed_and_retried(aws, tmp_path):
    from tests.conftest import short_lived_profile

    state = tmp_path / "state"
    profile = short_lived_profile(aws, state, lifetime=8)
    record = tmp_path / "record.txt"
    proc = aws.start("--profile", profile, "--mode", "endpoint", "--refresh-margin", "2s", "--fetch-timeout", "2s",
                     "--", *helper("sigchild", record))
    try:
        wait_for(lambda: any(line.startswith("ready") for line in _lines(record)), what="child ready")
        (state / "slow").write_text("60")  # from now on the identity provider hangs
        wait_for(lambda: _credprocs(state), timeout=15, what="a refresh under way")
        wait_for(lambda: not _credprocs(state), timeout=15, what="the hung credential_process killed")
        (state / "slow").unlink()
        wait_for(lambda: "recovered" in _peek(proc), timeout=20, what="a retry that answers")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    stderr = _peek(proc)
    assert code == 0, stderr
    assert stderr.count("did not answer within 2s") == 1, stderr  # logged once, however many retries
    assert not _credprocs(state)


def _unshare_works() -> bool:
    import shutil

    return bool(shutil.which("unshare")) and subprocess.run(
        ["unshare", "--pid", "--fork", "--mount-proc", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="needs unshare --pid (root, or user namespaces)")
def test_as_pid_1_the_exited_leftovers_are_reaped_and_a_restart_does_not_wait_for_zombies(aws, tmp_path):
    # In a container (here: a new PID namespace) the launcher is PID 1: the child's orphans become
    # its children. Their zombies used to keep the old group "alive" until the stop timeout.
    aws.static_default()
    record = tmp_path / "record.txt"
    from tests.conftest import DAPR_AWS

    env = dict(aws.env)
    proc = subprocess.Popen(
        ["unshare", "--pid", "--fork", "--mount-proc", DAPR_AWS, "--region", "us-east-1", "--restart", "always",
         "--stop-timeout", "20s", "--", *helper("sigchild", record, "--slow-grandchild", "0.2", "--exit-after", "0.5")],
        env=env, stderr=subprocess.PIPE, text=True, cwd=aws.root)
    try:
        launcher = wait_for(lambda: psutil.Process(proc.pid).children(), what="the launcher as PID 1")[0]
        wait_for(lambda: _lines(record).count("grandchild-ready") >= 2, timeout=15, what="a quick restart")
    finally:
        launcher.send_signal(signal.SIGTERM)  # unshare itself forwards no signal
        proc.wait(30)
    stderr = proc.stderr.read()
    assert "still running; killing them" not in stderr, stderr


@pytest.mark.skipif(not _unshare_works(), reason="needs unshare --pid (root, or user namespaces)")
def test_as_pid_1_every_orphan_that_exits_is_reaped(aws, tmp_path):
    # An init must collect whatever is re-parented to it; here an orphan that lives 0.3 s.
    aws.static_default()
    record = tmp_path / "record.txt"
    from tests.conftest import DAPR_AWS

    proc = subprocess.Popen(
        ["unshare", "--pid", "--fork", "--mount-proc", DAPR_AWS, "--region", "us-east-1", "--",
         *helper("sigchild", record, "--orphan", "0.3")], env=dict(aws.env), cwd=aws.root)
    try:
        launcher = wait_for(lambda: psutil.Process(proc.pid).children(), what="the launcher as PID 1")[0]
        wait_for(lambda: "orphaned" in _lines(record), what="the orphan started")

        def zombies():
            return [c for c in launcher.children() if c.status() == psutil.STATUS_ZOMBIE]

        wait_for(lambda: not [c for c in launcher.children() if c.name() == "sleep"] and not zombies(),
                 timeout=10, what="the orphan gone and reaped")
    finally:
        launcher.send_signal(signal.SIGTERM)
        proc.wait(30)
