"""botocore's exceptions, translated into our one-line errors (the one place that knows them)."""

from __future__ import annotations

from launcher import errors


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "(no output on stderr)"


def _profile_flag(profile: str | None) -> str:
    return f" --profile {profile}" if profile else ""


def from_botocore(exc: BaseException, profile: str | None) -> errors.LauncherError:
    """Translate an exception raised while resolving credentials."""
    from botocore import exceptions as bx

    shown = profile or "default"
    login = f"run: dapr-aws login{_profile_flag(profile)}"
    if isinstance(exc, bx.ProfileNotFound):
        return errors.ConfigError(
            f"profile '{exc.kwargs.get('profile', shown)}' is not in the AWS config or credentials file",
            "check the name (aws configure list-profiles) or pass another --profile",
        )
    if isinstance(exc, bx.ConfigParseError):
        return errors.ConfigError(
            f"cannot parse the AWS config file {exc.kwargs.get('path', '')}",
            "fix its syntax: [profile NAME] sections with key = value lines",
        )
    if isinstance(exc, bx.PartialCredentialsError):
        return errors.ConfigError(
            f"partial credentials in {exc.kwargs.get('provider')}: {exc.kwargs.get('cred_var')} is missing",
            "set both the access key id and the secret access key, or neither",
        )
    if isinstance(exc, (bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError, bx.TokenRetrievalError)):
        return errors.LoginNeeded(f"the SSO session of profile '{shown}' is missing or expired", login)
    if isinstance(exc, bx.RefreshWithMFAUnsupportedError):
        return errors.LoginNeeded(
            f"profile '{shown}' needs a new MFA code",
            "run dapr-aws again in a terminal to enter the code",
        )
    if isinstance(exc, bx.SSOError):
        return errors.LoginNeeded(f"SSO sign-in failed for profile '{shown}': {exc}", login)
    if isinstance(exc, bx.CredentialRetrievalError):
        provider = exc.kwargs.get("provider", "")
        detail = _last_line(exc.kwargs.get("error_msg", ""))
        if provider == "custom-process":
            return errors.NoCredentials(
                f"the credential_process of profile '{shown}' failed: {detail}",
                "run that command by hand to see why",
            )
        return errors.NoCredentials(f"{provider} could not provide credentials: {detail}")
    if isinstance(exc, bx.InvalidConfigError):
        return errors.ConfigError(f"invalid AWS configuration for profile '{shown}': {exc}")
    if isinstance(exc, (bx.ConnectionError, bx.HTTPClientError)):
        return errors.Unavailable(
            f"cannot reach an AWS credential service: {exc}",
            "check the network, proxy and endpoint settings",
        )
    if isinstance(exc, bx.NoRegionError):
        return errors.ConfigError("no region is set", "pass --region or set region in the profile")
    if isinstance(exc, bx.NoCredentialsError):
        return errors.no_credentials(profile)
    if _is_client_error(exc):
        error = exc.response.get("Error", {})  # type: ignore[attr-defined]
        operation = getattr(exc, "operation_name", "the request")
        return errors.NoCredentials(
            f"AWS refused {operation} for profile '{shown}': {error.get('Code')}: {error.get('Message')}",
            "check the role's trust policy and your permissions",
        )
    if isinstance(exc, OSError):
        return errors.ConfigError(
            f"the credential source of profile '{shown}' cannot be run: {exc.strerror or exc}",
            "check the credential_process command in the profile",
        )
    if isinstance(exc, KeyError):
        return errors.NoCredentials(
            f"the credential source of profile '{shown}' returned a reply without {exc}",
            "check the credential_process, container endpoint or IMDS that serves it",
        )
    if isinstance(exc, TypeError) and "offset-naive" in str(exc):
        return errors.NoCredentials(
            f"the credential source of profile '{shown}' returned an expiry without a time zone",
            "expiry times must be UTC with a Z, e.g. 2030-01-01T00:00:00Z",
        )
    if isinstance(exc, (AttributeError, TypeError)) and _raised_in_botocore(exc):
        # botocore reading a reply of the wrong shape, e.g. a credential_process printing `0` or `[]`.
        return errors.NoCredentials(
            f"the credential source of profile '{shown}' returned data of the wrong shape",
            "a credential_process must print the JSON object documented by AWS (Version 1)",
        )
    if isinstance(exc, ValueError):
        return errors.NoCredentials(
            f"the credential source of profile '{shown}' returned invalid data: {exc}",
            "a credential_process must print the JSON documented by AWS (Version 1)",
        )
    return errors.LauncherError(f"unexpected error while resolving credentials: {type(exc).__name__}: {exc}",
                         "run with --log-level debug and report it")


def _raised_in_botocore(exc: BaseException) -> bool:
    """True when the innermost frame of the traceback is botocore's code (not a bug of ours)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and str(tb.tb_frame.f_globals.get("__name__", "")).startswith("botocore")


def _is_client_error(exc: BaseException) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(exc, ClientError)
