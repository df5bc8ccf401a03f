"""Supervisor timing logic with an injected clock and platform (no real processes)."""

from __future__ import annotations

import signal

from launcher.supervisor import Policy, Supervisor


class FakeProc:
    pid = 4242

    def __init__(self):
        self.returncode = None

    def poll(self):
        return self.returncode


class FakePlatform:
    """Records what the supervisor does; time passes only when it waits."""

    STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)

    def __init__(self, script):
        self.now = 0.0
        self.script = script  # list of (at_time, action) run as time passes
        self.events = []
        self.proc = FakeProc()
        self.callback = None

    def clock(self):
        return self.now

    def install_handlers(self, callback):
        self.callback = callback

    def restore_handlers(self):
        self.events.append("restored")

    def spawn(self, argv, env, executable):
        self.events.append(("spawn", argv))
        return self.proc

    def wait_for_event(self, proc, timeout):
        # Like the real platforms: an exited child means no waiting at all.
        if proc is not None and proc.poll() is not None:
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
        self.forward(proc, signal.SIGTERM)

    def kill_tree(self, proc):
        self.events.append(("kill_tree", self.now))
        proc.returncode = -9


def signal_at(signum):
    return lambda p: p.callback(signum)


def exit_with(code):
    def act(p):
        p.proc.returncode = code
    return act


def _run(script, stop_timeout=15.0):
    platform = FakePlatform(script)
    code = Supervisor(platform, Policy(stop_timeout=stop_timeout), clock=platform.clock).run(["daprd"], "/bin/daprd")
    return code, platform


def _actions(platform):
    return [e for e in platform.events if isinstance(e, tuple) and e[0] in ("forward", "kill_tree")]


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
