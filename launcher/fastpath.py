"""The start-up path of `dapr-aws [OPTIONS] [--] COMMAND`, parsed without importing click.

click costs tens of milliseconds to import, a large share of the launcher's own
start-up. The plain "run this command" line (the one every `dapr run` and daprd
start pays for) is parsed here with the same options, defaults and DAPR_AWS_*
mirrors as cli.py; anything else (a subcommand, --help, an unknown option, a
value that does not validate) returns None and cli.py's click parser handles
it, with its usage errors. tests/test_fastpath.py checks both agree.
"""

from __future__ import annotations

import os

from launcher import durations, logs
from launcher.anywhere import OPTION_NAMES as ANYWHERE_OPTIONS

MODES = ("auto", "env", "endpoint", "imds")
# The choices of the run options, shared with cli.py's click options.
CHOICES = {
    "mode": MODES, "on_expiry": ("keep", "stop"), "restart": ("no", "on-failure", "always"),
    "log_level": logs.LEVELS, "log_format": logs.FORMATS,
}
DEFAULTS = {
    "profile": None, "region": None, "mode": "auto", "stop_timeout": "15s", "refresh_margin": "20m",
    "on_expiry": "keep", "restart": "no", "ready_url": None, "endpoint_port": "0", "log_level": "info",
    "log_format": "text", "mfa_code": None,
    # IAM Roles Anywhere; None: not given, so the profile's keys or the default apply (anywhere/settings.py).
    **dict.fromkeys(ANYWHERE_OPTIONS),
}
FLAGS = {"--login": ("login", True), "--no-login": ("login", False),
         "--checks": ("checks", True), "--no-checks": ("checks", False)}
SUBCOMMANDS = {"exec", "env", "credential-process", "serve", "login", "logout", "whoami", "shim", "shim-run",
               "doctor", "systemd-unit"}


# Options of the group alone: click takes them before `exec`, never after it.
GROUP_ONLY = ("log_level", "log_format")


def _option(token: str, after_exec: bool) -> str | None:
    """The option key of `--some-option`, spelled as click spells it (dashes, never underscores)."""
    key = token[2:].replace("-", "_")
    if not token.startswith("--") or "_" in token or key not in DEFAULTS:
        return None
    return None if after_exec and key in GROUP_ONLY else key


def parse(args: list[str], env=os.environ) -> dict | None:
    """The options and command of a plain run, or None to let click decide."""
    given: dict = {}
    seen_exec = False
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            command = args[i + 1:]
            break
        if token == "exec" and not seen_exec:
            seen_exec = True
            i += 1
            continue
        if not token.startswith("-") or token == "-":
            if token in SUBCOMMANDS:
                return None
            command = args[i:]
            break
        name, eq, value = token.partition("=")
        if name in FLAGS and not eq:
            key, flag = FLAGS[name]
            given[key] = flag
            i += 1
            continue
        key = _option(name, seen_exec)
        if key is None:
            return None  # --help, --version, -h, unknown: click answers
        if not eq:
            if i + 1 >= len(args):
                return None
            value = args[i + 1]
        if _validate(key, value) is _INVALID:
            return None  # click checks every value given, even one a later option overrides
        given[key] = value
        i += 1 if eq else 2
    else:
        return None
    if not command:
        return None
    if any(env.get(v) for v in ("DAPR_AWS_LOGIN", "DAPR_AWS_CHECKS")):
        return None  # boolean mirrors: click's parsing of them is the reference
    options = {}
    for key, default in DEFAULTS.items():
        raw = given.get(key, env.get("DAPR_AWS_" + key.upper()) or default)
        value = _validate(key, raw)
        if value is _INVALID:
            return None
        options[key] = value
    options["login"] = given.get("login")
    options["checks"] = given.get("checks", True)
    options["argv"] = list(command)
    return options


_INVALID = object()


def _validate(key: str, raw):
    if raw is None:
        return None
    if key in CHOICES:
        return raw if raw in CHOICES[key] else _INVALID
    if key in ("stop_timeout", "refresh_margin", "session_duration"):
        try:
            return durations.parse(raw)
        except ValueError:
            return _INVALID
    if key == "endpoint_port":
        return int(raw) if raw.isdigit() and int(raw) <= 65535 else _INVALID
    return raw


def run(options: dict) -> int:
    """Configure logging and run the command, as cli.exec_ does."""
    from launcher import execute

    logs.configure(options["log_level"], options["log_format"])
    return execute.run(execute.ExecOptions.from_values(options["argv"], options))
