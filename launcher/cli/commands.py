"""click's parser of every command, built from the option table. No logic lives here:
each command calls one module (the run commands: run.py).

    dapr-aws [OPTIONS] [--] COMMAND [ARGS]...      (same as `dapr-aws exec ...`)
    dapr-aws env [--format F]
    dapr-aws credential-process
    dapr-aws serve [--mode endpoint|imds]

Every option has an environment mirror DAPR_AWS_<NAME>. Options may stand
before the subcommand (with their mirrors) or after it (overriding).
"""

from __future__ import annotations

import os
import sys

import click

from launcher import __version__, delivery, logs
from launcher.cli.clickopts import CONTEXT, KEEP, RESOLVE, RUN, Duration, options
from launcher.cli.table import BY_KEY, SOURCE_KEYS
from launcher.delivery.exports import FORMATS as ENV_FORMATS
from launcher.delivery.exports import VARIABLE_FORMATS


class LauncherGroup(click.Group):
    """A group whose default command is `exec`: `dapr-aws [OPTIONS] [--] COMMAND ...`."""

    def parse_args(self, ctx, args):
        index = self._first_positional(ctx, args)
        if index is not None and (args[index] == "--" or args[index] not in self.commands):
            args = args[:index] + ["exec"] + args[index:]
        return super().parse_args(ctx, args)

    def _first_positional(self, ctx, args):
        takes_value = set()
        for param in self.get_params(ctx):
            if isinstance(param, click.Option) and not param.is_flag and not param.count:
                takes_value.update(param.opts)
        i = 0
        while i < len(args):
            token = args[i]
            if token == "--" or not token.startswith("-") or token == "-":
                return i
            i += 2 if (token in takes_value and "=" not in token) else 1
        return None


def _merge(obj: dict, **given) -> dict:
    """Subcommand values override the group's."""
    return {**obj, **{k: v for k, v in given.items() if v is not None}}


def _request(values: dict):
    from launcher import sources

    return sources.Request.from_values(values)


@click.group(cls=LauncherGroup, context_settings=CONTEXT)
@options(BY_KEY, on_group=True)
@click.version_option(__version__, "--version", prog_name="dapr-aws", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx, log_level, log_format, **options):
    """Run COMMAND (daprd, dapr run, anything) with AWS credentials that stay fresh.

    \b
    Examples:
      dapr-aws --profile dev -- dapr run --app-id orders -- python app.py
      dapr-aws --profile dev env --format powershell | Invoke-Expression
    """
    logs.configure(log_level, log_format)
    ctx.obj = options


@cli.command("exec", context_settings={**CONTEXT, "allow_interspersed_args": False})
@options(RUN, on_group=False)
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.pass_obj
def exec_(obj, command, **given):
    """Run COMMAND with credentials (the default command)."""
    from launcher.cli import run

    o = _merge(obj, **given)
    return run.run(run.ExecOptions.from_values(command, o))


@cli.command("env", context_settings=CONTEXT)
@options(RESOLVE, on_group=False)
@click.option("--format", "fmt", type=click.Choice(ENV_FORMATS), default="env", show_default=True,
              help="Output format (the first six match the AWS CLI v2).")
@click.pass_obj
def env_(obj, fmt, **given):
    """Print the credentials for a shell or a tool."""
    from launcher.delivery import exports
    from launcher.sources import first_resolution

    o = _merge(obj, **given)
    creds = first_resolution.resolve(_request(o), login=o["login"])
    exports.write(sys.stdout, creds, fmt)
    return 0


@cli.command("credential-process", context_settings=CONTEXT)
@options(("profile", "region", *SOURCE_KEYS), on_group=False)
@click.pass_obj
def credential_process(obj, **given):
    """Print credentials as a credential_process (Version 1) for another profile to use."""
    from launcher import sources
    from launcher.delivery import exports
    from launcher.sources import recursion

    o = _merge(obj, **given)
    with recursion.guard(o["profile"]):
        creds = sources.resolve(_request(o))
    exports.write(sys.stdout, creds, "process")
    return 0


@cli.command("serve", context_settings=CONTEXT)
@options((*KEEP, *RESOLVE), on_group=False)
@click.option("--mode", "serve_mode", type=click.Choice(delivery.SERVED), default=None,
              help="Container-credentials endpoint (default) or IMDSv2 emulation.")
