"""`dapr-aws [exec] -- COMMAND`: resolve, build the child's environment, supervise.

This is the start-up path whose cost the benchmark measures: it imports
only what the `env` mode needs (no boto3, no server code).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from launcher import childenv, command, credentials, platform
from launcher.errors import LauncherError, EXIT_USAGE
from launcher.supervisor import Supervisor

log = logging.getLogger("dapr-aws")

MODES = ("auto", "env", "endpoint", "imds")


@dataclass(frozen=True)
class ExecOptions:
    """What `exec` was asked to do, as parsed by cli.py."""

    argv: list[str]
    profile: str | None = None
    region: str | None = None
    mode: str = "auto"
    stop_timeout: float = 15.0


def run(opts: ExecOptions) -> int:
    """Run the command with credentials and return the exit code to exit with."""
    executable = command.locate(opts.argv[0], os.environ.get("PATH"))
    if os.environ.get(childenv.ACTIVE_MARKER) == "1":
        return _pass_through(opts, executable)
    if opts.mode in ("endpoint", "imds"):
        raise LauncherError(f"--mode {opts.mode} is not available in this version yet",
                            "use --mode env (or auto)", exit_code=EXIT_USAGE)
    creds = credentials.resolve(opts.profile, opts.region)
    _describe(creds)
    env = childenv.for_env_mode(os.environ, creds)
    return Supervisor(platform.current(), stop_timeout=opts.stop_timeout).run(opts.argv, env, executable)


def _pass_through(opts: ExecOptions, executable: str) -> int:
    """A launcher inside a launcher (or a shim) runs the command as it is."""
    log.debug("%s=1: running %s with the environment as given", childenv.ACTIVE_MARKER, opts.argv[0])
    if os.name == "posix":
        os.execv(executable, opts.argv)  # replaces this process; never returns
    return Supervisor(platform.current(), stop_timeout=opts.stop_timeout).run(
        opts.argv, dict(os.environ), executable
    )


def _describe(creds: credentials.Credentials) -> None:
    expiry = f", expiring {creds.expires_z()}" if creds.expires else ""
    log.debug("credentials for %s from %s%s", creds.access_key, creds.source, expiry)
    if creds.region is None:
        log.warning("no AWS region is set; pass --region or set region in the profile "
                    "(the child gets no AWS_REGION)")
    else:
        log.debug("region %s from %s", creds.region, creds.region_source)
