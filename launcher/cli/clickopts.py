"""click options built from the option table (table.py): types, defaults, help and mirrors."""

from __future__ import annotations

import click

from launcher.cli.table import BY_KEY, SOURCE_KEYS, SUBCOMMAND_KEYS, convert

CONTEXT = {"help_option_names": ["-h", "--help"]}


class Checked(click.ParamType):
    """A value checked and converted by the table's `convert`, as the fast path does."""

    def __init__(self, option):
        self.option = option
        self.name = option.kind

    def convert(self, value, param, ctx):
        try:
            return convert(self.option, value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class Duration(click.ParamType):
    """A duration given to an option outside the table (systemd-unit's --stop-timeout)."""

    name = "duration"

    def convert(self, value, param, ctx):
        from launcher import durations

        try:
            return durations.parse(value) if isinstance(value, str) else float(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _kwargs(option) -> dict:
    if option.kind == "choice":
        return {"type": click.Choice(option.choices)}
    if option.kind in ("duration", "port"):
        return {"type": Checked(option)}
    return {}


def options(keys, on_group: bool):
    """Apply the options of `keys`; on the group with defaults and DAPR_AWS_* mirrors."""
    def decorate(f):
        for key in reversed(list(keys)):
            option = BY_KEY[key]
            kwargs = _kwargs(option)
            decl = f"{option.flag}/--no-{option.flag[2:]}" if option.kind == "switch" else option.flag
            if on_group:
                kwargs.update(default=option.default, envvar=option.mirror,
                              show_default=option.default is not None, help=f"{option.help}  [env: {option.mirror}]")
            else:
                # On a subcommand: None means "not given here", so the group's value stands;
                # a switch given on neither stays the group's default.
                kwargs.update(default=None, help=option.help)
            f = click.option(decl, key, **kwargs)(f)
        return f
    return decorate


RUN = SUBCOMMAND_KEYS  # every run option a subcommand takes (log options stand before it)
RESOLVE = ("profile", "region", "login", "mfa_code", *SOURCE_KEYS)  # what resolving credentials reads
KEEP = ("refresh_margin", "fetch_timeout", "endpoint_port")  # and keeping them fresh (serve)
