"""The real dapr CLI under the installed dapr-aws: `dapr run` and `dapr run -f` with the real daprd.

No `dapr init`: daprd sits where the CLI looks for it (RUNTIME/.dapr/bin/daprd,
with --runtime-path or a run file's runtimePath), beside a minimal
RUNTIME/.dapr/config.yaml; placement and scheduler are turned off (empty
addresses), as nothing runs them. The app is the botocore probe, which prints
the key id its SDK sees; daprd's components sign requests to the local AWS.
"""

from __future__ import annotations

import json
import subprocess
import signal
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import HELPERS, short_lived_profile, wait_for
from tests.realdapr import GRACEFUL_LINE, SIGNAL_LINE, Sidecar, alive, daprd_env, name_of

NO_CONTROL_PLANE = ["--placement-host-address", "", "--scheduler-host-address", ""]
APP = [sys.executable, str(HELPERS / "botoprobe.py"), "600"]


def runtime_dir(root: Path, daprd: str) -> Path:
    """A Dapr install as `dapr init --slim` would leave it, without downloading anything."""
    bin_dir = root / ".dapr" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "daprd").symlink_to(daprd)
    (root / ".dapr" / "config.yaml").write_text(json.dumps(
        {"apiVersion": "dapr.io/v1alpha1", "kind": "Configuration", "metadata": {"name": "daprConfig"}, "spec": {}}))
    return root


