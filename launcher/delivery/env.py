"""`env` mode: the credentials themselves in the child's environment.

Every SDK reads them, but a running process never sees new ones: the
supervisor restarts the child for each refresh (`restart_on_refresh`).
"""

from __future__ import annotations

from collections.abc import Mapping

from launcher.delivery import childenv


class EnvChannel:
    """Nothing runs beside the child: each start gets the credentials current at that moment."""

    def __init__(self, refresher, port: int = 0):
        self.refresher = refresher

    def child_env(self, base: Mapping[str, str]) -> dict[str, str]:
        return childenv.for_env_mode(base, self.refresher.current)

    def describe(self) -> str:
        return "the credentials are in the child's environment"

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
