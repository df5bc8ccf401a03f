"""No child: keep the credentials fresh for a server until a stop signal (`dapr-aws serve`).

The same refresher, signals and schedule as with a child: SIGHUP refreshes now,
TERM/INT stop; the loop sleeps until the next refresh or expiry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger("dapr-aws")


def keep_fresh(plat, refresher, announce: Callable[[], None]) -> int:
    """Install the handlers, `announce()` (a client may signal us as soon as it has read it),
    then refresh on schedule until SIGTERM/SIGINT; returns 0."""
    pending: list[int] = []
    plat.install_handlers(pending.append)
    try:
        announce()
        while True:
            while pending:
                signum = pending.pop(0)
                if signum in plat.STOP_SIGNALS:
                    log.info("stopping")
                    return 0
                if signum == getattr(plat, "REFRESH_SIGNAL", None):
                    refresher.request_now()
            refresher.take_result()
            if refresher.due() and not refresher.in_flight:
                refresher.begin(plat.wake)
            if refresher.note_expired_once():
                log.warning("the credentials expired and no new ones came; clients get 503 until a refresh "
                            "succeeds")
            waits = [w for w in (refresher.seconds_until_due(), refresher.seconds_until_expiry()) if w]
            plat.wait_for_event(None, min(waits) if waits else None)
    finally:
        plat.restore_handlers()
