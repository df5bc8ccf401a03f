"""The supervisor's phases: one value says where the child's life is, and when to wake up next.

    Starting   no child yet: waiting for due credentials before the first (or next) start
    Running    the child runs
    Stopping   the child was asked to stop (for a reason); killed at `kill_at`
    Draining   the child exited; what is left of its tree is stopped, by `deadline` at the latest
    Backoff    nothing is left; the next child starts at `at`
    Serving    no child at all (`dapr-aws serve`): only the credentials are kept fresh
    Done       the exit code is known

Each phase computes its own next wake-up from the clock (`wake_in`): the loop never spins
(a phase whose deadline has passed acts on it in the same step, so no phase asks for a
zero wait twice) and never sleeps past a deadline.
"""

from __future__ import annotations

import enum

POLL = 0.05  # how soon to look again at what sends no signal (a daprd under `dapr run`)
DRAIN_POLL_MAX = 0.5  # leftovers are looked for at 0.05, 0.1, 0.2, 0.4, 0.5, 0.5 ... s


class Reason(enum.Enum):
    """Why a child is stopped."""

    SIGNAL = "signal"  # we were asked to stop: exit with the child's code
    REFRESH = "refresh"  # env mode: new credentials need a new child
    EXPIRY = "expiry"  # --on-expiry stop: exit 77


class Restart:
    """After a drain: start a new child at `at` (monotonic), logging `why`."""

    __slots__ = ("at", "why")

    def __init__(self, at: float, why: str):
        self.at, self.why = at, why


class Exit:
    """After a drain: exit with `code`."""

    __slots__ = ("code",)

    def __init__(self, code: int):
        self.code = code


class Starting:
    __slots__ = ()

    def wake_in(self, now: float) -> float | None:
        return None  # the refresher's result wakes us


class Running:
    __slots__ = ("proc",)

    def __init__(self, proc):
        self.proc = proc

    def wake_in(self, now: float) -> float | None:
        return None  # SIGCHLD or a signal wakes us


class Stopping:
    __slots__ = ("proc", "reason", "signum", "kill_at", "first")

    def __init__(self, proc, reason: Reason, signum: int | None, kill_at: float):
        self.proc = proc
        self.reason = reason
        self.signum = signum  # forwarded as is; None: the platform's graceful stop
        self.kill_at: float | None = kill_at  # None once the tree was killed: the exit wakes us
        self.first: list[int] = []  # stopped before the child (a `dapr run`'s daprd)

    def wake_in(self, now: float) -> float | None:
        waits = [POLL] if self.first else []
        if self.kill_at is not None:
            waits.append(max(0.0, self.kill_at - now))
        return min(waits) if waits else None


class Draining:
    __slots__ = ("old", "deadline", "then", "signalled", "_poll", "_next_look")

    def __init__(self, old, deadline: float, then: Restart | Exit, signalled: set[int], now: float):
        self.old = old
        self.deadline = deadline  # always finite: at it, everything left is killed
        self.then = then
        self.signalled = signalled  # leftovers already asked to stop (each only once)
        self._poll = POLL
        self._next_look = now

    def due(self, now: float) -> bool:
        """Time to look for leftovers again (each look scans the process table)."""
        return now >= self._next_look or now >= self.deadline

    def looked(self, now: float) -> None:
        self._next_look = now + self._poll
        self._poll = min(DRAIN_POLL_MAX, self._poll * 2)

    def wake_in(self, now: float) -> float | None:
        return max(0.0, min(self._next_look, self.deadline) - now)


class Backoff:
    __slots__ = ("at", "why")

    def __init__(self, at: float, why: str):
        self.at, self.why = at, why

    def wake_in(self, now: float) -> float | None:
        return max(0.0, self.at - now)


class Serving:
    __slots__ = ()

    def wake_in(self, now: float) -> float | None:
        return None  # a signal or the refresher's schedule wakes us


class Done:
    __slots__ = ("code",)

    def __init__(self, code: int):
        self.code = code

    def wake_in(self, now: float) -> float | None:
        return None
