"""A small HTTP/1.1 server for loopback credential endpoints (asyncio, one thread).

Why not http.server: the endpoint must answer thousands of requests per
second with keep-alive and a p99 in milliseconds while sharing two cores
with daprd, and a slow or idle client must never stall the others. An
asyncio protocol does that in one thread with no per-connection threads.

The routes are plain functions `route(method, target, headers) ->
(status, body, extra_headers)`; they run on the server thread and must not
block (they only read the refresher's current credentials).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import threading

from launcher.errors import ConfigError

log = logging.getLogger("dapr-aws")

MAX_HEAD = 16 * 1024
MAX_BODY = 64 * 1024
IDLE_TIMEOUT = 60.0  # an idle keep-alive connection is closed after this
HEAD_TIMEOUT = 5.0  # a request head must be complete this long after its first byte (slowloris)
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 413: "Payload Too Large", 431: "Request Header Fields Too Large",
           503: "Service Unavailable"}


def bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket now, so that "port in use" fails before the child starts."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
            raise ConfigError(f"port {port} on {host} is already in use",
                              "pick another --endpoint-port, or 0 for any free port") from None
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                          "pick another --endpoint-port") from None
    sock.setblocking(False)
    return sock


class _Connection(asyncio.Protocol):
    def __init__(self, route, loop):
        self.route = route
        self.loop = loop
        self.buffer = b""
        self.transport = None
        self.idle = None
        self.head_timer = None

    def connection_made(self, transport):
        self.transport = transport
        self._touch()

    def connection_lost(self, exc):
        for timer in (self.idle, self.head_timer):
            if timer is not None:
                timer.cancel()

    def _touch(self):
        if self.idle is not None:
            self.idle.cancel()
        self.idle = self.loop.call_later(IDLE_TIMEOUT, self.transport.close)

    def data_received(self, data):
        self._touch()
        self.buffer += data
        if self.head_timer is None:
            self.head_timer = self.loop.call_later(HEAD_TIMEOUT, self.transport.close)
        self._process()
        if not self.buffer and self.head_timer is not None:
            self.head_timer.cancel()  # nothing half-sent is pending
            self.head_timer = None

    def _process(self):
        while self.transport is not None and not self.transport.is_closing():
            end = self.buffer.find(b"\r\n\r\n")
            if end > MAX_HEAD or (end < 0 and len(self.buffer) > MAX_HEAD):
                self._reply(431, b'{"message":"request head too large"}', (), keep=False)
                return
            if end < 0:
                return
            head, rest = self.buffer[:end].decode("latin-1"), self.buffer[end + 4:]
            lines = head.split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
                self._reply(400, b'{"message":"bad request line"}', (), keep=False)
                return
            method, target, version = parts
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            try:
                length = int(headers.get("content-length", "0") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                self._reply(413, b'{"message":"bad or too large body"}', (), keep=False)
                return
            if len(rest) < length:
                return  # wait for the body
            self.buffer = rest[length:]
            if self.head_timer is not None:  # a whole request arrived: the next one gets its own clock
                self.head_timer.cancel()
                self.head_timer = None
            conn = headers.get("connection", "").lower()
            keep = conn != "close" if version == "HTTP/1.1" else conn == "keep-alive"
            try:
                status, body, extra = self.route(method, target, headers)
            except Exception:  # a bug in a route must not take the server down
                log.exception("endpoint route failed")
                status, body, extra = 503, b'{"message":"internal error"}', ()
            self._reply(status, body, extra, keep)

    def _reply(self, status, body, extra, keep):
        head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}",
                "Content-Type: " + dict(extra).get("Content-Type", "application/json"),
                f"Content-Length: {len(body)}",
                "Connection: " + ("keep-alive" if keep else "close")]
        head += [f"{k}: {v}" for k, v in extra if k != "Content-Type"]
        self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        if not keep:
            self.transport.close()


class Server:
    """Serves one route on an already bound socket from a background thread."""

    def __init__(self, sock: socket.socket, route):
        self.sock = sock
        self.route = route
        self.port = sock.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="dapr-aws-endpoint", daemon=True)
        self._ready = threading.Event()

    def _run(self):
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            self.loop.create_server(lambda: _Connection(self.route, self.loop), sock=self.sock))
        self._ready.set()
        try:
            self.loop.run_forever()
        finally:
            # No wait_closed(): since 3.12 it waits for idle keep-alive clients.
            server.close()
            self.loop.close()

    def start(self) -> "Server":
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
