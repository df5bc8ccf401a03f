"""The real daprd under the installed dapr-aws: AWS components against a local AWS, in every mode.

daprd of each release built (tests/builds/dapr.py) runs a DynamoDB state store,
an SSM secret store and an S3 binding with no keys in their metadata, so they
take the SDK's default chain, which dapr-aws feeds. Credentials from a
credential_process live LIFETIME seconds and are refreshed MARGIN before they
expire, so they rotate every few seconds; a client drives daprd's HTTP API
about once a second, and the local AWS records which key signed each request.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import psutil
import pytest

from tests.conftest import short_lived_profile, upstream_calls, wait_for
from tests.loopback import free_ports
from tests.notify import NotifyListener
from tests.realdapr import (
    GRACEFUL_LINE, RUNNING_LINE, SIGNAL_LINE, Sidecar, alive, daprd_env, daprd_log_times, http)

LIFETIME, MARGIN = 8, "3s"
ROTATIONS = 3


class Daprd:
    """One `dapr-aws ... -- daprd ...` run: its ports, logs and process."""

    def __init__(self, aws, tmp_path, local_aws, daprd, mode, *launcher_args, lifetime=LIFETIME, daprd_extra=(),
                 env=None):
        version, binary = daprd
        self.sidecar = Sidecar(local_aws, tmp_path, version)
        self.local_aws = local_aws
        profile = short_lived_profile(aws, tmp_path / "state", lifetime=lifetime)
        self.out_path, self.err_path = tmp_path / "daprd.out", tmp_path / "launcher.err"
        self.started = time.time()
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.proc = aws.start("--profile", profile, "--mode", mode, "--refresh-margin", MARGIN,
                                  *launcher_args, "--", binary,
                                  *self.sidecar.daprd_args(), *daprd_extra,
                                  env={**daprd_env(local_aws.url), **(env or {})}, stdout=out, stderr=err)

    @property
    def log(self) -> str:
        return self.out_path.read_text()

    @property
    def stderr(self) -> str:
        return self.err_path.read_text()

    def daprd_pids(self) -> set[int]:
        try:
            return {p.pid for p in psutil.Process(self.proc.pid).children(recursive=True) if p.name() == "daprd"}
        except psutil.NoSuchProcess:
            return set()

    def keys(self) -> list[str]:
        """Distinct key ids (in order) that signed daprd's requests to the local AWS."""
        seen: list[str] = []
        for r in self.local_aws.signed_since(self.started):
            if r.key and r.key.startswith("ASIAPROC") and r.key not in seen:
                seen.append(r.key)
        return seen

    def stop(self, sig=signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def run_daprd(aws, tmp_path, local_aws):
    runs = []

    def start(daprd, mode, *args, **kwargs) -> Daprd:
        runs.append(Daprd(aws, tmp_path, local_aws, daprd, mode, *args, **kwargs))
        return runs[-1]

    yield start
    for run in runs:
        run.close()


@pytest.mark.parametrize("mode", ["endpoint", "imds"])
def test_daprd_refreshes_from_the_server_without_a_restart(run_daprd, daprd, mode):
    version, _ = daprd
    run = run_daprd(daprd, mode)
    run.sidecar.wait_healthy()
    pids = set()
    with run.sidecar.traffic() as traffic:
        def rotated():
            pids.update(run.daprd_pids())
            return len(run.keys()) > ROTATIONS and len(traffic.outcomes) >= 8
        wait_for(rotated, timeout=60, interval=0.2, what=f"{ROTATIONS} rotations seen by daprd {version}")
    assert run.stop() == 0, run.stderr
    keys = run.keys()
    print(f"daprd {version} {mode}: {len(traffic.outcomes)} requests, keys {keys}")
    assert traffic.failures() == [], traffic.failures()
    assert len(pids) == 1, pids
    assert "restarting" not in run.stderr
    assert len(SIGNAL_LINE.findall(run.log)) == 1 and GRACEFUL_LINE in run.log, run.log[-2000:]


def test_daprd_in_env_mode_is_restarted_once_per_rotation(run_daprd, daprd):
    version, _ = daprd
    run = run_daprd(daprd, "env", "--stop-timeout", "10s")
    run.sidecar.wait_healthy()
    pids = set()
    with run.sidecar.traffic(period=0.5) as traffic:
        def rotated():
            pids.update(run.daprd_pids())
            return len(run.log.split(RUNNING_LINE)) > ROTATIONS + 1 and len(run.keys()) > ROTATIONS
        wait_for(rotated, timeout=90, interval=0.1, what=f"{ROTATIONS} restarts of daprd {version}")
        traffic_end = time.time()
    assert run.stop() == 0, run.stderr
    log = run.log
    starts = daprd_log_times(log, RUNNING_LINE)
    signals = daprd_log_times(log, SIGNAL_LINE.pattern)
    # One SIGTERM per daprd, each followed by a graceful shutdown; a new pid each time.
    assert SIGNAL_LINE.findall(log) == ["terminated"] * len(starts), log[-3000:]
    assert log.count(GRACEFUL_LINE) == len(starts)
    assert len(pids) >= ROTATIONS + 1, (pids, len(starts))  # a new daprd each time
    # Requests fail only between a daprd's stop signal and its successor's start (plus 1 s to listen).
    windows = [(stop - 0.2, start + 1.0) for stop, start in zip(signals, starts[1:])]
    print(f"daprd {version} env: restart windows (s): {[round(b - a - 1.2, 2) for a, b in windows]}; "
          f"{len(traffic.failures())} of {len(traffic.outcomes)} requests failed")
    outside = [f for f in traffic.failures() if f.at < traffic_end
               and not any(a <= f.at <= b for a, b in windows)]
    assert outside == [], (outside, windows)
    assert len(run.keys()) > ROTATIONS


def test_ready_only_once_the_real_healthz_answers(run_daprd, daprd, tmp_path):
    # daprd's /v1.0/healthz answers 204 only once its app port is reachable; with nothing
    # listening there, dapr-aws must not say ready (nor READY=1 to systemd) from any other sign.
    version, _ = daprd
    listener = NotifyListener(tmp_path, abstract=False)
    app_port = free_ports(1)[0]
    try:
        run = run_daprd(daprd, "endpoint", daprd_extra=["--app-port", str(app_port)],
                        env={"NOTIFY_SOCKET": listener.address})
        base = f"http://127.0.0.1:{run.sidecar.http_port}/v1.0"
        wait_for(lambda: http("GET", base + "/healthz/outbound", timeout=1)[0] == 204, timeout=30,
                 what=f"daprd {version}'s components loaded")
        wait_for(lambda: "STATUS=" in " ".join(listener.fields()), timeout=10, what="a first STATUS")
        assert http("GET", base + "/healthz", timeout=1)[0] == 500
        assert "READY=1" not in listener.fields() and "ready after" not in run.stderr
        with LoopbackApp(app_port):
            app_up = time.time()
            wait_for(lambda: "READY=1" in listener.fields(), timeout=30, what="READY=1 after the app listens")
        assert listener.times("READY=1")[0] >= app_up
        assert "ready after" in run.stderr and f":{run.sidecar.http_port}/v1.0/healthz answered 204" in run.stderr
        assert run.stop() == 0
    finally:
        listener.close()


class LoopbackApp:
    """An app that answers 200 to everything on 127.0.0.1:port (what daprd probes before it is healthy)."""

    def __init__(self, port: int):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Ok(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_OPTIONS = do_GET

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Ok)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_reaches_daprd_once_and_waits_for_its_drain(run_daprd, daprd, sig):
    version, _ = daprd
    run = run_daprd(daprd, "endpoint", "--stop-timeout", "20s")
    run.sidecar.wait_healthy()
    daprds = [psutil.Process(p) for p in run.daprd_pids()]
    assert run.stop(sig) == 0, run.stderr  # daprd's own code after a graceful shutdown
    expected = {signal.SIGTERM: "terminated", signal.SIGINT: "interrupt"}[sig]
    assert SIGNAL_LINE.findall(run.log) == [expected], run.log[-3000:]
    assert GRACEFUL_LINE in run.log
    assert alive(daprds) == []


def test_a_second_stop_signal_kills_a_draining_daprd_at_once(run_daprd, daprd):
    # --dapr-block-shutdown-duration keeps the real daprd draining for 60 s after its first signal.
    version, _ = daprd
    run = run_daprd(daprd, "endpoint", "--stop-timeout", "90s", daprd_extra=["--dapr-block-shutdown-duration", "60s"])
    run.sidecar.wait_healthy()
    daprds = [psutil.Process(p) for p in run.daprd_pids()]
    run.proc.send_signal(signal.SIGTERM)
    wait_for(lambda: "Blocking graceful shutdown" in run.log, timeout=10, what=f"daprd {version} draining")
    assert run.proc.poll() is None
    second = time.monotonic()
    code = run.stop(signal.SIGTERM, timeout=10)
    took = time.monotonic() - second
    assert code == 128 + signal.SIGKILL, (code, run.stderr)
    assert took < 5, took
    assert SIGNAL_LINE.findall(run.log) == ["terminated"]  # never a second signal to daprd
    assert GRACEFUL_LINE not in run.log
    assert alive(daprds) == []


def test_sighup_to_dapr_aws_refreshes_and_never_reaches_daprd(run_daprd, daprd, tmp_path):
    # daprd <= 1.17 dies on SIGHUP and 1.18 reloads its whole runtime: dapr-aws keeps it for itself.
    version, _ = daprd
    run = run_daprd(daprd, "endpoint", lifetime=3600)
    run.sidecar.wait_healthy()
    pids = run.daprd_pids()
    calls = upstream_calls(tmp_path / "state")
    run.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: upstream_calls(tmp_path / "state") > calls, timeout=20, what="a refresh after SIGHUP")
    with run.sidecar.traffic() as traffic:
        wait_for(lambda: len(traffic.outcomes) >= 4, timeout=20, what="a round of requests")
    assert traffic.failures() == []
    assert run.daprd_pids() == pids
    assert "Received signal" not in run.log
    assert run.stop() == 0


