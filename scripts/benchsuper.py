"""Supervision figures for scripts/bench: what the launcher costs while it waits, and how often it
asks upstream.

* CPU time of the launcher during a 3-s drain (a crash restart waiting for a grandchild that
  takes 3 s to stop; goal under 50 ms) and over 10 s of idle supervision (goal 0);
* upstream attempts per credential lifetime for 15-minute, 1-hour and 12-hour credentials
  (goal 1), and attempts per minute after the first minute for a source that keeps answering
  the same credentials (goal at most 1). These run the real Refresher on a simulated clock:
  12 hours cannot be waited for. Each attempt is one upstream call when its first answer has
  enough time left, else two (the AWS CLI's cache, then a fresh call; sources/keeping.py).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIGCHILD = ROOT / "tests" / "helpers" / "sigchild.py"


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _wait(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        time.sleep(0.02)


def _cpu(proc) -> float:
    times = proc.cpu_times()
    return times.user + times.system


def cpu_while_waiting(report, env: dict, home: Path, launcher: str) -> None:
    import psutil

    record = home / "drain-record.txt"
    proc = subprocess.Popen([launcher, "--profile", "static", "--restart", "always", "--stop-timeout", "20s", "--",
                             sys.executable, str(SIGCHILD), str(record), "--slow-grandchild", "3",
                             "--exit-after", "0.5"], env=env, stderr=subprocess.DEVNULL)
    try:
        me = psutil.Process(proc.pid)
        _wait(lambda: "grandchild-term" in _lines(record), 20)
        before = _cpu(me)
        _wait(lambda: "grandchild-gone" in _lines(record), 20)
        drain = _cpu(me) - before
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    proc = subprocess.Popen([launcher, "--profile", "static", "--", "sleep", "60"], env=env)
    try:
        me = psutil.Process(proc.pid)
        _wait(lambda: me.children(), 10)
        time.sleep(0.5)  # past start-up
        before = _cpu(me)
        time.sleep(10)
        idle = _cpu(me) - before
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    report.line(f"launcher CPU while waiting: {drain * 1000:.0f} ms during a 3-s drain (goal < 50 ms), "
                f"{idle * 1000:.0f} ms over 10 s idle (goal 0)")


class _Creds:
    def __init__(self, n: int, expires: datetime):
        self.access_key = self.secret_key = f"K{n}"
        self.expires = expires
        self.source = "simulated"
        self.region = None

    def expires_z(self) -> str:
        return self.expires.isoformat()


def _simulate(lifetime: float, hours: float, same: bool) -> tuple[list[float], int]:
    """Times (s) of the refresher's attempts over `hours` on a simulated clock, and how many
    new credentials they brought."""
    from launcher.sources.refresher import Refresher

    now = [0.0]
    epoch = datetime(2030, 1, 1, tzinfo=timezone.utc)
    serial = [0]

    def fetch():
        if not same:
            serial[0] += 1
        return _Creds(serial[0], epoch + timedelta(seconds=now[0] + lifetime) if not same else first.expires)

    first = _Creds(0, epoch + timedelta(seconds=lifetime))
    refresher = Refresher(first, fetch, margin=1200, clock=lambda: epoch.timestamp() + now[0],
                          monotonic=lambda: now[0], rng=lambda: 0.5)
    attempts = []
    while now[0] < hours * 3600:
        wait = refresher.seconds_until_due()
        if wait is None:
            break
        now[0] += wait
        attempts.append(now[0])
        refresher.attempt()
    return attempts, serial[0]


def upstream_attempts(report) -> None:
    rows = []
    for label, lifetime in (("15 minutes", 900), ("1 hour", 3600), ("12 hours", 43200)):
        attempts, issued = _simulate(lifetime, hours=48, same=False)
        rows.append([label, f"{len(attempts) / issued:.2f} per new credentials ({len(attempts)} in 48 h)", "1"])
    # A source that keeps answering the same 1-hour credentials from its first refresh on.
    same, _ = _simulate(3600, hours=3, same=True)
    gaps = [b - a for a, b in zip(same, same[1:]) if a >= same[0] + 60]
    rows.append(["1 hour, the source answering the same",
                 f"{len([t for t in same if t < same[0] + 60])} in the first minute, then one every "
                 f"{min(gaps):.0f} s or more", "<= 1 a minute after the first"])
    report.table("upstream attempts of the refresher (the real Refresher on a simulated clock):",
                 ["credentials living", "attempts", "goal"], rows)
