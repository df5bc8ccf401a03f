"""Errors a user can cause: one line on stderr with the remedy, and an exit code.

botocore's exceptions are translated into these in sources/botocore_errors.py.

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
    does not import click at all (see cli/fastpath.py); cli/guard.py shows both kinds.
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