def tree_of(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def app_keys(text: str) -> list[str]:
    keys: list[str] = []
    for line in text.splitlines():
        _, found, key = line.partition("key ")
        if found and key.startswith("ASIAPROC") and key.strip() not in keys:
            keys.append(key.strip())
    return keys


def daprd_keys(local_aws, since: float) -> list[str]:
    keys: list[str] = []
    for r in local_aws.signed_since(since):
        if r.key and r.key.startswith("ASIAPROC") and r.key not in keys:
            keys.append(r.key)
    return keys


@pytest.mark.parametrize("mode", ["endpoint", "env"])
def test_dapr_run_single_app(aws, tmp_path, local_aws, daprd, dapr_cli, mode):
    version, binary = daprd
    sidecar = Sidecar(local_aws, tmp_path, version)
    runtime = runtime_dir(tmp_path / "runtime", binary)
    profile = short_lived_profile(aws, tmp_path / "state", lifetime=8)
    out_path = tmp_path / "dapr-run.out"
    since = time.time()
    with open(out_path, "w") as out:
        proc = aws.start("--profile", profile, "--mode", mode, "--refresh-margin", "3s", "--stop-timeout", "20s",
                         "--", dapr_cli, "run", "--app-id", "orders", "--runtime-path", str(runtime),
                         "-H", str(sidecar.http_port), "-G", str(sidecar.grpc_port), *NO_CONTROL_PLANE,
                         "--resources-path", str(sidecar.components), "--", *APP,
                         env=daprd_env(local_aws.url), stdout=out)
    try:
        sidecar.wait_healthy()
        seen: list[psutil.Process] = []
        with sidecar.traffic(period=0.5) as traffic:
            def fresh():
                seen.extend(p for p in tree_of(proc.pid) if p not in seen)
                return len(daprd_keys(local_aws, since)) >= 3 and len(app_keys(out_path.read_text())) >= 3
            wait_for(fresh, timeout=60, interval=0.2, what=f"fresh keys in daprd {version} and the app")
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(40)
        if mode == "endpoint":
            assert traffic.failures() == []
    finally:
        if proc.poll() is None:
            proc.kill()
    text = out_path.read_text()
    stderr = proc.stderr.read()
    assert code == 0, (code, stderr, text[-3000:])
    # The last daprd got exactly one SIGTERM from dapr-aws and drained; the CLI's SIGKILL never came first.
    last = text.rsplit("Starting Dapr Runtime", 1)[-1]
    assert SIGNAL_LINE.findall(last) == ["terminated"], last[-3000:]
    assert GRACEFUL_LINE in last, last[-3000:]
    assert alive(seen) == [], alive(seen)
    if mode == "env":
        assert "restarting" in stderr
        starts = text.count("Starting Dapr Runtime")
        assert SIGNAL_LINE.findall(text) == ["terminated"] * starts and text.count(GRACEFUL_LINE) == starts
    else:
        assert "restarting" not in stderr and text.count("Starting Dapr Runtime") == 1


def test_dapr_run_file_with_two_apps(aws, tmp_path, local_aws, daprd, dapr_cli):
    version, binary = daprd
    runtime = runtime_dir(tmp_path / "runtime", binary)
    apps, sidecars = [], []
    for app_id in ("orders", "billing"):
        sidecar = Sidecar(local_aws, tmp_path / app_id, version)
        apps.append({"appID": app_id, "appDirPath": str(tmp_path / app_id), "resourcesPath": str(sidecar.components),
                     "daprHTTPPort": sidecar.http_port, "daprGRPCPort": sidecar.grpc_port, "command": APP,
                     "placementHostAddress": "", "schedulerHostAddress": "", "appLogDestination": "file",
                     "daprdLogDestination": "file"})
        sidecars.append(sidecar)
    run_file = tmp_path / "dapr.yaml"
    run_file.write_text(json.dumps({"version": 1, "common": {"runtimePath": str(runtime)}, "apps": apps}))
    profile = short_lived_profile(aws, tmp_path / "state", lifetime=8)
    since = time.time()
    proc = aws.start("--profile", profile, "--mode", "endpoint", "--refresh-margin", "3s", "--stop-timeout", "20s",
                     "--", dapr_cli, "run", "-f", str(run_file), env=daprd_env(local_aws.url))
    try:
        for sidecar in sidecars:
            sidecar.wait_healthy()
        seen: list[psutil.Process] = []
        daprds = []
        with sidecars[0].traffic(period=0.5) as first, sidecars[1].traffic(period=0.5) as second:
            def fresh():
                seen.extend(p for p in tree_of(proc.pid) if p not in seen)
                daprds[:] = [p for p in seen if name_of(p) == "daprd"]
                each_app = [app_keys("".join(p.read_text() for p in (tmp_path / a).glob(".dapr/logs/*_app_*.log")))
                            for a in ("orders", "billing")]
                return (len(daprd_keys(local_aws, since)) >= 3 and all(len(keys) >= 2 for keys in each_app)
                        and len(daprds) == 2)
            wait_for(fresh, timeout=60, interval=0.2, what=f"fresh keys in both daprd {version} and both apps")
        proc.send_signal(signal.SIGINT)  # Ctrl+C
        code = proc.wait(40)
        assert first.failures() == [] and second.failures() == []
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read()
    assert code == 0, (code, stderr)
    for app_id in ("orders", "billing"):
        logs = list((tmp_path / app_id / ".dapr" / "logs").glob("*_daprd_*.log"))
        assert len(logs) == 1, logs
        text = logs[0].read_text()
        assert SIGNAL_LINE.findall(text) == ["terminated"], (app_id, text[-3000:])
        assert GRACEFUL_LINE in text, (app_id, text[-3000:])
    assert alive(seen) == [], alive(seen)


class DaprRun:
    """`dapr run` of one app, alone or under dapr-aws, with its output in a file."""

    def __init__(self, aws, tmp_path, local_aws, daprd, dapr_cli, launcher: list[str] | None):
        version, binary = daprd
        self.sidecar = Sidecar(local_aws, tmp_path, version)
        runtime = runtime_dir(tmp_path / "runtime", binary)
        argv = [dapr_cli, "run", "--app-id", "orders", "--runtime-path", str(runtime), "-H", str(self.sidecar.http_port),
                "-G", str(self.sidecar.grpc_port), *NO_CONTROL_PLANE, "--resources-path",
                str(self.sidecar.components), "--", *APP]
        self.out_path = tmp_path / "dapr-run.out"
        env = daprd_env(local_aws.url)
        with open(self.out_path, "w") as out:
            if launcher is None:  # the CLI alone, with static keys
                env.update({"AWS_ACCESS_KEY_ID": "AKIASTATIC0000000001", "AWS_SECRET_ACCESS_KEY": "static"})
                self.proc = subprocess.Popen(argv, env={**aws.env, **env}, stdout=out, stderr=subprocess.STDOUT)
            else:
                profile = short_lived_profile(aws, tmp_path / "state", lifetime=3600)
                self.proc = aws.start("--profile", profile, *launcher, "--", *argv, env=env, stdout=out)
        self.sidecar.wait_healthy()
        self.tree = tree_of(self.proc.pid)

    def named(self, name: str) -> list[psutil.Process]:
        return [p for p in self.tree if name_of(p) == name]

    @property
    def text(self) -> str:
        return self.out_path.read_text()

    def close(self) -> None:
        for p in [self.proc, *self.tree]:
            try:
                p.kill()
            except (psutil.NoSuchProcess, ProcessLookupError):
                pass


@pytest.fixture
def dapr_run(aws, tmp_path, local_aws, daprd, dapr_cli):
    runs = []

    def start(launcher):
        runs.append(DaprRun(aws, tmp_path, local_aws, daprd, dapr_cli, launcher))
        return runs[-1]

    yield start
    for run in runs:
        run.close()


def test_the_cli_alone_kills_its_daprd_without_a_drain(dapr_run):
    # Why dapr-aws stops daprd itself first: signalled, `dapr run` sends its daprd SIGKILL.
    run = dapr_run(None)
    (daprd,) = run.named("daprd")
    run.proc.send_signal(signal.SIGTERM)
    run.proc.wait(30)
    wait_for(lambda: alive([daprd]) == [], timeout=10, what="daprd gone")
    assert SIGNAL_LINE.findall(run.text) == [] and GRACEFUL_LINE not in run.text, run.text[-2000:]


def test_a_crashed_cli_leaves_daprd_and_the_app_to_dapr_aws_which_drains_daprd(dapr_run):
    run = dapr_run(["--mode", "endpoint", "--stop-timeout", "20s"])
    (daprd,) = run.named("daprd")
    cli = psutil.Process(run.proc.pid).children()[0]
    cli.kill()  # the CLI dies without a word: daprd and the app are left running
    code = run.proc.wait(40)
    assert code == 128 + signal.SIGKILL, (code, run.proc.stderr.read())
    assert SIGNAL_LINE.findall(run.text) == ["terminated"] and GRACEFUL_LINE in run.text, run.text[-2000:]
    assert alive(run.tree) == [], alive(run.tree)


def test_kill_9_of_dapr_aws_leaves_no_dapr_run_tree_behind(dapr_run):
    # The kernel's parent-death signal (SIGTERM) reaches the CLI, which stops its daprd and app.
    run = dapr_run(["--mode", "endpoint"])
    assert len(run.named("daprd")) == 1
    run.proc.kill()
    run.proc.wait(10)
    wait_for(lambda: alive(run.tree) == [], timeout=30, what="the CLI, daprd and the app gone")
