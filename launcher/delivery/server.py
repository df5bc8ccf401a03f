"""A served mode's running credential server: its route on 127.0.0.1, started before the
child and stopped after it, and the empty AWS config file its children get.

The mode modules (endpoint.py, imds.py) subclass it with their route, URL and child
environment.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping

from launcher import markers
from launcher.delivery import http


def _sweep_stale_dirs() -> None:
    """Remove the folders of launchers that died without removing theirs (killed with SIGKILL)."""
    root = tempfile.gettempdir()
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        parts = name.split("-")
        if len(parts) != 4 or parts[:2] != ["dapr", "aws"] or not parts[2].isdigit():
            continue
        path = os.path.join(root, name)
        try:
            if os.lstat(path).st_uid != os.geteuid() or _running(int(parts[2])):
                continue
        except (OSError, AttributeError):  # gone already; no geteuid on Windows
            continue
        shutil.rmtree(path, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


class CredentialServer:
    """A route served on 127.0.0.1; a context manager that stops it and removes its files."""

    HOST = "127.0.0.1"
    ROUTE = None  # the route class a mode serves: called with the refresher

    def __init__(self, refresher, port: int = 0):
        self.route = route = self.ROUTE(refresher)
        self.refresher = refresher
        self.server = http.Server(http.bind(self.HOST, port), route).start()
        self.port = self.server.port
        _sweep_stale_dirs()
        self._dir = tempfile.mkdtemp(prefix=f"dapr-aws-{os.getpid()}-")
        # An empty config and credentials file for the child: a [default] profile with static
        # keys in ~/.aws/credentials would otherwise beat the server.
        self.empty_file = os.path.join(self._dir, "empty-aws-config")
        os.close(os.open(self.empty_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))

    @property
    def url(self) -> str:
        raise NotImplementedError

    def child_env(self, base: Mapping[str, str]) -> dict[str, str]:
        """The child's environment for this server (scrubbed, then set)."""
        raise NotImplementedError

    def client_vars(self) -> dict[str, str]:
        """Only the variables we set (what `dapr-aws serve` prints)."""
        full = self.child_env({})
        full.pop(markers.ACTIVE, None)
        full.pop(markers.TREE, None)  # only meaningful for our own children
        for name in ("NO_PROXY", "no_proxy"):  # the caller's own setting: never overwritten by an export
            full.pop(name, None)
        return full

    def describe(self) -> str:
        return f"serving credentials on {self.HOST}:{self.port}"

    def close(self) -> None:
        self.server.stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
