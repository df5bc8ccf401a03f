"""The option table of the run commands: one row per option, read by both parsers.

fastpath.py parses a plain `dapr-aws [OPTIONS] [--] COMMAND` from it without click;
clickopts.py builds click's options from it for everything else. Each row has the
value's key, its help, its default as a user would type it, its kind (how a value is
checked and converted, in `convert` below, for both parsers) and its DAPR_AWS_* mirror.
tests/test_fastpath.py checks that whatever the fast path accepts, click accepts too
with equal values. Imports no click: the fast path reads it.
"""

from __future__ import annotations

from typing import NamedTuple

from launcher import delivery, durations, logs


class Option(NamedTuple):  # a NamedTuple, not a dataclass: ~1 ms less on every start
    key: str  # the value's name, e.g. "stop_timeout"
    help: str
    default: object = None  # as a user would type it: "15s", "0"; None: not given
    kind: str = "text"  # text | choice | duration | port | switch (--x/--no-x)
    choices: tuple = ()
    group_only: bool = False  # click takes it before the subcommand only
    source: bool = False  # read by a credential Source (launcher/sources: OPTION_KEYS)

    @property
    def flag(self) -> str:
        return "--" + self.key.replace("_", "-")

    @property
    def mirror(self) -> str:
        return "DAPR_AWS_" + self.key.upper()


RUN_OPTIONS = (
    Option("profile", "AWS profile (default: AWS_DEFAULT_PROFILE, then AWS_PROFILE, then the default chain)."),
    Option("region", "AWS region for the child (default: env, then the profile's)."),
    Option("mode", "How credentials reach the child.", "auto", "choice", delivery.CHOICES),
    Option("stop_timeout", "Grace period after the stop signal, then kill.", "15s", "duration"),
    Option("refresh_margin", "Refresh credentials this long before expiry.", "20m", "duration"),
    Option("on_expiry", "When credentials expired and no new ones came: keep the child, or stop it (exit 77).",
           "keep", "choice", ("keep", "stop")),
    Option("restart", "Restart the child when it exits by itself.", "no", "choice", ("no", "on-failure", "always")),
    Option("ready_url", "Poll this URL after each start and log when it answers 2xx."),
    Option("endpoint_port", "Port of the credential endpoint (0: any).", "0", "port"),
    Option("fetch_timeout", "Give up on a credential source that has not answered after this long (a "
           "hung credential_process is killed) and retry with backoff.", "1m", "duration"),
    Option("login", "Sign in to SSO when needed without asking / never (default: ask on a terminal).",
           None, "switch"),
    Option("mfa_code", "MFA code for an assume-role profile with mfa_serial (else asked on the terminal)."),
    Option("checks", "Check the Dapr components of a daprd / dapr run command first.", True, "switch"),
    # IAM Roles Anywhere, named as AWS's signing helper names them (or roles_anywhere_* keys of the profile).
    Option("certificate", "IAM Roles Anywhere: the X.509 certificate file (PEM or DER).", source=True),
    Option("private_key", "Roles Anywhere: its private key (PEM/DER; passphrase from "
                          "DAPR_AWS_PRIVATE_KEY_PASSPHRASE or the terminal).", source=True),
    Option("intermediates", "Roles Anywhere: a PEM bundle of intermediate CA certificates.", source=True),
    Option("trust_anchor_arn", "Roles Anywhere: the trust anchor ARN (its region is the API's).", source=True),
    Option("profile_arn", "Roles Anywhere: the profile ARN.", source=True),
    Option("role_arn", "Roles Anywhere: the role to assume.", source=True),
    Option("role_session_name", "Roles Anywhere: the role session's name.", source=True),
    Option("session_duration", "Roles Anywhere: session length, 15m to 12h (default 1h).", None, "duration",
           source=True),
    Option("log_level", "Verbosity of the launcher's own messages.", "info", "choice", logs.LEVELS,
           group_only=True),
    Option("log_format", "text, or one JSON object per line.", "text", "choice", logs.FORMATS, group_only=True),
)
BY_KEY = {option.key: option for option in RUN_OPTIONS}
SOURCE_KEYS = tuple(option.key for option in RUN_OPTIONS if option.source)
SUBCOMMAND_KEYS = tuple(option.key for option in RUN_OPTIONS if not option.group_only)


def convert(option: Option, raw):
    """The value of `raw` for `option` (None stays None); ValueError with the reason if invalid."""
    if raw is None or option.kind in ("text", "switch"):
        return raw
    if option.kind == "choice":
        if raw not in option.choices:
            raise ValueError(f"{raw!r} is not one of {', '.join(option.choices)}")
        return raw
    if option.kind == "duration":
        return durations.parse(raw) if isinstance(raw, str) else float(raw)
    if option.kind == "port":
        if isinstance(raw, int) or (raw.isdigit() and int(raw) <= 65535):
            return int(raw)
        raise ValueError(f"{raw!r} is not a port from 0 to 65535")
    raise AssertionError(option.kind)