@click.option("--format", "fmt", type=click.Choice(VARIABLE_FORMATS), default="env", show_default=True,
              help="How to print the variables a client needs.")
@click.pass_obj
def serve_(obj, serve_mode, fmt, **given):
    """Serve fresh credentials on 127.0.0.1 with no child, until stopped."""
    from launcher.cli import run

    o = _merge(obj, **given)
    mode = serve_mode or (o["mode"] if o["mode"] in delivery.SERVED else delivery.SERVED[0])
    return run.serve(_request(o), o["login"], o["refresh_margin"], o["fetch_timeout"], mode, o["endpoint_port"], fmt)


@cli.command("login", context_settings=CONTEXT)
@options(("profile",), on_group=False)
@click.option("--sso-session", default=None, help="Sign in to this [sso-session NAME] instead of a profile's.")
@click.option("--no-browser", is_flag=True, envvar="DAPR_AWS_NO_BROWSER",
              help="Only print the URL; do not open a browser.  [env: DAPR_AWS_NO_BROWSER]")
@click.pass_obj
def login_(obj, sso_session, no_browser, **given):
    """Sign in to IAM Identity Center (SSO); the AWS CLI shares the sign-in."""
    from launcher.sources import sso

    o = _merge(obj, **given)
    sso.login(sso.target_for(o["profile"], sso_session), open_browser=not no_browser)
    return 0


@cli.command("logout", context_settings=CONTEXT)
@options(("profile",), on_group=False)
@click.option("--sso-session", default=None, help="Sign out of this [sso-session NAME] instead of a profile's.")
@click.pass_obj
def logout_(obj, sso_session, **given):
    """Remove the SSO sign-in that login wrote (token and client registration)."""
    from launcher.sources import sso

    o = _merge(obj, **given)
    removed = sso.logout(sso.target_for(o["profile"], sso_session))
    click.echo(f"removed {len(removed)} file(s) from the SSO cache" if removed else "not signed in", err=True)
    return 0


