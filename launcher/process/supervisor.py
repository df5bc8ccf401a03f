"""Run the child, forward signals, stop it properly, restart it when asked to.

Semantics follow tini and dumb-init:
* each signal the launcher gets is forwarded to the child exactly once;
  SIGHUP instead means "refresh the credentials now", unless the terminal we
  started on hung up: then it stops the child as SIGTERM does;
* a stop signal (TERM, INT, QUIT) starts the stop clock: if the child is
  still running after `stop_timeout`, its whole process tree is killed; a
  second stop signal kills it at once, never sending daprd a second signal
  (which would make it skip its graceful shutdown);
* a child's stop order may name processes to stop before it (a `dapr run`'s
  daprd, see dapr/tree.py), each signalled once, the child once they are gone;
* the exit code is the child's, 128+N when signal N killed it.

Restarts (env mode after a credential refresh, `--restart` after a crash)
never overlap: the old child and everything in its process group are gone
before the new one starts, because daprd binds fixed ports.

Everything happens on one thread in an event loop whose state is one value,
`self.phase` (phases.py), from which the next wake-up is derived; the clock,
the platform, the refresher and the stop order are injected so that the
timing is tested without sleeping (tests/test_supervisor_unit.py, and the
properties in tests/test_supervisor_properties.py). Knows nothing of Dapr or of where credentials come from:
never imports sources, delivery, dapr, ops or cli.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from launcher.errors import EXIT_NO_CREDENTIALS, CommandNotExecutable, CommandNotFound
from launcher.process import leftovers
from launcher.process.phases import (Backoff, Done, Draining, Exit, Reason, Restart, Running, Serving,
                                     Starting, Stopping)
from launcher.process.platform import exit_code_of
from launcher.process.policy import Crashes, Policy, StopOrder

log = logging.getLogger("dapr-aws")

EXIT_EXPIRED = EXIT_NO_CREDENTIALS


class Supervisor:
    """Supervises one child at a time."""

    def __init__(self, platform, policy: Policy = Policy(), env_for: Callable[[], dict] = dict,
                 refresher=None, clock: Callable[[], float] = time.monotonic,
                 on_start: Callable[[object], None] | None = None, observer=None,
                 stop_order: StopOrder | None = None):
        self.platform = platform
        self.policy = policy
        self.env_for = env_for
        self.refresher = refresher
        self.clock = clock
        self.on_start = on_start
        self.observer = observer  # e.g. ops/systemd.py's SystemdObserver: started/stopping/refreshing/refreshed
        self.stop_order = stop_order or StopOrder()
        self.phase = Starting()
        self.restarts = 0
        self._argv: list[str] = []
        self._executable: str | None = None
        self._pending: list[int] = []
        self._crashes = Crashes(policy)
        self._last_code = 0
        self._stop_signals = 0  # how many stop signals we got: a second one means "kill now"

    @property
    def proc(self):
        """The running child, if any."""
        return getattr(self.phase, "proc", None)

    # -- entry point -------------------------------------------------------

    def run(self, argv: list[str], executable: str | None = None) -> int:
        """Start `argv`, supervise it (and its successors), return the exit code."""
        self._argv, self._executable = list(argv), executable
        self.platform.install_handlers(self._pending.append)
        watching = getattr(self.platform, "watch", None)
        try:
            self._start()
            if watching is not None:
                watching(self.policy.stop_timeout)  # after the first start: it must not delay the child
            while not isinstance(self.phase, Done):
                self.step()
            return self.phase.code
        finally:
            if watching is not None:
                self.platform.unwatch()
            self.platform.restore_handlers()

    def serve(self, announce: Callable[[], None]) -> int:
        """No child (`dapr-aws serve`): keep the credentials fresh until a stop signal; returns 0.

        `announce()` runs once the handlers are in: a client may signal us as soon as it has read it.
        """
        self.platform.install_handlers(self._pending.append)
        try:
            self.phase = Serving()
            announce()
            while not isinstance(self.phase, Done):
                self.step()
            return self.phase.code
        finally:
            self.platform.restore_handlers()

    def step(self) -> None:
        """Handle what happened, then sleep until the next event or wake-up."""
        for handler in (self._handle_signals, self._handle_refresh, self._handle_child, self._handle_time):
            handler()
            if isinstance(self.phase, Done):
                return
        self.platform.wait_for_event(self.proc, self.wake_in())

    def wake_in(self) -> float | None:
        """Seconds until the next thing to do: the phase's own, or the refresher's."""
        now = self.clock()
        waits = [self.phase.wake_in(now)]
        if self.refresher is not None:
            waits += [w for w in (self.refresher.seconds_until_due(), self.refresher.seconds_until_expiry())
                      if w is not None and w > 0]
        waits = [w for w in waits if w is not None]
        return min(waits) if waits else None

    # -- starting ----------------------------------------------------------

    def _start(self, check_refresh: bool = True) -> None:
        r = self.refresher
        if check_refresh and self.policy.restart_on_refresh and r is not None and (r.due() or r.in_flight):
            # Never start a child with credentials that are due for refresh.
            self.phase = Starting()
            r.begin(self.platform.wake)
            return
        try:
            proc = self.platform.spawn(self._argv, self.env_for(), self._executable, self.stop_order.shutdown_url)
        except FileNotFoundError:
            raise CommandNotFound(f"command not found: {self._argv[0]}", "check the name and your PATH") from None
        except PermissionError:
            raise CommandNotExecutable(f"command is not executable: {self._argv[0]}", "check its permissions") from None
        except OSError as exc:
            raise CommandNotExecutable(f"cannot run {self._argv[0]}: {exc.strerror or exc}",
                                       "check that it is a program or a script with a #! line") from None
        self.phase = Running(proc)
        log.debug("started %s (pid %d)", self._argv[0], proc.pid)
        if self.on_start is not None:
            self.on_start(proc)
        if self.observer is not None:
            self.observer.started(proc)

    def _restart(self, why: str) -> None:
        self.restarts += 1
        log.info("restarting %s: %s (restart #%d)", self._argv[0], why, self.restarts)
        self._start()

    # -- signals -----------------------------------------------------------

    def _handle_signals(self) -> None:
        while self._pending and not isinstance(self.phase, Done):
            signum = self._pending.pop(0)
            if signum in self.platform.STOP_SIGNALS:
                self._on_stop_signal(signum)
            elif signum == getattr(self.platform, "REFRESH_SIGNAL", None) and self._terminal_gone():
                log.info("the terminal hung up: stopping")
                self._on_stop_signal(self.platform.STOP_SIGNAL)  # as SIGTERM does
            elif signum == getattr(self.platform, "REFRESH_SIGNAL", None) and self.refresher is not None:
                log.info("SIGHUP: refreshing credentials now")
                self.refresher.request_now()
            elif self.proc is not None:
                self.platform.forward(self.proc, signum)

    def _terminal_gone(self) -> bool:
        gone = getattr(self.platform, "terminal_gone", None)
        return gone is not None and gone()

    def _on_stop_signal(self, signum: int) -> None:
        self._stop_signals += 1
        phase = self.phase
        if isinstance(phase, Running):
            self._begin_stop(Reason.SIGNAL, signum)
        elif isinstance(phase, Stopping) and phase.reason is not Reason.SIGNAL:
            phase.reason = Reason.SIGNAL  # already stopping for a restart: just do not restart
            if self.observer is not None:
                self.observer.stopping(Reason.SIGNAL.value)
        elif isinstance(phase, Stopping):
            self._kill("a second stop signal arrived")
        elif isinstance(phase, Draining):
            if isinstance(phase.then, Restart):
                phase.then = Exit(self._last_code)  # let what is left of the old tree finish stopping
            if self._stop_signals > 1:
                phase.deadline = self.clock()  # a second stop signal: kill what is left now
        else:  # Starting, Backoff, Serving: no child and nothing left to stop
            if isinstance(phase, Serving):
                log.info("stopping")
            self.phase = Done(self._last_code)

    # -- stopping ----------------------------------------------------------

    def _begin_stop(self, reason: Reason, signum: int | None) -> None:
        proc = self.phase.proc
        stop = self.phase = Stopping(proc, reason, signum, self.clock() + self.policy.stop_timeout)
        if self.observer is not None:
            self.observer.stopping(reason.value)
        stop.first = self.stop_order.first(proc.pid)
        for pid in stop.first:
            log.debug("stopping %d before %s", pid, self._argv[0])
            self.platform.signal_pid(pid, self.platform.STOP_SIGNAL)
        if not stop.first:
            self._signal_child(stop)

    def _signal_child(self, stop: Stopping) -> None:
        if stop.signum is None:
            self.platform.send_stop(stop.proc)
        else:
            self.platform.forward(stop.proc, stop.signum)

    def _kill(self, why: str) -> None:
        stop = self.phase
        log.warning("%s (pid %d) %s; killing its process tree", self._argv[0], stop.proc.pid, why)
        self.platform.kill_tree(stop.proc)
        stop.kill_at = None
        stop.first = []

    # -- the child's exit --------------------------------------------------

    def _handle_child(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is None:
            return
        code = exit_code_of(proc.returncode)
        self.platform.release(proc)
        self._last_code = code
        log.debug("child %d exited with code %d", proc.pid, code)
        now = self.clock()
        stop = self.phase
        if not isinstance(stop, Stopping):
            self._after_crash(proc, code, now)
            return
        # A killed tree gets a fresh deadline for what escaped it: every drain ends.
        deadline = stop.kill_at if stop.kill_at is not None else now + self.policy.stop_timeout
        then = {Reason.SIGNAL: Exit(code), Reason.EXPIRY: Exit(EXIT_EXPIRED),
                Reason.REFRESH: Restart(now, "credentials refreshed")}[stop.reason]
        self.phase = Draining(proc, deadline, then, set(stop.first), now)

    def _after_crash(self, old, code: int, now: float) -> None:
        delay = self._crashes.restart_delay(code, now, self._argv[0])
        then = Exit(code) if delay is None else Restart(now + delay, f"it exited with code {code}")
        self.phase = Draining(old, now + self.policy.stop_timeout, then, set(), now)

    # -- timers ------------------------------------------------------------

    def _handle_time(self) -> None:
        reap = getattr(self.platform, "reap_orphans", None)
        if reap is not None and not (self.refresher is not None and self.refresher.in_flight):
            reap(self.proc.pid if self.proc is not None else None)  # as PID 1: every zombie, as init does
        now = self.clock()
        phase = self.phase
        if isinstance(phase, Stopping):
            if phase.first and not self.stop_order.still_stopping(phase.first):
                phase.first = []
                self._signal_child(phase)  # daprd is down: now the dapr CLI may go
            if phase.kill_at is not None and now >= phase.kill_at:
                self._kill(f"did not stop within {self.policy.stop_timeout:g}s")
        elif isinstance(phase, Draining) and phase.due(now):
            phase.looked(now)
            if leftovers.drain_step(self.platform, phase.old, phase.deadline, now, phase.signalled,
                                    self.stop_order.first_among_leftovers):
                self._drained(phase.then, now)
        elif isinstance(phase, Backoff) and now >= phase.at:
            self._restart(phase.why)

    def _drained(self, then: Restart | Exit, now: float) -> None:
        if isinstance(then, Exit):
            self.phase = Done(then.code)
        elif now >= then.at:
            self._restart(then.why)
        else:
            self.phase = Backoff(then.at, then.why)

    def _handle_refresh(self) -> None:
        r = self.refresher
        if r is None:
            return
        outcome = r.take_result()
        phase = self.phase
        if outcome is not None and isinstance(phase, Starting):
            self._start(check_refresh=False)
        elif outcome == r.UPDATED and self.policy.restart_on_refresh and isinstance(phase, Running):
            self._begin_stop(Reason.REFRESH, None)
        elif outcome == r.UPDATED and self.observer is not None and not isinstance(phase, Stopping):
            self.observer.refreshing()  # the endpoint serves the new credentials from now on
            self.observer.refreshed()
        if r.due() and not r.in_flight:
            r.begin(self.platform.wake)
        if r.note_expired_once():
            self._on_expired()

    def _on_expired(self) -> None:
        expired = self.refresher.current.expires_z()
        phase = self.phase
        if isinstance(phase, Serving):
            log.warning("the credentials expired at %s and no new ones came; clients get 503 until a refresh "
                        "succeeds", expired)
        elif self.policy.on_expiry != "stop":
            log.warning("the credentials expired at %s and no new ones came; the child keeps running and its "
                        "AWS calls fail until a refresh succeeds (--on-expiry stop to stop it instead)", expired)
        elif isinstance(phase, Running):
            log.error("the credentials expired at %s and could not be refreshed; stopping the child", expired)
            self._begin_stop(Reason.EXPIRY, None)
        elif isinstance(phase, Draining):
            phase.then = Exit(EXIT_EXPIRED)
        elif isinstance(phase, (Starting, Backoff)):
            self.phase = Done(EXIT_EXPIRED)
