"""Running under systemd: sd_notify, the watchdog, and journald-friendly logs.

Written with the standard library only (a datagram to NOTIFY_SOCKET):
* READY=1 once the child is ready (its --ready-url answered 2xx, else once it started);
* STATUS= with the credential source and when they expire;
* RELOADING=1 ... READY=1 around a credential refresh or restart;
* STOPPING=1 and EXTEND_TIMEOUT_USEC while a graceful stop runs;
* WATCHDOG=1 at half of WATCHDOG_USEC, only while the child runs and is healthy.
Without NOTIFY_SOCKET every call is a no-op.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

log = logging.getLogger("dapr-aws")


class Notifier:
    """Sends sd_notify datagrams; silent when not started by systemd."""

    def __init__(self, env=os.environ):
        self.address = env.get("NOTIFY_SOCKET") or None
        if self.address and self.address.startswith("@"):
            self.address = "\0" + self.address[1:]  # abstract namespace
        self.watchdog_interval = _watchdog_interval(env)
        self._sock = None
        self._lock = threading.Lock()

    def notify(self, *fields: str) -> None:
        if not self.address:
            return
        message = "\n".join(fields).encode()
        with self._lock:
            try:
                if self._sock is None:
                    self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._sock.sendto(message, self.address)
            except OSError as exc:  # systemd went away: nothing else to do
                log.debug("sd_notify failed: %s", exc)


def _watchdog_interval(env) -> float | None:
    """Seconds between pings (half of WATCHDOG_USEC), when the watchdog is meant for us."""
    usec = env.get("WATCHDOG_USEC")
    pid = env.get("WATCHDOG_PID")
    if not usec or not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid.isdigit() and int(pid) != os.getpid():
        return None
    return int(usec) / 1e6 / 2


class SystemdObserver:
    """Turns the supervisor's events into sd_notify messages, and runs the watchdog."""

    def __init__(self, notifier: Notifier, refresher, stop_timeout: float, ready_url: str | None):
        self.n = notifier
        self.refresher = refresher
        self.stop_timeout = stop_timeout
        self.ready_url = ready_url
        self.proc = None
        # READY=1 means "started" to systemd: never say it, not even after a refresh, before the child was ready.
        self.was_ready = False
        # Between stopping the child for new credentials and starting the next one: the watchdog
        # keeps pinging, since that drain may take longer than WatchdogSec (daprd's graceful + 5 s).
        self.restarting = False

    def status(self) -> str:
        c = self.refresher.current if self.refresher is not None else None
        if c is None:
            return "STATUS=running"
        expiry = f"expire {c.expires_z()}" if c.expires else "do not expire"
        pid = f"; child pid {self.proc.pid}" if self.proc is not None else ""
        return f"STATUS=credentials from {c.source} ({c.access_key}) {expiry}{pid}"

    def started(self, proc) -> None:
        self.proc = proc
        self.restarting = False
        if not self.ready_url:
            self.ready()

    def ready(self, _took: float | None = None) -> None:
        self.was_ready = True
        self.n.notify("READY=1", self.status())

    def refreshing(self) -> None:
        if self.was_ready:
            self.n.notify("RELOADING=1", f"MONOTONIC_USEC={int(time.monotonic() * 1e6)}", self.status())
        else:
            self.n.notify(self.status())

    def refreshed(self) -> None:
        if self.was_ready:
            self.n.notify("READY=1", self.status())
        else:
            self.n.notify(self.status())

    def stopping(self, reason: str) -> None:
        extend = f"EXTEND_TIMEOUT_USEC={int((self.stop_timeout + 5) * 1e6)}"
        if reason == "refresh":
            self.restarting = True
            reloading = ("RELOADING=1", f"MONOTONIC_USEC={int(time.monotonic() * 1e6)}") if self.was_ready else ()
            self.n.notify(*reloading, extend, "STATUS=restarting the child with new credentials")
        else:
            self.n.notify("STOPPING=1", extend, "STATUS=stopping")

    def start_watchdog(self) -> None:
        if self.n.watchdog_interval is None:
            return
        threading.Thread(target=self._watchdog, name="dapr-aws-watchdog", daemon=True).start()

    def _watchdog(self) -> None:
        from launcher.loopback import answers_2xx

        interval = self.n.watchdog_interval
        while True:
            time.sleep(interval)
            if self.should_ping(lambda: answers_2xx(self.ready_url, timeout=min(1.0, interval))):
                self.n.notify("WATCHDOG=1")

    def should_ping(self, healthy) -> bool:
        """A ping while a restart for credentials runs, or while the child runs and `healthy()` says so.

        No ping from an unhealthy or exited child: systemd then restarts us after WatchdogSec.
        """
        if self.restarting:
            return True
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return False
        return not self.ready_url or healthy()

