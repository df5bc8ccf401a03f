"""Starting and stopping the credential endpoint of a mode, with its child environment.

`endpoint` and `imds` modes need a server that runs before the child starts
and stops after it exits, plus an empty AWS config file for the child.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping

from launcher import childenv, endpoint, httpserve, markers

HOST = "127.0.0.1"


class CredentialServer:
    """The running server of one mode and the environment a client needs to use it."""

    def __init__(self, mode: str, refresher, port: int = 0):
        self.mode = mode
        self.refresher = refresher
        sock = httpserve.bind(HOST, port)
        if mode == "imds":
            self.route = endpoint.ImdsRoute(refresher)
        else:
            self.route = endpoint.ContainerRoute(refresher)
        self.server = httpserve.Server(sock, self.route).start()
        self.port = self.server.port
        self._dir = tempfile.mkdtemp(prefix="dapr-aws-")
        self.empty_file = os.path.join(self._dir, "empty-aws-config")
        fd = os.open(self.empty_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)

    @property
    def url(self) -> str:
        if self.mode == "imds":
            return f"http://{HOST}:{self.port}/"
        return f"http://{HOST}:{self.port}{self.route.path}"

    def child_env(self, base: Mapping[str, str]) -> dict[str, str]:
        """The child's environment for this server (scrubbed, then set)."""
        region = self.refresher.current.region
        if self.mode == "imds":
            return childenv.for_imds_mode(base, self.url, region, self.empty_file)
        return childenv.for_endpoint_mode(base, self.url, self.route.token, region, self.empty_file)

    def client_vars(self) -> dict[str, str]:
        """Only the variables we set (for `dapr-aws serve` to print)."""
        full = self.child_env({})
        full.pop(markers.ACTIVE, None)
        full.pop(markers.TREE, None)  # only meaningful for our own children
        return full

    def close(self) -> None:
        self.server.stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
