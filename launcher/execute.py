"""`dapr-aws [exec] -- COMMAND` and `dapr-aws serve`: resolve, serve, supervise.

The `env` path imports no server code (and no boto3): the start-up cost
of `dapr-aws -- cmd` is what the benchmark measures.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, fields

from launcher import childenv, command, credentials, markers, platform, stopping
from launcher.refresh import Refresher
from launcher.supervisor import Policy, Supervisor

log = logging.getLogger("dapr-aws")

@dataclass(frozen=True)
class ExecOptions:
    """What `exec` was asked to do, as parsed by cli.py."""

    argv: list[str]
    profile: str | None = None
    region: str | None = None
    mode: str = "auto"
    stop_timeout: float = 15.0
    refresh_margin: float = 1200.0
    on_expiry: str = "keep"
    restart: str = "no"
    ready_url: str | None = None
    endpoint_port: int = 0
    login: bool | None = None  # None: offer on a terminal; True: sign in when needed; False: never
    mfa_code: str | None = None
    checks: bool = True  # check the Dapr components of a daprd / dapr run command first
    anywhere: dict | None = None  # the IAM Roles Anywhere options given (anywhere/settings.py)

    @classmethod
    def from_values(cls, argv: list[str], values: dict) -> "ExecOptions":
        """From parsed option values (cli.py's or fastpath.py's), keyed by field name."""
        from launcher.anywhere import given_options

        return cls(argv=list(argv), anywhere=given_options(values) or None,
                   **{f.name: values[f.name] for f in fields(cls) if f.name in values and f.name != "argv"})


def choose_mode(requested: str, creds: credentials.Credentials) -> str:
    """`auto`: the endpoint for credentials that expire, env for long-lived keys."""
    if requested != "auto":
        return requested
    return "endpoint" if creds.expires is not None else "env"


def start_refresher(profile: str | None, region: str | None, margin: float, login: bool | None = None,
                    mfa_code: str | None = None, anywhere: dict | None = None) -> Refresher:
    """Resolve now (a person may be asked), and make sure we start with enough time left."""
    from launcher import firstresolve

    creds = firstresolve.resolve(profile, region, login=login, mfa_code=mfa_code, anywhere=anywhere)
    if creds.cacheable and _left(creds) is not None and _left(creds) < margin:
        # Probably a cached session near its end: get a new one before any child starts.
        fresh = firstresolve.resolve(profile, region, login=login, mfa_code=mfa_code, fresh=True, anywhere=anywhere)
        if fresh.expires is not None and fresh.expires > creds.expires:
            creds = fresh
    _describe(creds)
    refresher = None

    def fetch() -> credentials.Credentials:
        # The AWS CLI's cache first: a session renewed by `aws` or another
        # dapr-aws (after an MFA prompt there, say) is picked up as is.
        current = refresher.current
        if not current.cacheable:
            return credentials.resolve(profile, region, interactive=False, anywhere=anywhere)
        cached = credentials.resolve(profile, region, interactive=False)
        if (cached.expires is not None and current.expires is not None and cached.expires > current.expires
                and _left(cached) > margin):
            return cached
        return credentials.resolve(profile, region, fresh=True, interactive=False)

    refresher = Refresher(creds, fetch, margin=margin)
    return refresher


def _left(creds: credentials.Credentials) -> float | None:
    return None if creds.expires is None else creds.expires.timestamp() - _now()


def run(opts: ExecOptions) -> int:
    """Run the command with credentials and return the exit code to exit with."""
    executable = command.locate(opts.argv[0], os.environ.get("PATH"))
    if os.environ.get(markers.ACTIVE) == "1":
        return _pass_through(opts, executable)
    if opts.ready_url:
        from launcher import readiness

        readiness.validate(opts.ready_url)  # a typo fails now, not after a sign-in
    if opts.checks:
        _check_components(opts.argv)
    refresher = start_refresher(opts.profile, opts.region, opts.refresh_margin, opts.login, opts.mfa_code,
                                opts.anywhere)
    mode = choose_mode(opts.mode, refresher.current)
    policy = Policy(stop_timeout=opts.stop_timeout, restart=opts.restart, restart_on_refresh=(mode == "env"),
                    on_expiry=opts.on_expiry)
    observer = _systemd_observer(refresher, opts)
    on_start = None
    ready_url = opts.ready_url or stopping.health_url(opts.argv)
    if ready_url:
        from launcher.readiness import ReadyProbe

        on_start = ReadyProbe(ready_url, on_ready=observer.ready if observer else None).started
    if mode == "env":
        def env_for():
            return childenv.for_env_mode(os.environ, refresher.current)

        return Supervisor(platform.current(), policy, env_for, refresher, on_start=on_start,
                          observer=observer).run(opts.argv, executable)
    from launcher.servers import CredentialServer

    with CredentialServer(mode, refresher, opts.endpoint_port) as server:
        log.debug("%s mode: serving credentials on 127.0.0.1:%d", mode, server.port)
        env = server.child_env(os.environ)
        supervisor = Supervisor(platform.current(), policy, lambda: env, refresher, on_start=on_start,
                                observer=observer)
        return supervisor.run(opts.argv, executable)


def _systemd_observer(refresher: Refresher, opts: ExecOptions):
    """sd_notify and the watchdog, only when systemd started us (NOTIFY_SOCKET or WATCHDOG_USEC)."""
    if not (os.environ.get("NOTIFY_SOCKET") or os.environ.get("WATCHDOG_USEC")):
        return None
    from launcher import systemd

    ready_url = opts.ready_url or stopping.health_url(opts.argv)
    observer = systemd.SystemdObserver(systemd.Notifier(), refresher, opts.stop_timeout, ready_url)
    observer.start_watchdog()
    return observer


def _check_components(argv: list[str]) -> None:
    """Warn about Dapr components that would defeat our credentials (daprd and dapr run only)."""
    kind = stopping.dapr_kind(argv)
    if kind is None:
        return
    from launcher import components

    paths = components.resources_paths(argv)
    if not paths and kind == "dapr run":
        paths = [components.DEFAULT_PATHS[0]]  # dapr run's default
    findings = components.check(paths)
    for finding in findings:
        log.warning("component %s", finding.line())
    if findings:
        log.warning("found %d component problem(s); dapr-aws doctor explains, --no-checks skips this", len(findings))


def _pass_through(opts: ExecOptions, executable: str) -> int:
    """A launcher inside a launcher (or a shim) runs the command as it is."""
    log.debug("%s=1: running %s with the environment as given", markers.ACTIVE, opts.argv[0])
    if os.name == "posix":
        os.execv(executable, opts.argv)  # replaces this process; never returns
    return Supervisor(platform.current(), Policy(stop_timeout=opts.stop_timeout),
                      lambda: dict(os.environ)).run(opts.argv, executable)


def _now() -> float:
    import time

    return time.time()


def _describe(creds: credentials.Credentials) -> None:
    expiry = f", expiring {creds.expires_z()}" if creds.expires else ""
    log.debug("credentials for %s from %s%s", creds.access_key, creds.source, expiry)
    if creds.certificate:
        cert = creds.certificate
        log.debug("certificate %s, serial %s, valid until %s", cert["Subject"], cert["Serial"], cert["NotAfter"])
    if creds.region is None:
        log.warning("no AWS region is set; pass --region or set region in the profile "
                    "(the child gets no AWS_REGION)")
    else:
        log.debug("region %s from %s", creds.region, creds.region_source)
