"""How credentials reach a child: the delivery modes, found by name in one registry.

    env       the credentials in the child's environment; a refresh restarts the child
    endpoint  a container-credentials endpoint on 127.0.0.1 that the child's SDK polls
    imds      an IMDSv2 emulation on 127.0.0.1, for clients that read no container endpoint

A mode is one module and one entry in MODES below. Its channel class is opened with
(refresher, port) before the child starts, gives each start its environment
(`child_env(base)`), says what it does (`describe()`) and is closed after the child
(a context manager). Importing this package is cheap (the fast path reads MODES): a mode's
module is imported only when it is chosen, so env mode never loads server code. Also here:
the credential server and its HTTP layer (server.py, http.py, routes.py), the child's
environment (childenv.py) and the printed formats (exports.py).

Imports sources' Credentials value and the shared helpers; never process, dapr, ops or cli.
"""

from __future__ import annotations

import importlib
from collections import namedtuple


# channel: "module:Class", imported only when the mode is chosen; restart_on_refresh: the child
# sees new credentials only when it starts again; serves: `dapr-aws serve` can run it, with no child.
Mode = namedtuple("Mode", "channel restart_on_refresh serves")


MODES = {
    "env": Mode("launcher.delivery.env:EnvChannel", restart_on_refresh=True, serves=False),
    "endpoint": Mode("launcher.delivery.endpoint:EndpointServer", restart_on_refresh=False, serves=True),
    "imds": Mode("launcher.delivery.imds:ImdsServer", restart_on_refresh=False, serves=True),
}
AUTO = "auto"
CHOICES = (AUTO, *MODES)  # what --mode takes
SERVED = tuple(name for name, mode in MODES.items() if mode.serves)  # what `serve --mode` takes


def choose(requested: str, creds) -> str:
    """`auto`: the endpoint for credentials that expire, env for long-lived keys."""
    if requested != AUTO:
        return requested
    return "endpoint" if creds.expires is not None else "env"


def open_channel(name: str, refresher, port: int = 0):
    """Start mode `name` for `refresher`'s credentials (a context manager)."""
    module, _, cls = MODES[name].channel.partition(":")
    return getattr(importlib.import_module(module), cls)(refresher, port)