def test_a_users_own_sighup_to_daprd(run_daprd, daprd):
    # What a user (or Dapr's operator) does to make daprd reload. daprd 1.18 rebuilds its runtime
    # in the same process (ports close and bind again) and supervision goes on; daprd <= 1.17 has
    # no handler and dies of it, and dapr-aws exits as its child did.
    version, _ = daprd
    run = run_daprd(daprd, "endpoint")
    run.sidecar.wait_healthy()
    (pid,) = run.daprd_pids()
    os.kill(pid, signal.SIGHUP)
    if not version.startswith("1.18"):
        assert run.proc.wait(20) == 128 + signal.SIGHUP, run.stderr
        assert not psutil.pid_exists(pid) and "Received signal" not in run.log
        return
    wait_for(lambda: run.log.count(RUNNING_LINE) == 2, timeout=30, what=f"daprd {version} reloaded")
    assert "Received signal 'hangup'; restarting" in run.log
    run.sidecar.wait_healthy()
    with run.sidecar.traffic() as traffic:
        wait_for(lambda: len(run.keys()) > 2 and len(traffic.outcomes) >= 8, timeout=40,
                 what="requests signed with rotated keys after the reload")
    assert traffic.failures() == []
    assert run.daprd_pids() == {pid} and run.proc.poll() is None
    assert run.stop() == 0
    assert SIGNAL_LINE.findall(run.log) == ["terminated"] and GRACEFUL_LINE in run.log
