"""Errors a user can cause: one line on stderr with the remedy, and an exit code.

This is also the one place where botocore's exceptions are translated into
our own (`from_botocore`), so the rest of the code never needs to know them.

Exit codes (documented in the README):
    2    usage error (unknown option, bad value)
    69   a credential service could not be reached (IMDS, STS, SSO portal)
    70   internal error (a bug: please report it)
    75   a person must sign in first (SSO session missing or expired, MFA)
    77   no usable credentials (none found, the source refused or failed)
    78   configuration error (unknown profile, malformed file, partial keys)
    126  the command is not executable
    127  the command was not found
Any other code is the child's own exit code (128+N when a signal N killed it).
"""

from __future__ import annotations

from launcher.redact import redact

EXIT_USAGE = 2
EXIT_UNAVAILABLE = 69
EXIT_INTERNAL = 70
EXIT_LOGIN_NEEDED = 75
EXIT_NO_CREDENTIALS = 77
EXIT_CONFIG = 78
EXIT_NOT_EXECUTABLE = 126
EXIT_NOT_FOUND = 127


class LauncherError(Exception):
    """An expected failure: a message, a remedy and an exit code.

    Not a click exception on purpose: the start-up path of `dapr-aws -- cmd`
    does not import click at all (see fastpath.py); cli.main() shows both kinds.
    """

    exit_code = EXIT_INTERNAL

    def __init__(self, message: str, remedy: str | None = None, exit_code: int | None = None):
        self.message = redact(message)
        super().__init__(self.message)
        self.remedy = redact(remedy) if remedy else None
        if exit_code is not None:
            self.exit_code = exit_code

    def one_line(self) -> str:
        """The whole error as a single line (newlines in upstream text flattened)."""
        text = self.message.rstrip(". ")
        if self.remedy:
            text += f"; {self.remedy}"
        return " ".join(text.split())

    def show(self) -> None:
        """Print the one line on stderr."""
        from launcher import logs

        logs.print_error(self)


class ConfigError(LauncherError):
    exit_code = EXIT_CONFIG


class NoCredentials(LauncherError):
    exit_code = EXIT_NO_CREDENTIALS


class LoginNeeded(LauncherError):
    exit_code = EXIT_LOGIN_NEEDED


class Unavailable(LauncherError):
    exit_code = EXIT_UNAVAILABLE


class CommandNotFound(LauncherError):
    exit_code = EXIT_NOT_FOUND


class CommandNotExecutable(LauncherError):
    exit_code = EXIT_NOT_EXECUTABLE


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "(no output on stderr)"


def _profile_flag(profile: str | None) -> str:
    return f" --profile {profile}" if profile else ""


