"""A fake NOTIFY_SOCKET (systemd's sd_notify), path or abstract, collecting what is sent to it."""

from __future__ import annotations

import os
import socket
import threading
import time


class NotifyListener:
    """A fake NOTIFY_SOCKET: collects (time, fields) datagrams."""

    def __init__(self, tmp_path, abstract: bool):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = f"dapr-aws-test-{os.getpid()}-{time.monotonic_ns()}"
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            path = str(tmp_path / "notify.sock")
            self.sock.bind(path)
            self.address = path
        self.messages = []
        self.sock.settimeout(0.2)
        self._stop = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while not self._stop:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            self.messages.append((time.time(), data.decode().split("\n")))

    def fields(self):
        return [f for _, fields in self.messages for f in fields]

    def times(self, field):
        return [t for t, fields in self.messages if field in fields]

    def close(self):
        self._stop = True
        self.sock.close()
