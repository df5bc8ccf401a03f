"""What the supervisor is told: its policy, and the stop order of the child's tree."""

from __future__ import annotations

from typing import NamedTuple


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
