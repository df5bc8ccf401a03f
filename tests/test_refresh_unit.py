"""The refresher's schedule, backoff and logging, with an injected clock and fetch."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest

from launcher.sources.credentials import Credentials
from launcher.errors import LoginNeeded
from launcher.sources.refresher import FAILED, UNCHANGED, UPDATED, Refresher, refresh_delay


class Clock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def creds(key, expires_at, secret="s"):
    expires = None if expires_at is None else datetime.fromtimestamp(expires_at, timezone.utc)
    return Credentials(key, secret + key, "t" + key, expires, "test", "eu-west-1")


@pytest.mark.parametrize("lifetime,margin,expected", [
    (3600, 1200, 2400),      # 1h credentials: refresh 20 minutes before expiry
    (43200, 1200, 42000),    # 12h credentials: the same margin
    (1800, 1200, 1200),      # 30 min < three margins: at two thirds of the lifetime
    (900, 1200, 600),
    (6, 1, 5),
])
def test_refresh_delay(lifetime, margin, expected):
    assert refresh_delay(lifetime, margin) == pytest.approx(expected)


def test_schedule_with_jitter_bounded():
    clock = Clock()
    for r in (0.0, 0.5, 0.999):
        refresher = Refresher(creds("A", clock.now + 3600), lambda: None, margin=1200, clock=clock, monotonic=clock, rng=lambda: r)
        due = refresher.seconds_until_due()
        assert 2400 - 30 <= due <= 2400
    assert Refresher(creds("A", clock.now + 3600), lambda: None, clock=clock, monotonic=clock, rng=lambda: 0.0).seconds_until_due() == 2400


def test_long_lived_keys_are_never_due_until_asked():
    clock = Clock()
    refresher = Refresher(creds("A", None), lambda: creds("B", None), clock=clock, monotonic=clock, rng=lambda: 0)
    assert refresher.seconds_until_due() is None and not refresher.due()
    refresher.request_now()
    assert refresher.due()
    assert refresher.attempt() == UPDATED and refresher.current.access_key == "B"
    assert refresher.seconds_until_due() is None


def test_failures_back_off_to_a_minute_and_log_once_per_change(caplog):
    clock = Clock()
    state = {"fail": True, "n": 0}

    def fetch():
        if state["fail"]:
            raise LoginNeeded("the SSO session of profile 'dev' is missing or expired", "run: aws sso login")
        state["n"] += 1
        return creds(f"N{state['n']}", clock.now + 3600)

    refresher = Refresher(creds("A", clock.now + 3600), fetch, margin=1200, clock=clock, monotonic=clock, rng=lambda: 0)
    clock.now += 2400
    delays = []
    with caplog.at_level(logging.INFO, logger="dapr-aws"):
        for _ in range(9):
            assert refresher.due()
            assert refresher.attempt() == FAILED
            delays.append(refresher.seconds_until_due())
            clock.now += delays[-1]
        assert refresher.current.access_key == "A"  # kept through the failures
        state["fail"] = False
        assert refresher.attempt() == UPDATED
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    messages = [r.getMessage() for r in caplog.records]
    assert sum("refresh failed" in m for m in messages) == 1
    assert "aws sso login" in next(m for m in messages if "refresh failed" in m)
    assert sum("recovered after 9" in m for m in messages) == 1
    assert refresher.current.access_key == "N1"


def test_same_credentials_again_are_not_an_update():
    clock = Clock()
    same = creds("A", clock.now + 3600)
    refresher = Refresher(same, lambda: same, clock=clock, monotonic=clock, rng=lambda: 0)
    refresher.request_now()
    assert refresher.attempt() == UNCHANGED
    assert 0 < refresher.seconds_until_due() <= 60


def test_expiry_is_noted_once():
    clock = Clock()
    refresher = Refresher(creds("A", clock.now + 10), lambda: None, clock=clock, monotonic=clock, rng=lambda: 0)
    assert not refresher.expired() and not refresher.note_expired_once()
    clock.now += 11
    assert refresher.expired()
    assert refresher.note_expired_once() and not refresher.note_expired_once()


def test_background_refresh_wakes_the_caller():
    import threading

    clock = Clock()
    woke = threading.Event()
    refresher = Refresher(creds("A", clock.now + 3600), lambda: creds("B", clock.now + 7200), clock=clock,
                          monotonic=clock)
    refresher.request_now()
    refresher.begin(woke.set)
    assert woke.wait(5)
    assert refresher.take_result() == UPDATED
    assert refresher.take_result() is None
    assert refresher.current.access_key == "B"


def test_a_wall_clock_jump_neither_loops_nor_misses_a_refresh():
    wall, mono = Clock(), Clock(500.0)
    calls = []

    def fetch():
        calls.append(wall.now)
        return creds(f"N{len(calls)}", wall.now + 3600)

    refresher = Refresher(creds("A", wall.now + 3600), fetch, margin=1200, clock=wall, monotonic=mono, rng=lambda: 0)
    wall.now -= 7200  # the wall clock jumps back two hours: the schedule does not move
    mono.now += 2400
    assert refresher.due()
    wall.now += 2400
    assert refresher.attempt() == UPDATED
    wall.now += 10_000  # and forward: one refresh is not followed by another
    assert not refresher.due()
    assert refresher.seconds_until_due() == pytest.approx(2400)
    assert len(calls) == 1
