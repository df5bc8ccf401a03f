"""Supervisor timing logic with an injected clock and platform (no real processes)."""

from __future__ import annotations

import signal

import pytest

from launcher.process.supervisor import Policy, Supervisor
from launcher.sources.refresher import Refresher


class FakeProc:
    def __init__(self, pid=4242):
        self.pid = pid
        self.returncode = None

    def poll(self):
        return self.returncode


class FakePlatform:
    """Records what the supervisor does; time passes only when it waits."""

    STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)
    STOP_SIGNAL = signal.SIGTERM
    KILL_SIGNAL = signal.SIGKILL
    REFRESH_SIGNAL = signal.SIGHUP
    TREE_SCAN = False  # no real processes here

    def __init__(self, script):
        self.now = 0.0
        self.script = script  # list of (at_time, action) run as time passes
        self.events = []
        self.proc = None
        self.spawned = 0
        self.callback = None
        self.group_until = 0.0  # the old child's process group has members until then

    def clock(self):
        return self.now

    def install_handlers(self, callback):
        self.callback = callback

    def restore_handlers(self):
        self.events.append("restored")

    def spawn(self, argv, env, executable, shutdown_url=None):
        assert self.proc is None or self.proc.returncode is not None, "two children at once"
        self.spawned += 1
        self.proc = FakeProc(4241 + self.spawned)
        self.events.append(("spawn", env.get("KEY"), self.now))
        return self.proc

    def release(self, proc):
        self.events.append(("release", proc.pid, self.now))

    def wake(self):
        self.woken = True

    def group_alive(self, proc):
        return self.now < self.group_until

    def signal_pid(self, pid, signum):
        self.events.append(("signal_pid", pid, signum, self.now))

    def wait_for_event(self, proc, timeout):
        # Like the real platforms: an exited child or a wake() means no waiting at all.
        if proc is not None and proc.poll() is not None:
            return
        if getattr(self, "woken", False):
            self.woken = False
            return
        # Advance to the next scripted action or the timeout, whichever is first.
        next_at = self.script[0][0] if self.script else None
        if next_at is not None and (timeout is None or self.now + timeout >= next_at):
            self.now = max(self.now, next_at)
            _, action = self.script.pop(0)
            action(self)
        elif timeout is not None:
            self.now += timeout
        else:
            raise AssertionError("would wait forever")
        self.events.append(("woke", self.now))

    def forward(self, proc, signum):
        self.events.append(("forward", signum, self.now))

    def send_stop(self, proc):
        self.events.append(("send_stop", self.now))

    def kill_tree(self, proc):
        self.events.append(("kill_tree", self.now))
        proc.returncode = -9
        self.group_until = 0.0


def signal_at(signum):
    return lambda p: p.callback(signum)


def exit_with(code):
    def act(p):
        p.proc.returncode = code
    return act


def _run(script, stop_timeout=15.0, refresher=None, **policy):
    platform = FakePlatform(script)
    if refresher is not None:
        refresher.clock = platform.clock
    env_for = (lambda: {"KEY": refresher.current}) if refresher is not None else (lambda: {})
    supervisor = Supervisor(platform, Policy(stop_timeout=stop_timeout, **policy), env_for, refresher,
                            clock=platform.clock)
    code = supervisor.run(["daprd"], "/bin/daprd")
    return code, platform


def _actions(platform, kinds=("forward", "kill_tree")):
    return [e for e in platform.events if isinstance(e, tuple) and e[0] in kinds]


class FakeCreds(str):
    """A key name that also answers expires_z(), like Credentials."""

    def expires_z(self):
        return "2030-01-01T00:00:00Z"


class FakeRefresher:
    """Due at the given times; each refresh succeeds and yields key K<n>, or fails."""

    UPDATED, FAILED = Refresher.UPDATED, Refresher.FAILED  # the outcomes the supervisor reads off its refresher

    def __init__(self, due_times, expires_in=None, fail=False):
        self.due_times = list(due_times)
        self.current = FakeCreds("K0")
        self.n = 0
        self.in_flight = False
        self.fail = fail
        self.expires_at = expires_in
        self.noted = False
        self.clock = None

    def seconds_until_due(self):
        if self.in_flight or not self.due_times:
            return None
        return max(0.0, self.due_times[0] - self.clock())

    def due(self):
        left = self.seconds_until_due()
        return left is not None and left <= 0

    def seconds_until_expiry(self):
        return None if self.expires_at is None else max(0.0, self.expires_at - self.clock())

    def request_now(self):
        self.due_times.insert(0, self.clock())

    def begin(self, wake):
        self.in_flight = True
        self.due_times.pop(0)
        wake()  # the fake fetch finishes at once

    def take_result(self):
        if not self.in_flight:
            return None
        self.in_flight = False
        if self.fail:
            return self.FAILED
        self.n += 1
        self.current = FakeCreds(f"K{self.n}")
        return self.UPDATED

    def note_expired_once(self):
        if self.expires_at is not None and self.clock() >= self.expires_at and not self.noted:
            self.noted = True
            return True
        return False


def test_child_exit_code_is_returned():
    code, platform = _run([(1.0, exit_with(7))])
    assert code == 7
    assert platform.events[-1] == "restored"


def test_stop_signal_forwarded_once_and_child_exits_in_time():
    code, platform = _run([(5.0, signal_at(signal.SIGTERM)), (6.0, exit_with(0))])
    assert code == 0
    assert _actions(platform) == [("forward", signal.SIGTERM, 5.0)]