@cli.command("whoami", context_settings=CONTEXT)
@options(RESOLVE, on_group=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON document, for scripts.")
@click.pass_obj
def whoami_(obj, as_json, **given):
    """Show where the credentials come from, the account and ARN, the region and the expiry."""
    from launcher.sources import first_resolution
    from launcher.ops import whoami

    o = _merge(obj, **given)
    creds = first_resolution.resolve(_request(o), login=o["login"])
    doc = whoami.report(o["profile"], creds, whoami.identity(creds))
    click.echo(whoami.render_json(doc) if as_json else whoami.render_text(doc), nl=False)
    return 0


@cli.group("shim", context_settings=CONTEXT)
def shim_group():
    """Install `dapr` / `daprd` shims that carry credentials (for shells like cmd and PowerShell)."""


@shim_group.command("install", context_settings=CONTEXT)
@click.argument("names", nargs=-1)
@click.option("--dir", "directory", default=None, help="Where to write the shims (default: a per-user directory).")
@click.option("--profile", default=None, help="The profile the shims use (default: the environment's at run time).")
@click.option("--mode", type=click.Choice(delivery.CHOICES), default=None, help="The delivery mode the shims use.")
@click.option("--style", type=click.Choice(("auto", "posix", "windows")), default="auto", show_default=True,
              help="sh scripts, or .cmd files (for Windows, also from WSL).")
@click.option("--powershell", is_flag=True, help="Also write NAME.ps1 (needs an execution policy allowing scripts).")
def shim_install(names, directory, profile, mode, style, powershell):
    """Write a shim per NAME (default: dapr and daprd)."""
    from launcher.ops import shim

    directory = os.path.abspath(directory or shim.default_dir())
    names = names or shim.DEFAULT_NAMES
    options = (["--profile", profile] if profile else []) + (["--mode", mode] if mode else [])
    for item in shim.install(names, directory, options, style, powershell):
        click.echo(f"{item.name}: {', '.join(item.files)} -> {item.real}")
    click.echo(shim.path_advice(directory, list(names)))
    return 0


@shim_group.command("list", context_settings=CONTEXT)
@click.option("--dir", "directory", default=None, help="The shim directory (default: the per-user one).")
def shim_list(directory):
    """List the shims and the real binaries they recorded."""
    from launcher.ops import shim

    directory = os.path.abspath(directory or shim.default_dir())
    items = shim.installed(directory)
    for item in items:
        click.echo(f"{item.name}: {', '.join(item.files)} -> {item.real}")
    if not items:
        click.echo(f"no shims in {directory}")
    return 0


@shim_group.command("uninstall", context_settings=CONTEXT)
@click.argument("names", nargs=-1)
@click.option("--dir", "directory", default=None, help="The shim directory (default: the per-user one).")
def shim_uninstall(names, directory):
    """Remove shims (default: all of ours); files we did not write are left alone."""
    from launcher.ops import shim

    directory = os.path.abspath(directory or shim.default_dir())
    removed, foreign = shim.uninstall(names, directory)
    for path in removed:
        click.echo(f"removed {path}")
    for path in foreign:
        click.echo(f"left {path} alone: not a dapr-aws shim", err=True)
    if not removed:
        click.echo("nothing to remove")
    return 0


@cli.command("shim-run", hidden=True, context_settings={**CONTEXT, "allow_interspersed_args": False})
@click.argument("name")
@click.argument("recorded")
@click.argument("shim_dir")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
def shim_run(obj, name, recorded, shim_dir, args):
    """What a shim runs: find the real NAME, then exec it with credentials."""
    from launcher.cli import run
    from launcher.ops import shim

    real = shim.resolve_at_run_time(name, recorded, shim_dir)
    if args and args[0] == "--":  # the shim's own separator; later ones belong to the command
        args = args[1:]
    return run.run(run.ExecOptions.from_values([real, *args], obj))


@cli.command("doctor", context_settings=CONTEXT)
@options(("profile", "region", *SOURCE_KEYS), on_group=False)
@click.option("--resources-path", "resources", multiple=True,
              help="Dapr resources folder to check (repeatable; default ~/.dapr/components and ./components).")
@click.option("--offline", is_flag=True, help="Skip the STS GetCallerIdentity call.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document, for scripts.")
@click.pass_obj
def doctor_(obj, resources, offline, as_json, **given):
    """Check AWS config, credentials, environment, Dapr binaries and components (exit 1 on a failure)."""
    from launcher.ops import doctor

    o = _merge(obj, **given)
    checks = doctor.run(_request(o), list(resources), offline)
    click.echo(doctor.render(checks, as_json), nl=False)
    return doctor.exit_code(checks)


@cli.command("systemd-unit", context_settings={**CONTEXT, "allow_interspersed_args": False})
@click.option("--name", required=True, help="Unit name (NAME.service).")
@click.option("--user", default=None, help="User= to run as.")
@click.option("--dynamic-user", is_flag=True, help="DynamicUser=yes (no home: use the instance profile).")
@click.option("--profile", default=None, help="AWS profile (in the user's ~/.aws); default: the instance profile.")
@click.option("--region", default=None, help="AWS region (default: the profile's, else the instance's).")
@click.option("--mode", type=click.Choice(delivery.CHOICES), default=None, help="Delivery mode.")
@click.option("--ready-url", default=None, help="daprd's health URL, e.g. http://127.0.0.1:3500/v1.0/healthz.")
@click.option("--environment-file", default=None, help="EnvironmentFile= for settings (never for secrets).")
@click.option("--stop-timeout", type=Duration(), default=None, help="The launcher's grace period (default 15s).")
@click.option("--install", "do_install", is_flag=True, help="Write it to /etc/systemd/system (or --unit-dir).")
@click.option("--unit-dir", default="/etc/systemd/system", show_default=True, help="Where --install writes.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def systemd_unit_(name, user, dynamic_user, profile, region, mode, ready_url, environment_file, stop_timeout,
                  do_install, unit_dir, command):
    """Print (or --install) a systemd unit that runs COMMAND (daprd) under dapr-aws."""
    from launcher.ops import systemd_unit

    text = systemd_unit.render(name, list(command), user, dynamic_user, profile, mode, ready_url,
                               environment_file, stop_timeout, region)
    if not do_install:
        click.echo(text, nl=False)
        return 0
    path = systemd_unit.install(name, text, unit_dir)
    click.echo(f"wrote {path}; now run:\n  systemctl daemon-reload\n  systemctl enable --now {name}\n"
               f"  journalctl -u {name} -f      # its logs\n  systemctl reload {name}    # refresh credentials now")
    return 0
