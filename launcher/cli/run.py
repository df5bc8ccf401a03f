"""The run commands wired: `dapr-aws [exec] -- COMMAND` and `dapr-aws serve`.

Wiring only: the credentials (sources), how they reach the child (delivery), the
supervision (process), what Dapr needs (dapr) and systemd (ops) each decide in their
own package. The path to an env-mode child imports no server code, no click and no
boto3: the start-up cost of `dapr-aws -- cmd` is what scripts/bench measures.
"""

from __future__ import annotations

import logging
import os
from typing import NamedTuple

from launcher import delivery, markers, sources

log = logging.getLogger("dapr-aws")


def collect_from_now() -> None:
    """The garbage collector back on for a long-running launcher (entry.py turned it off),
    leaving out the objects start-up made: they live as long as we do."""
    import gc

    gc.freeze()
    gc.enable()
    log.debug("garbage collector on, %d start-up objects frozen", gc.get_freeze_count())


class ExecOptions(NamedTuple):  # not a dataclass: each frozen one costs ~1.5 ms of start-up
    """What `exec` was asked to do, from either parser's values (cli/table.py's keys)."""

    argv: list[str]
    request: sources.Request = sources.Request()
    mode: str = delivery.AUTO
    stop_timeout: float = 15.0
    refresh_margin: float = 1200.0
    fetch_timeout: float = 60.0
    on_expiry: str = "keep"
    restart: str = "no"
    ready_url: str | None = None
    endpoint_port: int = 0
    login: bool | None = None  # None: offer on a terminal; True: sign in when needed; False: never
    checks: bool = True  # check the Dapr components of a daprd / dapr run command first

    @classmethod
    def from_values(cls, argv: list[str], values: dict) -> "ExecOptions":
        return cls(argv=list(argv), request=sources.Request.from_values(values),
                   **{name: values[name] for name in cls._fields if name in values and name not in ("argv", "request")})


def run(opts: ExecOptions) -> int:
    """Run the command with credentials and return the exit code to exit with."""
    from launcher.dapr import cmdline, tree
    from launcher.process import command, platform
    from launcher.process.supervisor import Policy, Supervisor

    executable = command.locate(opts.argv[0], os.environ.get("PATH"))
    stop_order = tree.stop_order(opts.argv)
    if os.environ.get(markers.ACTIVE) == "1":
        from launcher.process import passthrough

        log.debug("%s=1: running %s with the environment as given", markers.ACTIVE, opts.argv[0])
        collect_from_now()
        return passthrough.run(opts.argv, executable, opts.stop_timeout, stop_order)
    ready_url = opts.ready_url or cmdline.health_url(opts.argv)
    if opts.ready_url:
        from launcher.process import readiness

        readiness.validate(opts.ready_url)  # a typo fails now, not after a sign-in
    if opts.checks and cmdline.dapr_kind(opts.argv):
        from launcher.dapr import components

        components.warn_about(opts.argv)
    from launcher.sources import keeping

    refresher = keeping.start_refresher(opts.request, opts.refresh_margin, opts.login, opts.fetch_timeout)
    mode = delivery.choose(opts.mode, refresher.current)
    policy = Policy(stop_timeout=opts.stop_timeout, restart=opts.restart,
                    restart_on_refresh=delivery.MODES[mode].restart_on_refresh, on_expiry=opts.on_expiry)
    observer = _systemd_observer(refresher, opts.stop_timeout, ready_url)
    on_start = None
    if ready_url:
        from launcher.process.readiness import ReadyProbe

        on_start = ReadyProbe(ready_url, on_ready=observer.ready if observer else None).started
    with delivery.open_channel(mode, refresher, opts.endpoint_port) as channel:
        log.debug("%s mode: %s", mode, channel.describe())
        collect_from_now()
        supervisor = Supervisor(platform.current(), policy, lambda: channel.child_env(os.environ), refresher,
                                on_start=on_start, observer=observer, stop_order=stop_order)
        return supervisor.run(opts.argv, executable)


def serve(request: sources.Request, login: bool | None, margin: float, fetch_timeout: float, mode: str, port: int,
          fmt: str) -> int:
    """`dapr-aws serve`: the credential server of `mode` with no child, until a stop signal."""
    import sys

    from launcher.delivery import exports
    from launcher.process import platform
    from launcher.process.supervisor import Supervisor
    from launcher.sources import keeping

    refresher = keeping.start_refresher(request, margin, login, fetch_timeout)
    with delivery.open_channel(mode, refresher, port) as server:
        collect_from_now()

        def announce() -> None:
            sys.stdout.write(exports.render_vars(server.client_vars(), fmt))
            sys.stdout.flush()
            log.info("%s: %s; stop with Ctrl+C", mode, server.describe())

        return Supervisor(platform.current(), refresher=refresher).serve(announce)


def _systemd_observer(refresher, stop_timeout: float, ready_url: str | None):
    """sd_notify and the watchdog, only when systemd started us (NOTIFY_SOCKET or WATCHDOG_USEC)."""
    if not (os.environ.get("NOTIFY_SOCKET") or os.environ.get("WATCHDOG_USEC")):
        return None
    from launcher.ops import systemd

    observer = systemd.SystemdObserver(systemd.Notifier(), refresher, stop_timeout, ready_url)
    observer.start_watchdog()
    return observer
