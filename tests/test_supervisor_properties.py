"""Properties of the supervisor over random event scripts, on a fake platform and a fake clock.

Children that stop at once, slowly or never; leftovers that linger or ignore SIGTERM; crashes;
stop signals, SIGHUPs and other signals at random moments; refreshes that succeed or fail.
Whatever happens: one child at a time, no zero-timeout wait with nothing pending, every drain
ends by a finite deadline, a child gets each stop signal at most once (then only a kill), no
child starts after a stop request, refresh attempts stay bounded, and the run ends.
"""

from __future__ import annotations

import signal

from hypothesis import given, settings
from hypothesis import strategies as st

from launcher.process.phases import Draining
from launcher.process.supervisor import Policy, Supervisor
from launcher.sources.refresher import Refresher

INFINITY = float("inf")
STOP_TIMEOUT = 5.0


class Child:
    def __init__(self, pid, stops_after, crashes_at, group_lingers):
        self.pid = pid
        self.returncode = None
        self.stops_after = stops_after  # seconds from the stop signal to its exit; inf: ignores it
        self.exit_at = crashes_at  # absolute time of an exit by itself, or inf
        self.group_lingers = group_lingers  # its process group outlives it by this long (inf: until killed)
        self.stop_signals = 0

    def poll(self):
        return self.returncode


class World:
    """The fake platform: time passes only when the supervisor waits."""

    STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)
    STOP_SIGNAL = signal.SIGTERM
    KILL_SIGNAL = signal.SIGKILL
    REFRESH_SIGNAL = signal.SIGHUP
    TREE_SCAN = False

    def __init__(self, children, signals):
        self.now = 0.0
        self.children = list(children)  # how each successive child behaves
        self.signals = sorted(signals)  # (at, signum) sent to the launcher
        self.callback = None
        self.live = None
        self.spawn_times = []
        self.group_until = 0.0
        self.zero_waits_with_nothing_pending = 0
        self.first_stop_request = None
        self.woken = False
        self.waits = 0

    def clock(self):
        return self.now

    def install_handlers(self, callback):
        self.callback = callback

    def restore_handlers(self):
        pass

    def spawn(self, argv, env, executable, shutdown_url=None):
        assert self.live is None or self.live.returncode is not None, "two children at once"
        assert self.first_stop_request is None, "a child started after a stop request"
        spec = self.children.pop(0) if self.children else (0.1, INFINITY, 0.0)
        stops_after, crashes_in, lingers = spec
        self.live = Child(100 + len(self.spawn_times), stops_after, self.now + crashes_in, lingers)
        self.spawn_times.append(self.now)
        return self.live

    def release(self, proc):
        pass

    def wake(self):
        self.woken = True

    def group_alive(self, proc):
        return self.now < self.group_until

    def signal_pid(self, pid, signum):
        pass

    def _stop_child(self, proc):
        proc.stop_signals += 1
        assert proc.stop_signals == 1, "a child got a second stop signal"
        proc.exit_at = min(proc.exit_at, self.now + proc.stops_after)

    def forward(self, proc, signum):
        if signum in self.STOP_SIGNALS:
            self._stop_child(proc)

    def send_stop(self, proc):
        self._stop_child(proc)

    def kill_tree(self, proc):
        if proc.returncode is None:
            proc.returncode = -9
        self.group_until = self.now  # the whole group dies with it

    def _exit(self, child):
        child.returncode = 0 if child.stop_signals == 0 else -15
        self.group_until = self.now + child.group_lingers

    def wait_for_event(self, proc, timeout):
        self.waits += 1
        assert self.waits < 20_000, "the loop does not end"
        if proc is not None and proc.poll() is not None:
            return
        if self.woken:
            self.woken = False
            return
        events = []
        if self.signals:
            events.append(self.signals[0][0])
        if self.live is not None and self.live.returncode is None:
            events.append(self.live.exit_at)
        if self.group_until > self.now:
            events.append(self.group_until)  # a change the supervisor notices only by looking
        pending = min(events) if events else INFINITY
        if timeout == 0 and pending > self.now:
            self.zero_waits_with_nothing_pending += 1
        until = self.now + timeout if timeout is not None else INFINITY
        assert until < INFINITY or pending < INFINITY, "would wait forever"
        self.now = max(self.now, min(until, pending))
        if self.signals and self.signals[0][0] <= self.now:
            _, signum = self.signals.pop(0)
            if signum in self.STOP_SIGNALS and self.first_stop_request is None:
                self.first_stop_request = self.now
            self.callback(signum)
        if self.live is not None and self.live.returncode is None and self.live.exit_at <= self.now:
            self._exit(self.live)


