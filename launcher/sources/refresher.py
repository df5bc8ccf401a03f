"""Keeps the current credentials and fetches new ones upstream once per lifetime.

When: at expiry minus the margin (default 20 minutes); credentials that live
less than three margins are refreshed at two thirds of their lifetime. A
little random jitter keeps a fleet from refreshing in lock step. Never one
upstream call per request or per child: servers and restarts only read
`current`.

A failed refresh, or one that brings nothing newer (a caching credential_process,
an instance profile not rotated yet), keeps the current credentials and retries
with exponential backoff capped at a minute (1, 2, 4 ... 60 s), logging once when
it starts failing and once when it recovers. Attempts are at least a second apart,
however many SIGHUPs arrive. The fetch runs in a worker thread so that a slow source
(an STS timeout, a hanging credential_process) never delays signal handling.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from launcher.sources.credentials import Credentials
from launcher.errors import LauncherError

log = logging.getLogger("dapr-aws")

UPDATED, UNCHANGED, FAILED = "updated", "unchanged", "failed"
BACKOFF_CAP = 60.0
MIN_INTERVAL = 1.0  # between two upstream attempts, whatever asks for them
JITTER_CAP = 30.0


def refresh_delay(lifetime: float, margin: float) -> float:
    """Seconds after issue at which credentials living `lifetime` seconds are refreshed."""
    if lifetime >= 3 * margin:
        return lifetime - margin
    return lifetime * 2 / 3


class Refresher:
    """The current credentials and the schedule of their upstream refresh."""

    # What take_result() says; the supervisor reads them from here (it never imports sources).
    UPDATED, UNCHANGED, FAILED = UPDATED, UNCHANGED, FAILED

    def __init__(self, initial: Credentials, fetch: Callable[[], Credentials], margin: float = 1200.0,
                 clock: Callable[[], float] = time.time, rng: Callable[[], float] | None = None,
                 monotonic: Callable[[], float] = time.monotonic, timeout: float | None = None,
                 on_hang: Callable[[], None] | None = None):
        self.fetch = fetch
        self.margin = margin
        self.clock = clock  # wall-clock UTC: only for expiry, which AWS states in wall time
        self.monotonic = monotonic  # the schedule: immune to wall-clock jumps
        self.rng = rng
        self.timeout = timeout  # seconds an upstream fetch may take before it is abandoned
        self.on_hang = on_hang
        self._began: tuple[float, float] | None = None  # (wall, monotonic) start of the fetch in flight
        self._current = initial
        self._failures = 0  # consecutive failed attempts (logged)
        self._misses = 0  # consecutive attempts that brought nothing newer, failed ones included (backoff)
        self._last_attempt: float | None = None
        self.requested = False  # this attempt was asked for (SIGHUP), not scheduled
        self._due_at: float | None = None
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self._result: str | None = None
        self._expired_logged = False
        self._schedule(initial, clock(), monotonic())

    @property
    def current(self) -> Credentials:
        """The newest good credentials (safe to read from any thread)."""
        return self._current

    def _schedule(self, creds: Credentials, fetched_at: float, fetched_mono: float) -> None:
        """Due time on the monotonic clock, from the lifetime left at `fetched_at` (wall)."""
        if creds.expires is None:
            self._due_at = None  # long-lived keys: only SIGHUP refreshes them
            return
        lifetime = max(0.0, creds.expires.timestamp() - fetched_at)
        lead = refresh_delay(lifetime, self.margin)
        if self.rng is None:
            import random  # only credentials that expire need jitter

            self.rng = random.random
        jitter = self.rng() * min(JITTER_CAP, 0.05 * lead)
        # Never sooner than MIN_INTERVAL: a source handing out credentials that are already expired
        # must not be asked in a tight loop.
        self._due_at = max(fetched_mono + lead - jitter, fetched_mono + MIN_INTERVAL)

    def seconds_until_due(self) -> float | None:
        """How long until the next attempt; None when nothing is scheduled."""
        if self.in_flight:
            if self.timeout is None or self._began is None:
                return None
            return max(0.001, self._began[1] + self.timeout - self.monotonic())  # when to give up on it
        if self._due_at is None:
            return None
        return max(0.0, self._due_at - self.monotonic())

    def due(self) -> bool:
        return not self.in_flight and self._due_at is not None and self._due_at <= self.monotonic()

    def request_now(self) -> None:
        """Refresh at the next opportunity (SIGHUP), but never sooner than MIN_INTERVAL after the last."""
        now = self.monotonic()
        earliest = now if self._last_attempt is None else self._last_attempt + MIN_INTERVAL
        self._due_at = max(now, earliest) if self._due_at is None else min(self._due_at, max(now, earliest))
        self.requested = True

    def expired(self) -> bool:
        """True once the current credentials are past their expiry."""
        expires = self._current.expires
        return expires is not None and expires.timestamp() <= self.clock()

    def seconds_until_expiry(self) -> float | None:
        expires = self._current.expires
        return None if expires is None else max(0.0, expires.timestamp() - self.clock())

    @property
    def in_flight(self) -> bool:
        return self._thread is not None

    def begin(self, wake: Callable[[], None]) -> None:
        """Start one refresh in a worker thread; `wake()` is called when it ends."""
        if self._thread is not None:
            return

        done = threading.Event()
        box: list = []
        self._began = (self.clock(), self.monotonic())
        self._last_attempt = self._began[1]

        def work():
            box.append(self._fetch())
            done.set()  # before waking: the woken loop must see the result
            wake()

        self._done, self._box = done, box
        self._thread = threading.Thread(target=work, name="dapr-aws-refresh", daemon=True)
        self._thread.start()

    def take_result(self) -> str | None:
        """The outcome of a finished (or abandoned) background refresh, once; None while running."""
        if self._thread is None:
            return None
        if not self._done.is_set():
            if self.timeout is None or self.monotonic() < self._began[1] + self.timeout:
                return None
            return self._abandon()
        self._thread.join()
        self._thread = None
        (fresh, error), = self._box
        return self._apply(*self._began, fresh, error)

    def _abandon(self) -> str:
        """The fetch in flight never answered: forget it (its thread ends on its own) and retry later."""
        self._thread = None  # its result, if it ever comes, goes into a box nobody reads
        self.requested = False
        if self.on_hang is not None:
            self.on_hang()
        self._failed(f"the credential source did not answer within {self.timeout:g}s (abandoned; run its "
                     "credential_process or endpoint by hand to see why, or raise --fetch-timeout)")
        return FAILED

    def attempt(self) -> str:
        """Fetch once, synchronously, and update the schedule. Returns the outcome."""
        started, started_mono = self.clock(), self.monotonic()
        self._last_attempt = started_mono
        fresh, error = self._fetch()
        return self._apply(started, started_mono, fresh, error)

    def _fetch(self) -> tuple[Credentials | None, str | None]:
        """The fetch itself (any thread): new credentials, or the one line saying why not."""
        try:
            return self.fetch(), None
        except LauncherError as exc:
            return None, exc.one_line()
        except Exception as exc:  # an unexpected error must not kill the supervisor
            return None, f"{type(exc).__name__}: {exc}"

    def _apply(self, started: float, started_mono: float, fresh: Credentials | None, error: str | None) -> str:
        """Update the schedule with a fetch's outcome (the caller's thread only)."""
        self.requested = False
        if fresh is None:
            self._failed(error)
            return FAILED
        if not self._is_newer(fresh):
            # e.g. an instance profile that has not rotated yet: ask again later.
            delay = self._retry_later(quiet=True)
            log.debug("refresh returned credentials that are not newer; retrying in %gs", delay)
            return UNCHANGED
        if self._failures:
            log.info("credential refresh recovered after %d failed attempt(s)", self._failures)
        self._failures = self._misses = 0
        self._expired_logged = False
        self._current = fresh
        self._schedule(fresh, started, started_mono)
        left = None if self._due_at is None else max(0.0, self._due_at - self.monotonic())
        log.info("credentials refreshed from %s: %s, expiring %s, next refresh in %s",
                 fresh.source, fresh.access_key, fresh.expires_z() or "never", _human(left))
        return UPDATED

    def _is_newer(self, fresh: Credentials) -> bool:
        old = self._current
        if fresh.access_key != old.access_key or fresh.secret_key != old.secret_key:
            return True
        if old.expires is None or fresh.expires is None:
            return False
        return fresh.expires > old.expires

    def _failed(self, reason: str) -> None:
        if self._failures == 0:
            until = self._current.expires_z() or "never"
            log.warning("credential refresh failed: %s (keeping the current credentials, which expire %s; "
                        "retrying with backoff)", reason, until)
        self._retry_later(quiet=False)

    def _retry_later(self, quiet: bool) -> float:
        if not quiet:
            self._failures += 1
        self._misses += 1
        delay = min(BACKOFF_CAP, 2.0 ** (self._misses - 1))
        self._due_at = self.monotonic() + delay
        return delay

    def note_expired_once(self) -> bool:
        """True the first time it is called after the credentials expired."""
        if self._expired_logged or not self.expired():
            return False
        self._expired_logged = True
        return True


def _human(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"
