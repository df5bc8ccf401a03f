"""The whole Dapr process tree under `dapr run` (one app, and a run file with two): every
daprd gets exactly one SIGTERM before the CLI is signalled, and no daprd or app process is
left behind on a normal exit, Ctrl+C, SIGTERM, a credential restart, a crash of the CLI, or
kill -9 of the launcher."""

from __future__ import annotations

import os
import signal

import psutil
import pytest

from tests.conftest import short_lived_profile, wait_for
from tests.test_refresh_e2e import _free_port, _install, _lines, _peek

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX process groups and signals")


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class Tree:
    def __init__(self, aws, tmp_path, apps: int, lifetime=3600, margin="20m", **env):
        self.dir = tmp_path / "logs"
        self.dir.mkdir()
        _install(tmp_path, "daprd", "fake_daprd.py")
        _install(tmp_path, "app", "sigchild.py")
        self.dapr = _install(tmp_path, "dapr", "fake_dapr.py")
        self.ports = [str(_free_port()) for _ in range(apps)]
        self.cli_log = tmp_path / "cli.log"
        profile = short_lived_profile(aws, tmp_path / "state", lifetime=lifetime)
        run_args = ["run", "-f", "dapr.yaml"] if apps > 1 else ["run", "--app-id", "orders", "--", "python", "app.py"]
        self.proc = aws.start("--profile", profile, "--mode", "env", "--refresh-margin", margin, "--stop-timeout", "5s",
                              "--", self.dapr, *run_args,
                              env={"FAKE_DAPR_LOG": str(self.cli_log), "FAKE_DAPR_DIR": str(self.dir),
                                   "FAKE_DAPR_PORTS": ",".join(self.ports), **env})
        wait_for(lambda: all(self.started(p) for p in self.ports), timeout=20, what="daprds and apps up")

    def started(self, port, times=1):
        daprd = sum(line.startswith("start") for line in _lines(self.dir / f"daprd-{port}.log"))
        app = sum(line.startswith("ready") for line in _lines(self.dir / f"app-{port}.log"))
        return daprd >= times and app >= times

    def pids(self):
        out = []
        for line in _lines(self.cli_log):
            if line.startswith("pair"):
                out += [int(x) for x in line.split()[1:]]
        return out

    def daprd_log(self, port):
        return _lines(self.dir / f"daprd-{port}.log")

    def assert_nothing_left(self):
        for pid in self.pids():
            wait_for(lambda: not _alive(pid), timeout=10, what=f"pid {pid} gone")
        assert "cli-killed-daprd" not in _lines(self.cli_log)


@pytest.mark.parametrize("apps", [1, 2])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_stop_gives_each_daprd_one_sigterm_then_the_cli(aws, tmp_path, apps, sig):
    tree = Tree(aws, tmp_path, apps)
    tree.proc.send_signal(sig)
    assert tree.proc.wait(20) == 0, _peek(tree.proc)
    for port in tree.ports:
        log = tree.daprd_log(port)
        assert log.count("SIGTERM") == 1 and "drained" in log, log
        assert "SIGINT" not in log
    cli = _lines(tree.cli_log)
    assert cli.count(f"cli-{signal.Signals(sig).name}") == 1
    tree.assert_nothing_left()


@pytest.mark.parametrize("apps", [1, 2])
def test_credential_restart_stops_the_whole_old_tree_first(aws, tmp_path, apps):
    tree = Tree(aws, tmp_path, apps, lifetime=6, margin="1s")
    first = tree.pids()
    wait_for(lambda: all(tree.started(p, times=2) for p in tree.ports), timeout=40, what="a restart")
    for pid in first:
        assert not _alive(pid)
    tree.proc.send_signal(signal.SIGTERM)
    assert tree.proc.wait(20) == 0
    for port in tree.ports:
        log = tree.daprd_log(port)
        assert "bind-failed" not in log
        assert log.count("SIGTERM") == log.count("drained") == sum(line.startswith("start") for line in log)
    tree.assert_nothing_left()


@pytest.mark.parametrize("apps", [1, 2])
@pytest.mark.parametrize("code", [0, 3])
def test_a_cli_that_exits_alone_leaves_nothing_behind(aws, tmp_path, apps, code):
    tree = Tree(aws, tmp_path, apps, FAKE_DAPR_EXIT_AFTER="1", FAKE_DAPR_EXIT_CODE=str(code))
    assert tree.proc.wait(20) == code
    for port in tree.ports:
        log = tree.daprd_log(port)
        assert log.count("SIGTERM") == 1 and "drained" in log, log
        assert _lines(tree.dir / f"app-{port}.log").count("SIGTERM") == 1
    tree.assert_nothing_left()


def test_kill_9_of_the_launcher_leaves_nothing_behind(aws, tmp_path):
    tree = Tree(aws, tmp_path, 2)
    tree.proc.kill()
    tree.proc.wait(5)
    # The CLI gets SIGTERM from the kernel (parent-death signal) and cleans up its tree.
    wait_for(lambda: "cli-SIGTERM" in _lines(tree.cli_log), timeout=5, what="the CLI told")
    for pid in tree.pids():
        wait_for(lambda: not _alive(pid), timeout=10, what=f"pid {pid} gone")
