"""The real daprd under the installed dapr-aws: AWS components against a local AWS, in every mode.

daprd of each release built (tests/builds/dapr.py) runs a DynamoDB state store,
an SSM secret store and an S3 binding with no keys in their metadata, so they
take the SDK's default chain, which dapr-aws feeds. Credentials from a
credential_process live LIFETIME seconds and are refreshed MARGIN before they
expire, so they rotate every few seconds; a client drives daprd's HTTP API
about once a second, and the local AWS records which key signed each request.
"""

from __future__ import annotations

import signal
import time

import psutil
import pytest

from tests.conftest import short_lived_profile, wait_for
from tests.realdapr import GRACEFUL_LINE, RUNNING_LINE, SIGNAL_LINE, Sidecar, daprd_env, daprd_log_times

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
