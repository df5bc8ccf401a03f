"""`dapr-aws serve`: run the credential endpoint with no child, until stopped.

Prints the variables a process on this machine needs to use it, then keeps
the credentials fresh exactly as it does for a child.
"""

from __future__ import annotations

import logging
import sys

from launcher import exports, platform
from launcher.servers import CredentialServer

log = logging.getLogger("dapr-aws")


def serve(refresher, mode: str, port: int, fmt: str, out=sys.stdout) -> int:
    """Serve until SIGTERM/SIGINT; returns 0."""
    plat = platform.current()
    pending: list[int] = []
    with CredentialServer(mode, refresher, port) as server:
        # Handlers first: a client may signal us as soon as it has read what we print.
        plat.install_handlers(pending.append)
        out.write(exports.render_vars(server.client_vars(), fmt))
        out.flush()
        log.info("serving %s credentials on 127.0.0.1:%d; stop with Ctrl+C", mode, server.port)
        try:
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