def test_tree_killed_exactly_at_the_stop_timeout():
    code, platform = _run([(5.0, signal_at(signal.SIGINT))], stop_timeout=15.0)
    assert code == 128 + 9
    assert _actions(platform) == [("forward", signal.SIGINT, 5.0), ("kill_tree", 20.0)]


def test_second_stop_signal_kills_at_once_without_forwarding():
    code, platform = _run([(1.0, signal_at(signal.SIGTERM)), (2.0, signal_at(signal.SIGTERM))])
    assert code == 137
    assert _actions(platform) == [("forward", signal.SIGTERM, 1.0), ("kill_tree", 2.0)]


def test_non_stop_signals_are_forwarded_every_time_without_a_stop_clock():
    script = [(1.0, signal_at(signal.SIGUSR1)), (2.0, signal_at(signal.SIGUSR1)), (100.0, exit_with(0))]
    code, platform = _run(script, stop_timeout=1.0)
    assert code == 0
    assert _actions(platform) == [("forward", signal.SIGUSR1, 1.0), ("forward", signal.SIGUSR1, 2.0)]


def test_death_by_signal_maps_to_128_plus_n():
    code, _ = _run([(1.0, exit_with(-int(signal.SIGSEGV)))])
    assert code == 128 + int(signal.SIGSEGV)


def test_env_mode_refresh_stops_then_starts_with_new_credentials_never_overlapping():
    refresher = FakeRefresher([100.0, 200.0])
    script = [(101.0, exit_with(-15)), (201.0, exit_with(-15)), (300.0, signal_at(signal.SIGTERM)),
              (301.0, exit_with(0))]
    code, platform = _run(script, refresher=refresher, restart_on_refresh=True)
    assert code == 0
    assert _actions(platform, ("spawn", "send_stop", "forward")) == [
        ("spawn", "K0", 0.0), ("send_stop", 100.0), ("spawn", "K1", 101.0), ("send_stop", 200.0),
        ("spawn", "K2", 201.0), ("forward", signal.SIGTERM, 300.0)]


def test_endpoint_mode_refresh_never_restarts():
    refresher = FakeRefresher([100.0, 200.0])
    code, platform = _run([(250.0, exit_with(4))], refresher=refresher, restart_on_refresh=False)
    assert code == 4
    assert len(_actions(platform, ("spawn",))) == 1 and not _actions(platform, ("send_stop",))
    assert refresher.n == 2


def test_a_child_is_not_started_while_a_refresh_is_due():
    refresher = FakeRefresher([0.0])
    code, platform = _run([(5.0, exit_with(0))], refresher=refresher, restart_on_refresh=True)
    assert _actions(platform, ("spawn",)) == [("spawn", "K1", 0.0)]


def test_crash_restarts_back_off_and_give_up_after_the_limit():
    script = [(t, exit_with(1)) for t in (10.0, 11.5, 14.0, 18.5)]
    code, platform = _run(script, restart="on-failure", restart_limit=3)
    assert code == 1
    assert [e[2] for e in _actions(platform, ("spawn",))] == [0.0, 11.0, 13.5, 18.0]


def test_on_failure_does_not_restart_a_clean_exit():
    code, platform = _run([(10.0, exit_with(0))], restart="on-failure")
    assert code == 0 and len(_actions(platform, ("spawn",))) == 1


def test_always_restarts_a_clean_exit_and_stop_during_backoff_exits():
    script = [(10.0, exit_with(0)), (10.5, signal_at(signal.SIGTERM))]
    code, platform = _run(script, restart="always")
    assert code == 0 and len(_actions(platform, ("spawn",))) == 1


def test_on_expiry_stop_stops_the_child_and_exits_77():
    refresher = FakeRefresher([50.0], expires_in=60.0, fail=True)
    code, platform = _run([(61.0, exit_with(-15))], refresher=refresher, on_expiry="stop")
    assert code == 77
    assert _actions(platform, ("send_stop",)) == [("send_stop", 60.0)]


def test_sighup_requests_a_refresh_and_is_not_forwarded():
    refresher = FakeRefresher([])
    script = [(5.0, signal_at(signal.SIGHUP)), (9.0, exit_with(0))]
    code, platform = _run(script, refresher=refresher, restart_on_refresh=False)
    assert refresher.n == 1
    assert not _actions(platform, ("forward",))


def _exit_leaving_group_until(code, until):
    def act(p):
        p.proc.returncode = code
        p.group_until = until
    return act


@pytest.mark.parametrize("restart", ["always", "no"])
def test_a_stop_signal_between_two_children_waits_for_the_old_tree_then_exits(restart):
    # The child exited by itself and left a member of its group still stopping; a
    # SIGTERM then means: no restart, and exit once that tree is gone (not kill it).
    script = [(10.0, _exit_leaving_group_until(0, 12.0)), (10.5, signal_at(signal.SIGTERM))]
    code, platform = _run(script, restart=restart)
    assert code == 0 and len(_actions(platform, ("spawn",))) == 1
    assert 12.0 <= platform.now < 12.5 and not _actions(platform, ("kill_tree",))


def test_a_second_stop_signal_between_two_children_kills_the_old_tree_at_once():
    script = [(10.0, _exit_leaving_group_until(0, 60.0)), (10.5, signal_at(signal.SIGTERM)),
              (11.0, signal_at(signal.SIGTERM))]
    code, platform = _run(script, restart="always")
    assert code == 0 and len(_actions(platform, ("spawn",))) == 1
    assert _actions(platform, ("kill_tree",)) == [("kill_tree", 11.0)]
