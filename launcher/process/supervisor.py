"""Run the child, forward signals, stop it properly, restart it when asked to.

Semantics follow tini and dumb-init:
* each signal the launcher gets is forwarded to the child exactly once;
  SIGHUP instead means "refresh the credentials now";
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

Everything happens on one thread in an event loop; the clock, the platform,
the refresher and the stop order are injected so that the timing is tested
without sleeping. Knows nothing of Dapr or of where credentials come from:
never imports sources, delivery, dapr, ops or cli.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable

from launcher.process import leftovers
from launcher.process.policy import Policy, Stop, StopOrder
from launcher.errors import EXIT_NO_CREDENTIALS, CommandNotExecutable, CommandNotFound
from launcher.process.platform import exit_code_of

log = logging.getLogger("dapr-aws")

# How often to look at things that send us no signal: a daprd under
# `dapr run`, members left in an exited child's process group.
POLL = 0.05
EXIT_EXPIRED = EXIT_NO_CREDENTIALS
MAX_CRASH_BACKOFF = 30.0


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
        self.proc = None
        self.restarts = 0
        self._argv: list[str] = []
        self._executable: str | None = None
        self._pending: list[int] = []
        self._stop: Stop | None = None
        self._draining = None  # (old proc, deadline): waiting for its process group to empty
        self._restart_at: float | None = None
        self._restart_reason = ""
        self._final_pending: int | None = None  # exit code, once the child's leftovers are gone
        self._signalled: set[int] = set()  # leftovers already asked to stop (each only once)
        self._spawn_after_refresh = False
        self._crashes: deque[float] = deque()
        self._last_code = 0
        self._final: int | None = None
        self._stop_signals = 0  # how many stop signals we got: a second one means "kill now"

    # -- entry point -------------------------------------------------------

    def run(self, argv: list[str], executable: str | None = None) -> int:
        """Start `argv`, supervise it (and its successors), return the exit code."""
        self._argv, self._executable = list(argv), executable
        self.platform.install_handlers(self._pending.append)
        try:
            self._spawn()
            while self._final is None:
                self._step()
            return self._final
        finally:
            self.platform.restore_handlers()

    def _step(self) -> None:
        for handler in (self._handle_signals, self._handle_refresh, self._handle_child, self._handle_deadlines):
            handler()
            if self._final is not None:
                return
        self.platform.wait_for_event(self.proc, self._timeout())

    # -- starting ----------------------------------------------------------

    def _spawn(self, check_refresh: bool = True) -> None:
        r = self.refresher
        if check_refresh and self.policy.restart_on_refresh and r is not None and (r.due() or r.in_flight):
            # Never start a child with credentials that are due for refresh.
            self._spawn_after_refresh = True
            r.begin(self.platform.wake)
            return
        env = self.env_for()
        try:
            self.proc = self.platform.spawn(self._argv, env, self._executable, self.stop_order.shutdown_url)
        except FileNotFoundError:
            raise CommandNotFound(f"command not found: {self._argv[0]}", "check the name and your PATH") from None
        except PermissionError:
            raise CommandNotExecutable(f"command is not executable: {self._argv[0]}", "check its permissions") from None
        except OSError as exc:
            raise CommandNotExecutable(f"cannot run {self._argv[0]}: {exc.strerror or exc}",
                                       "check that it is a program or a script with a #! line") from None
        log.debug("started %s (pid %d)", self._argv[0], self.proc.pid)
        if self.on_start is not None:
            self.on_start(self.proc)
        if self.observer is not None:
            self.observer.started(self.proc)

    def _restart(self, reason: str) -> None:
        self.restarts += 1
        log.info("restarting %s: %s (restart #%d)", self._argv[0], reason, self.restarts)

    # -- signals -----------------------------------------------------------

    def _handle_signals(self) -> None:
        while self._pending and self._final is None:
            signum = self._pending.pop(0)
            if signum in self.platform.STOP_SIGNALS:
                self._on_stop_signal(signum)
            elif signum == getattr(self.platform, "REFRESH_SIGNAL", None) and self.refresher is not None:
                log.info("SIGHUP: refreshing credentials now")
                self.refresher.request_now()
            elif self.proc is not None:
                self.platform.forward(self.proc, signum)

    def _on_stop_signal(self, signum: int) -> None:
        self._stop_signals += 1
        if self.proc is None:
            self._stop_between_children()
        elif self._stop is None:
            self._begin_stop("signal", signum)
        elif self._stop.reason != "signal":
            self._stop.reason = "signal"  # already stopping for a restart: just do not restart
            if self.observer is not None:
                self.observer.stopping("signal")
        else:
            self._kill("a second stop signal arrived")

    def _stop_between_children(self) -> None:
        """No child to signal: start none, and exit once the old child's tree is gone."""
        self._restart_at = None
        self._spawn_after_refresh = False
        if self._draining is None:
            self._final = self._last_code
            return
        if self._final_pending is None:
            self._final_pending = self._last_code  # let what is left of the old tree finish stopping
        if self._stop_signals > 1:
            old, _ = self._draining
            self._draining = (old, self.clock())  # a second stop signal: kill what is left now

    # -- stopping ----------------------------------------------------------

    def _begin_stop(self, reason: str, signum: int | None) -> None:
        stop = Stop(reason, self.clock() + self.policy.stop_timeout, signum)
        self._stop = stop
        if self.observer is not None:
            self.observer.stopping(reason)
        stop.first = self.stop_order.first(self.proc.pid)
        for pid in stop.first:
            log.debug("stopping %d before %s", pid, self._argv[0])
            self.platform.signal_pid(pid, self.platform.STOP_SIGNAL)
        if not stop.first:
            self._signal_child(stop)

    def _signal_child(self, stop: Stop) -> None:
        if stop.signum is None:
            self.platform.send_stop(self.proc)
        else:
            self.platform.forward(self.proc, stop.signum)

    def _kill(self, reason: str) -> None:
        log.warning("%s (pid %d) %s; killing its process tree", self._argv[0], self.proc.pid, reason)
        self.platform.kill_tree(self.proc)
        if self._stop is not None:
            self._stop.kill_at = float("inf")
            self._stop.first = []

    # -- the child's exit --------------------------------------------------

    def _handle_child(self) -> None:
        if self.proc is None or self.proc.poll() is None:
            return
        code = exit_code_of(self.proc.returncode)
        self.platform.release(self.proc)
        self._last_code = code
        stop, old = self._stop, self.proc
        self.proc, self._stop = None, None
        log.debug("child %d exited with code %d", old.pid, code)
        deadline = stop.kill_at if stop is not None and stop.kill_at != float("inf") else None
        self._signalled = set(stop.first) if stop is not None else set()
        if stop is not None and stop.reason == "signal":
            self._drain(old, deadline, then_at=None, reason="", final=code)
        elif stop is not None and stop.reason == "expiry":
            self._drain(old, deadline, then_at=None, reason="", final=EXIT_EXPIRED)
        elif stop is not None and stop.reason == "refresh":
            self._drain(old, stop.kill_at, then_at=self.clock(), reason="credentials refreshed")
        else:
            self._after_crash(old, code)

    def _after_crash(self, old, code: int) -> None:
        policy = self.policy
        if policy.restart == "no" or (policy.restart == "on-failure" and code == 0):
            self._drain(old, None, then_at=None, reason="", final=code)
            return
        now = self.clock()
        self._crashes.append(now)
        while self._crashes and self._crashes[0] < now - policy.restart_window:
            self._crashes.popleft()
        if len(self._crashes) > policy.restart_limit:
            log.error("%s exited with code %d, its %d exit within %gs; giving up", self._argv[0], code,
                      len(self._crashes), policy.restart_window)
            self._drain(old, None, then_at=None, reason="", final=code)
            return
        delay = min(MAX_CRASH_BACKOFF, 2.0 ** (len(self._crashes) - 1))
        log.warning("%s exited with code %d; restarting in %gs", self._argv[0], code, delay)
        self._drain(old, now + self.policy.stop_timeout, then_at=now + delay, reason=f"it exited with code {code}")

    def _drain(self, old, deadline: float | None, then_at: float | None, reason: str,
               final: int | None = None) -> None:
        """Wait until nothing of the old child's tree is left, then restart at `then_at` or exit."""
        self._draining = (old, deadline if deadline is not None else self.clock() + self.policy.stop_timeout)
        self._restart_at = then_at
        self._restart_reason = reason
        self._final_pending = final

    # -- timers ------------------------------------------------------------

    def _handle_deadlines(self) -> None:
        now = self.clock()
        stop = self._stop
        if stop is not None and stop.first and not self.stop_order.still_stopping(stop.first):
            stop.first = []
            self._signal_child(stop)  # daprd is down: now the dapr CLI may go
        if stop is not None and now >= stop.kill_at:
            self._kill(f"did not stop within {self.policy.stop_timeout:g}s")
        if self._draining is not None:
            old, deadline = self._draining
            if not leftovers.drain_step(self.platform, old, deadline, now, self._signalled,
                                        self.stop_order.first_among_leftovers):
                return
            self._draining = None
            if self._final_pending is not None:
                self._final = self._final_pending
                return
        if self._restart_at is not None and now >= self._restart_at:
            self._restart_at = None
            self._restart(self._restart_reason)
            self._spawn()

    def _handle_refresh(self) -> None:
        r = self.refresher
        if r is None:
            return
        outcome = r.take_result()
        if outcome is not None and self._spawn_after_refresh:
            self._spawn_after_refresh = False
            self._spawn(check_refresh=False)
        elif (outcome == r.UPDATED and self.policy.restart_on_refresh and self.proc is not None
              and self._stop is None):
            self._begin_stop("refresh", None)
        elif outcome == r.UPDATED and self.observer is not None and self._stop is None:
            self.observer.refreshing()  # the endpoint serves the new credentials from now on
            self.observer.refreshed()
        if r.due() and not r.in_flight:
            r.begin(self.platform.wake)
        if r.note_expired_once():
            self._on_expired()

    def _on_expired(self) -> None:
        expired = self.refresher.current.expires_z()
        if self.policy.on_expiry != "stop":
            log.warning("the credentials expired at %s and no new ones came; the child keeps running and its "
                        "AWS calls fail until a refresh succeeds (--on-expiry stop to stop it instead)", expired)
        elif self.proc is not None and self._stop is None:
            log.error("the credentials expired at %s and could not be refreshed; stopping the child", expired)
            self._begin_stop("expiry", None)
        elif self.proc is None:
            self._final = EXIT_EXPIRED

    def _timeout(self) -> float | None:
        now = self.clock()
        waits = []
        if self._stop is not None:
            if self._stop.kill_at != float("inf"):  # inf: already killed, the exit wakes us
                waits.append(self._stop.kill_at - now)
            if self._stop.first:
                waits.append(POLL)
        if self._draining is not None:
            waits.append(POLL)
        if self._restart_at is not None:
            waits.append(self._restart_at - now)
        if self.refresher is not None:
            for left in (self.refresher.seconds_until_due(), self.refresher.seconds_until_expiry()):
                if left is not None and left > 0:
                    waits.append(left)
        return max(0.0, min(waits)) if waits else None
