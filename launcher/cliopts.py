"""The options of the run commands, shared by cli.py's commands: names, types, help, mirrors.

Defaults and choices come from fastpath.py, so that the click-free fast path and
click parse the same options alike (tests/test_fastpath.py).
"""

from __future__ import annotations

import click

from launcher import durations
from launcher.fastpath import ANYWHERE_OPTIONS, CHOICES, DEFAULTS, MODES


class Duration(click.ParamType):
    """click parameter type for durations, giving seconds as a float."""

    name = "duration"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return durations.parse(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)

CONTEXT = {"help_option_names": ["-h", "--help"]}

# name -> (click option arguments, help). Defaults come from fastpath.DEFAULTS (one table for
# both parsers) and live on the group only.
EXEC_OPTIONS = {
    "profile": (dict(), "AWS profile (default: AWS_DEFAULT_PROFILE, then AWS_PROFILE, then the default chain)."),
    "region": (dict(), "AWS region for the child (default: env, then the profile's)."),
    "mode": (dict(type=click.Choice(MODES)), "How credentials reach the child."),
    "stop-timeout": (dict(type=Duration()), "Grace period after the stop signal, then kill."),
    "refresh-margin": (dict(type=Duration()), "Refresh credentials this long before expiry."),
    "on-expiry": (dict(type=click.Choice(CHOICES["on_expiry"])),
                  "When credentials expired and no new ones came: keep the child, or stop it (exit 77)."),
    "restart": (dict(type=click.Choice(CHOICES["restart"])),
                "Restart the child when it exits by itself."),
    "ready-url": (dict(), "Poll this URL after each start and log when it answers 2xx."),
    "endpoint-port": (dict(type=click.IntRange(0, 65535)), "Port of the credential endpoint (0: any)."),
    "login/--no-login": (dict(), "Sign in to SSO when needed without asking / never (default: ask on "
                                 "a terminal)."),
    "mfa-code": (dict(), "MFA code for an assume-role profile with mfa_serial (else asked on the terminal)."),
    "checks/--no-checks": (dict(default=True), "Check the Dapr components of a daprd / dapr run command first."),
    # IAM Roles Anywhere, named as AWS's signing helper names them (or roles_anywhere_* keys of the profile).
    "certificate": (dict(), "IAM Roles Anywhere: the X.509 certificate file (PEM or DER)."),
    "private-key": (dict(), "Roles Anywhere: its private key (PEM/DER; passphrase from "
                            "DAPR_AWS_PRIVATE_KEY_PASSPHRASE or the terminal)."),
    "intermediates": (dict(), "Roles Anywhere: a PEM bundle of intermediate CA certificates."),
    "trust-anchor-arn": (dict(), "Roles Anywhere: the trust anchor ARN (its region is the API's)."),
    "profile-arn": (dict(), "Roles Anywhere: the profile ARN."),
    "role-arn": (dict(), "Roles Anywhere: the role to assume."),
    "role-session-name": (dict(), "Roles Anywhere: the role session's name."),
    "session-duration": (dict(type=Duration()), "Roles Anywhere: session length, 15m to 12h (default 1h)."),
}
ANYWHERE = [name.replace("_", "-") for name in ANYWHERE_OPTIONS]


def options(names, on_group: bool):
    """Apply the named options; on the group with defaults and DAPR_AWS_* mirrors."""
    def decorate(f):
        for name in reversed(names):
            kwargs, help_text = EXEC_OPTIONS[name]
            kwargs = dict(kwargs)
            if on_group:
                key = name.split("/")[0].replace("-", "_")
                kwargs.setdefault("default", DEFAULTS.get(key))
                env = "DAPR_AWS_" + key.upper()
                kwargs.update(envvar=env, show_default=kwargs.get("default") is not None,
                              help=f"{help_text}  [env: {env}]")
            else:
                kwargs.update(default=None, help=help_text)
            f = click.option("--" + name, **kwargs)(f)
        return f
    return decorate
