"""Command-line parsing and wiring. No logic lives here: each command calls one module.

    dapr-aws [OPTIONS] [--] COMMAND [ARGS]...      (same as `dapr-aws exec ...`)
    dapr-aws env [--format F]
    dapr-aws credential-process

Every option has an environment mirror DAPR_AWS_<NAME>.
"""

from __future__ import annotations

import sys

import click

from launcher import __version__, logs
from launcher.durations import Duration
from launcher.errors import EXIT_INTERNAL, LauncherError

MODES = ("auto", "env", "endpoint", "imds")
CONTEXT = {"help_option_names": ["-h", "--help"]}


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


def _common(f):
    """--profile and --region, accepted before or after the subcommand name."""
    f = click.option("--region", default=None, help="AWS region for the child (overrides the profile's).")(f)
    f = click.option("--profile", default=None, help="AWS profile (default: AWS_PROFILE, then the default chain).")(f)
    return f


@click.group(cls=LauncherGroup, context_settings=CONTEXT)
@click.option("--profile", envvar="DAPR_AWS_PROFILE", default=None,
              help="AWS profile to use (default: AWS_PROFILE, then the default chain).  [env: DAPR_AWS_PROFILE]")
@click.option("--region", envvar="DAPR_AWS_REGION", default=None,
              help="AWS region for the child.  [env: DAPR_AWS_REGION]")
@click.option("--mode", envvar="DAPR_AWS_MODE", type=click.Choice(MODES), default="auto", show_default=True,
              help="How credentials reach the child.  [env: DAPR_AWS_MODE]")
@click.option("--stop-timeout", envvar="DAPR_AWS_STOP_TIMEOUT", type=Duration(), default="15s", show_default=True,
              help="Grace period after the stop signal before the child's tree is killed.  [env: DAPR_AWS_STOP_TIMEOUT]")
@click.option("--log-level", envvar="DAPR_AWS_LOG_LEVEL", type=click.Choice(logs.LEVELS), default="info",
              show_default=True, help="Verbosity of the launcher's own messages.  [env: DAPR_AWS_LOG_LEVEL]")
@click.option("--log-format", envvar="DAPR_AWS_LOG_FORMAT", type=click.Choice(logs.FORMATS), default="text",
              show_default=True, help="text, or one JSON object per line.  [env: DAPR_AWS_LOG_FORMAT]")
@click.version_option(__version__, "--version", prog_name="dapr-aws", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx, profile, region, mode, stop_timeout, log_level, log_format):
    """Run COMMAND (daprd, dapr run, anything) with AWS credentials from any AWS source.

    \b
    Examples:
      dapr-aws --profile dev -- dapr run --app-id orders -- python app.py
      dapr-aws --profile dev env --format powershell | Invoke-Expression
    """
    logs.configure(log_level, log_format)
    ctx.obj = {"profile": profile, "region": region, "mode": mode, "stop_timeout": stop_timeout}


@cli.command("exec", context_settings={**CONTEXT, "allow_interspersed_args": False})
@_common
@click.option("--mode", type=click.Choice(MODES), default=None, help="How credentials reach the child.")
@click.option("--stop-timeout", type=Duration(), default=None, help="Grace period before killing the child's tree.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.pass_obj
def exec_(obj, profile, region, mode, stop_timeout, command):
    """Run COMMAND with credentials (the default command)."""
    from launcher import execute

    options = execute.ExecOptions(
        argv=list(command),
        profile=profile or obj["profile"],
        region=region or obj["region"],
        mode=mode or obj["mode"],
        stop_timeout=stop_timeout if stop_timeout is not None else obj["stop_timeout"],
    )
    return execute.run(options)


@cli.command("env", context_settings=CONTEXT)
@_common
@click.option("--format", "fmt", type=click.Choice(("env", "env-no-export", "powershell", "windows-cmd", "fish",
                                                    "process", "json", "dotenv")),
              default="env", show_default=True, help="Output format (the first six match the AWS CLI v2).")
@click.pass_obj
def env_(obj, profile, region, fmt):
    """Print the credentials for a shell or a tool."""
    from launcher import credentials, exports

    creds = credentials.resolve(profile or obj["profile"], region or obj["region"])
    exports.write(sys.stdout, creds, fmt)
    return 0


@cli.command("credential-process", context_settings=CONTEXT)
@_common
@click.pass_obj
def credential_process(obj, profile, region):
    """Print credentials as a credential_process (Version 1) for another profile to use."""
    from launcher import exports, recursion

    with recursion.guard(profile or obj["profile"]):
        from launcher import credentials

        creds = credentials.resolve(profile or obj["profile"], region or obj["region"])
    exports.write(sys.stdout, creds, "process")
    return 0


def main(args=None, prog_name: str = "dapr-aws") -> None:
    """Console-script entry point: exit with the command's code, one-line errors."""
    try:
        code = cli.main(args=args, prog_name=prog_name, standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except click.exceptions.Abort:
        sys.stderr.write("dapr-aws: aborted\n")
        code = 130
    except KeyboardInterrupt:
        code = 130
    except Exception as exc:  # a bug: one line, the traceback only at debug level
        logs.get_logger().debug("internal error", exc_info=True)
        LauncherError(f"internal error: {type(exc).__name__}: {exc}",
                      "run with --log-level debug and report it", exit_code=EXIT_INTERNAL).show()
        code = EXIT_INTERNAL
    sys.exit(code if isinstance(code, int) else 0)