def from_botocore(exc: BaseException, profile: str | None) -> LauncherError:
    """Translate an exception raised while resolving credentials."""
    from botocore import exceptions as bx

    shown = profile or "default"
    login = f"run: dapr-aws login{_profile_flag(profile)}"
    if isinstance(exc, bx.ProfileNotFound):
        return ConfigError(
            f"profile '{exc.kwargs.get('profile', shown)}' is not in the AWS config or credentials file",
            "check the name (aws configure list-profiles) or pass another --profile",
        )
    if isinstance(exc, bx.ConfigParseError):
        return ConfigError(
            f"cannot parse the AWS config file {exc.kwargs.get('path', '')}",
            "fix its syntax: [profile NAME] sections with key = value lines",
        )
    if isinstance(exc, bx.PartialCredentialsError):
        return ConfigError(
            f"partial credentials in {exc.kwargs.get('provider')}: {exc.kwargs.get('cred_var')} is missing",
            "set both the access key id and the secret access key, or neither",
        )
    if isinstance(exc, (bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError, bx.TokenRetrievalError)):
        return LoginNeeded(f"the SSO session of profile '{shown}' is missing or expired", login)
    if isinstance(exc, bx.RefreshWithMFAUnsupportedError):
        return LoginNeeded(
            f"profile '{shown}' needs a new MFA code",
            "run dapr-aws again in a terminal to enter the code",
        )
    if isinstance(exc, bx.SSOError):
        return LoginNeeded(f"SSO sign-in failed for profile '{shown}': {exc}", login)
    if isinstance(exc, bx.CredentialRetrievalError):
        provider = exc.kwargs.get("provider", "")
        detail = _last_line(exc.kwargs.get("error_msg", ""))
        if provider == "custom-process":
            return NoCredentials(
                f"the credential_process of profile '{shown}' failed: {detail}",
                "run that command by hand to see why",
            )
        return NoCredentials(f"{provider} could not provide credentials: {detail}")
    if isinstance(exc, bx.InvalidConfigError):
        return ConfigError(f"invalid AWS configuration for profile '{shown}': {exc}")
    if isinstance(exc, (bx.ConnectionError, bx.HTTPClientError)):
        return Unavailable(
            f"cannot reach an AWS credential service: {exc}",
            "check the network, proxy and endpoint settings",
        )
    if isinstance(exc, bx.NoRegionError):
        return ConfigError("no region is set", "pass --region or set region in the profile")
    if isinstance(exc, bx.NoCredentialsError):
        return no_credentials(profile)
    if _is_client_error(exc):
        error = exc.response.get("Error", {})  # type: ignore[attr-defined]
        operation = getattr(exc, "operation_name", "the request")
        return NoCredentials(
            f"AWS refused {operation} for profile '{shown}': {error.get('Code')}: {error.get('Message')}",
            "check the role's trust policy and your permissions",
        )
    if isinstance(exc, OSError):
        return ConfigError(
            f"the credential source of profile '{shown}' cannot be run: {exc.strerror or exc}",
            "check the credential_process command in the profile",
        )
    if isinstance(exc, KeyError):
        return NoCredentials(
            f"the credential source of profile '{shown}' returned a reply without {exc}",
            "check the credential_process, container endpoint or IMDS that serves it",
        )
    if isinstance(exc, TypeError) and "offset-naive" in str(exc):
        return NoCredentials(
            f"the credential source of profile '{shown}' returned an expiry without a time zone",
            "expiry times must be UTC with a Z, e.g. 2030-01-01T00:00:00Z",
        )
    if isinstance(exc, (AttributeError, TypeError)) and _raised_in_botocore(exc):
        # botocore reading a reply of the wrong shape, e.g. a credential_process printing `0` or `[]`.
        return NoCredentials(
            f"the credential source of profile '{shown}' returned data of the wrong shape",
            "a credential_process must print the JSON object documented by AWS (Version 1)",
        )
    if isinstance(exc, ValueError):
        return NoCredentials(
            f"the credential source of profile '{shown}' returned invalid data: {exc}",
            "a credential_process must print the JSON documented by AWS (Version 1)",
        )
    return LauncherError(f"unexpected error while resolving credentials: {type(exc).__name__}: {exc}",
                         "run with --log-level debug and report it")


def _raised_in_botocore(exc: BaseException) -> bool:
    """True when the innermost frame of the traceback is botocore's code (not a bug of ours)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and str(tb.tb_frame.f_globals.get("__name__", "")).startswith("botocore")


def cannot_write(path: str, exc: OSError, option: str) -> ConfigError:
    """Writing a file where the user told us to (a unit, a shim) failed."""
    remedy = "run with sudo, or pick another " + option if isinstance(exc, PermissionError) else f"check {option}"
    return ConfigError(f"cannot write {path}: {exc.strerror or exc}", remedy)


def internal(exc: BaseException) -> LauncherError:
    """The one line for a bug: what was raised, and how to report it."""
    return LauncherError(f"internal error: {type(exc).__name__}: {exc}", "run with --log-level debug and report it",
                         exit_code=EXIT_INTERNAL)


def no_credentials(profile: str | None) -> NoCredentials:
    """The error for a credential chain that found nothing at all."""
    where = f"profile '{profile}'" if profile else "the default credential chain"
    return NoCredentials(
        f"no AWS credentials found for {where} "
        "(searched environment, config files, container and EC2 instance metadata)",
        "pass --profile, run aws configure, or sign in with dapr-aws login",
    )


def _is_client_error(exc: BaseException) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(exc, ClientError)
