"""What the supervisor is told: its policy, and the stop order of the child's tree."""

from __future__ import annotations

import logging
from collections import deque
from typing import NamedTuple

log = logging.getLogger("dapr-aws")
MAX_CRASH_BACKOFF = 30.0


class Policy(NamedTuple):
    """What the supervisor does when things happen."""

    stop_timeout: float = 15.0
    restart: str = "no"  # no | on-failure | always
    restart_limit: int = 5  # crash restarts allowed within restart_window
    restart_window: float = 300.0
    restart_on_refresh: bool = False  # env mode: new credentials mean a new child
    on_expiry: str = "keep"  # keep | stop


class StopOrder:
    """Which processes of a child's tree stop before the child itself; by default none."""

    shutdown_url: str | None = None  # an HTTP stop for Windows children without a console

    def first(self, pid: int) -> list[int]:
        return []

    def still_stopping(self, pids: list[int]) -> bool:
        return False

    def first_among_leftovers(self, argv: list[str]) -> bool:
        return False


class Crashes:
    """--restart after the child exited by itself: whether, after how long (1, 2, 4 ... 30 s), and
    when to give up (more than `restart_limit` exits within `restart_window`)."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self._times: deque[float] = deque()

    def restart_delay(self, code: int, now: float, name: str) -> float | None:
        """Seconds until the restart, or None to exit with the child's code."""
        policy = self.policy
        if policy.restart == "no" or (policy.restart == "on-failure" and code == 0):
            return None
        self._times.append(now)
        while self._times and self._times[0] < now - policy.restart_window:
            self._times.popleft()
        if len(self._times) > policy.restart_limit:
            log.error("%s exited with code %d, its %d exit within %gs; giving up", name, code, len(self._times),
                      policy.restart_window)
            return None
        delay = min(MAX_CRASH_BACKOFF, 2.0 ** (len(self._times) - 1))
        log.warning("%s exited with code %d; restarting in %gs", name, code, delay)
        return delay
