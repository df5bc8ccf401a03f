"""Loopback helpers: free ports, and a fake's HTTP server on 127.0.0.1 in a daemon thread."""

from __future__ import annotations

import socket
import threading
from http.server import ThreadingHTTPServer


def free_ports(count: int = 1) -> list[int]:
    """Ports on 127.0.0.1 that nothing listens on now (all bound at once, so distinct, then released)."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class LoopbackServer:
    """Base of the fakes: `_serve(Handler)` starts it; `url` is where botocore is pointed."""

    def _serve(self, handler) -> None:
        self._start(ThreadingHTTPServer(("127.0.0.1", 0), handler))

    def _start(self, server) -> None:
        """Serve with any server that has serve_forever, shutdown and server_close (also werkzeug's)."""
        self.server = server
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
