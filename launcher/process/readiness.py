"""`--ready-url`: after each start, poll the child's health URL until it answers 2xx.

Runs in a thread per start; a newer start (or the child's exit) ends the
older poll. Only loopback-style URLs are expected (daprd's /v1.0/healthz),
so proxies from the environment are ignored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("dapr-aws")


def validate(url: str) -> str:
    """An http(s) URL with a host, or a usage error naming the remedy."""
    from urllib.parse import urlsplit

    from launcher.errors import EXIT_USAGE, LauncherError

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LauncherError(f"--ready-url {url!r} is not an http:// URL",
                            "e.g. --ready-url http://127.0.0.1:3500/v1.0/healthz", exit_code=EXIT_USAGE)
    return url


class ReadyProbe:
    """Polls `url` after each start and reports readiness once per start."""

    def __init__(self, url: str, interval: float = 0.2, attempt_timeout: float = 1.0,
                 on_ready: Callable[[float], None] | None = None):
        self.url = url
        self.interval = interval
        self.attempt_timeout = attempt_timeout
        self.on_ready = on_ready
        self._generation = 0

    def started(self, proc) -> None:
        """Begin polling for the child `proc` that just started."""
        self._generation += 1
        threading.Thread(target=self._poll, args=(self._generation, proc, time.monotonic()),
                         name="dapr-aws-ready", daemon=True).start()

    def _poll(self, generation: int, proc, started: float) -> None:
        from launcher.loopback import status_of

        while generation == self._generation and proc.returncode is None:
            status = status_of(self.url, timeout=self.attempt_timeout)  # None: not listening yet
            if status is not None and 200 <= status < 300:
                took = time.monotonic() - started
                log.info("ready after %.2fs (%s answered %d)", took, self.url, status)
                if self.on_ready is not None:
                    self.on_ready(took)
                return
            time.sleep(self.interval)