class Creds:
    def __init__(self, n, expires_in):
        from datetime import datetime, timedelta, timezone

        self.access_key = self.secret_key = f"K{n}"
        self.expires = datetime(2030, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=expires_in)
        self.source = "fake"
        self.region = None

    def expires_z(self):
        return self.expires.isoformat()


class SyncRefresher(Refresher):
    """The real schedule and backoff, with the fetch run inline (no thread) on the fake clock."""

    def begin(self, wake):
        at = self.monotonic()
        self._result = self.attempt()
        self.attempts.append((at, self._result))
        wake()

    @property
    def in_flight(self):
        return False

    def take_result(self):
        result, self._result = self._result, None
        return result


CHILD = st.tuples(st.sampled_from([0.0, 0.5, 3.0, 20.0, INFINITY]),  # stops this long after SIGTERM
                  st.sampled_from([0.2, 2.0, 30.0, INFINITY]),  # crashes this long after its start
                  st.sampled_from([0.0, 1.0, 10.0, INFINITY]))  # its group outlives it
SIGNAL = st.tuples(st.floats(0, 120), st.sampled_from([signal.SIGTERM, signal.SIGINT, signal.SIGHUP,
                                                        signal.SIGUSR1]))
FETCH = st.lists(st.sampled_from(["new", "same", "fail"]), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(children=st.lists(CHILD, min_size=1, max_size=6), signals=st.lists(SIGNAL, max_size=6),
       restart=st.sampled_from(["no", "on-failure", "always"]), env_mode=st.booleans(), fetches=FETCH)
def test_whatever_happens_the_supervisor_keeps_its_promises(children, signals, restart, env_mode, fetches):
    signals.append((600.0, signal.SIGTERM))  # the run always ends with a stop request
    world = World(children, signals)
    # The refresher's wall clock follows the fake monotonic clock; the first credentials live 2 minutes.
    wall = Creds(0, 120).expires.timestamp() - 120
    outcomes = list(fetches)
    serial = [0]

    def fetch():
        kind = outcomes.pop(0) if outcomes else "same"
        if kind == "fail":
            from launcher.errors import Unavailable

            raise Unavailable("fake source down")
        if kind == "new":
            serial[0] += 1
        return Creds(serial[0], 120 + 60 * serial[0])

    refresher = SyncRefresher(Creds(0, 120), fetch, margin=30, clock=lambda: wall + world.now,
                              monotonic=world.clock, rng=lambda: 0.5)
    refresher.attempts = []
    supervisor = Supervisor(world, Policy(stop_timeout=STOP_TIMEOUT, restart=restart,
                                          restart_on_refresh=env_mode, restart_window=60),
                            lambda: {}, refresher, clock=world.clock)
    deadlines = []
    original_step = supervisor.step

    def step():
        if isinstance(supervisor.phase, Draining):
            deadlines.append(supervisor.phase.deadline)
        original_step()

    supervisor.step = step
    supervisor.run(["daprd"], "/bin/daprd")

    assert world.zero_waits_with_nothing_pending == 0
    assert all(d < INFINITY for d in deadlines)
    # The last stop request (at 600 s) is honoured within two stop timeouts (stop, then drain).
    assert world.now <= 600 + 2 * STOP_TIMEOUT + 1
    # Refresh attempts: at least a second apart, however many SIGHUPs; and in a run of attempts that
    # bring nothing new (failed, or the same credentials), at most one a minute after its first minute.
    times = [at for at, _ in refresher.attempts]
    assert all(b - a >= 0.99 for a, b in zip(times, times[1:])), refresher.attempts
    run_start = None
    for at, outcome in refresher.attempts:
        if outcome == Refresher.UPDATED:
            run_start = None
            continue
        run_start = at if run_start is None else run_start
        if at >= run_start + 64:
            in_run = [t for t, o in refresher.attempts if run_start + 64 <= t <= at]
            assert len(in_run) <= 1 + (at - run_start - 64) / 60, refresher.attempts
