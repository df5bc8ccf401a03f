"""The start-up path of `dapr-aws [OPTIONS] [--] COMMAND`, parsed without importing click.

click costs tens of milliseconds to import, a large share of the launcher's own
start-up. The plain "run this command" line (the one every `dapr run` and daprd
start pays for) is parsed here from the same option table as click's parser
(table.py); anything else (a subcommand, --help, an unknown option, a value that
does not validate) returns None and click's parser (commands.py) handles it, with
its usage errors. tests/test_fastpath.py checks that both agree.
"""

from __future__ import annotations

import os

from launcher.cli.table import BY_KEY, RUN_OPTIONS, convert

SUBCOMMANDS = {"exec", "env", "credential-process", "serve", "login", "logout", "whoami", "shim", "shim-run",
               "doctor", "systemd-unit"}
# --x and --no-x of the switches, as click spells them
SWITCHES = {**{o.flag: (o.key, True) for o in RUN_OPTIONS if o.kind == "switch"},
            **{"--no-" + o.flag[2:]: (o.key, False) for o in RUN_OPTIONS if o.kind == "switch"}}
_INVALID = object()


def _option(token: str, after_exec: bool):
    """The row of `--some-option`, spelled as click spells it (dashes, never underscores)."""
    option = BY_KEY.get(token[2:].replace("-", "_"))
    if not token.startswith("--") or "_" in token or option is None or option.kind == "switch":
        return None
    return None if after_exec and option.group_only else option


def _value(option, raw):
    try:
        return convert(option, raw)
    except ValueError:
        return _INVALID


def parse(args: list[str], env=os.environ) -> dict | None:
    """The option values and command of a plain run, or None to let click decide."""
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
        if name in SWITCHES and not eq:
            key, flag = SWITCHES[name]
            given[key] = flag
            i += 1
            continue
        option = _option(name, seen_exec)
        if option is None:
            return None  # --help, --version, -h, unknown: click answers
        if not eq:
            if i + 1 >= len(args):
                return None
            value = args[i + 1]
        if _value(option, value) is _INVALID:
            return None  # click checks every value given, even one a later option overrides
        given[option.key] = value
        i += 1 if eq else 2
    else:
        return None
    if not command:
        return None
    values = {}
    for option in RUN_OPTIONS:
        if option.kind == "switch":
            if env.get(option.mirror):
                return None  # boolean mirrors: click's parsing of them is the reference
            values[option.key] = given.get(option.key, option.default)
            continue
        value = _value(option, given.get(option.key, env.get(option.mirror) or option.default))
        if value is _INVALID:
            return None
        values[option.key] = value
    values["argv"] = list(command)
    return values


def run(values: dict) -> int:
    """Configure logging and run the command, as commands.exec_ does."""
    from launcher import logs
    from launcher.cli import run as running

    logs.configure(values["log_level"], values["log_format"])
    return running.run(running.ExecOptions.from_values(values["argv"], values))
