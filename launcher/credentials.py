"""The botocore boundary: resolve a profile into frozen credentials and a region.

Everything botocore-specific about credentials lives here, so that the
rest of the launcher deals only with the `Credentials` value below.
botocore is imported inside the functions: `--help`, `--version` and the
pass-through of a nested launcher never pay for it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone

from launcher import durations, errors, redact

# The AWS CLI's own cache of assume-role and SSO role credentials: sharing it
# means one `aws sso login` or one MFA prompt serves both tools.
CLI_CACHE = os.path.join("~", ".aws", "cli", "cache")
ROLES_ANYWHERE = "roles-anywhere"  # the source name of IAM Roles Anywhere credentials


@dataclass(frozen=True)
class Credentials:
    """One set of AWS credentials, with where they came from and the region."""

    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)
    expires: datetime | None = None  # timezone-aware UTC; None = never
    source: str = "unknown"  # botocore's method name, e.g. "assume-role"
    region: str | None = None
    region_source: str | None = None
    certificate: dict | None = field(default=None, compare=False)  # Roles Anywhere: subject, serial, expiry

    @property
    def cacheable(self) -> bool:
        """False for a source the AWS CLI's cache never holds: a refresh then asks upstream at once."""
        return self.source != ROLES_ANYWHERE

    def expires_z(self) -> str | None:
        """Expiry as ISO 8601 UTC with a Z, the form every AWS SDK parses."""
        if self.expires is None:
            return None
        return durations.stamp_z(self.expires)


# botocore's "profile" setting reads AWS_DEFAULT_PROFILE before AWS_PROFILE.
PROFILE_VARS = ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")


def profile_source(profile: str | None, env=os.environ) -> str | None:
    """Where the profile botocore will use comes from: "--profile", the variable, or None."""
    if profile:
        return "--profile"
    return next((name for name in PROFILE_VARS if env.get(name)), None)


def effective_profile(profile: str | None, env=os.environ) -> str | None:
    """The profile botocore will use: --profile, else AWS_DEFAULT_PROFILE, else AWS_PROFILE."""
    source = profile_source(profile, env)
    return profile if source == "--profile" else (env[source] if source else None)


def resolve(profile: str | None = None, region: str | None = None, *, fresh: bool = False,
            interactive: bool = True, mfa_code: str | None = None, anywhere: dict | None = None) -> Credentials:
    """Resolve credentials eagerly, so that every failure surfaces before a child starts.

    `fresh` bypasses the AWS CLI's cache: a refresh must get new credentials,
    not the cached ones that still look valid to botocore. An MFA code comes
    from `mfa_code`, else from the terminal when `interactive` and there is
    one; otherwise asking for it is an error (refreshes never prompt).
    Raises a LauncherError (see errors.py) for every failure a user can cause.
    """
    shown = effective_profile(profile)
    try:
        session = _parsed_session(profile)
        from launcher import anywhere as roles_anywhere

        if roles_anywhere.wanted(anywhere, session.get_scoped_config()):
            return _roles_anywhere(session, shown, region, anywhere, interactive)
        _install_resolver(session, profile, region, fresh=fresh, interactive=interactive, mfa_code=mfa_code)
        botocore_creds = session.get_credentials()
        if botocore_creds is None:
            raise errors.no_credentials(shown)
        frozen = botocore_creds.get_frozen_credentials()
        redact.register(frozen.secret_key, frozen.token)
        if not frozen.access_key or not frozen.secret_key:
            raise errors.no_credentials(shown)
        source = getattr(botocore_creds, "method", None) or "unknown"
        chosen_region, region_source = _region(session, region, source)
        return Credentials(
            access_key=frozen.access_key,
            secret_key=frozen.secret_key,
            token=frozen.token or None,
            expires=_expiry_of(botocore_creds),
            source=source,
            region=chosen_region,
            region_source=region_source,
        )
    except errors.LauncherError:
        raise
    except Exception as exc:  # translated in the one place that knows botocore
        from launcher import sso_errors

        raise (sso_errors.explain(shown, exc) or errors.from_botocore(exc, shown)) from None


def new_session(profile: str | None = None):
    """The one place a botocore session is made. It registers its ~120 built-in event
    handlers only when a client is first created (assume-role, SSO, web identity).

    Static keys and credential_process never create a client, and skipping the
    registration saves about a fifth of the launcher's own start-up time.
    Falls back to an ordinary session if botocore ever renames the hook.
    """
    import botocore.session

    register = getattr(botocore.session.Session, "_register_builtin_handlers", None)
    if register is None:
        return botocore.session.Session(profile=profile)

    class LazyHandlersSession(botocore.session.Session):
        _handlers_registered = False

        def create_client(self, *args, **kwargs):
            if not self._handlers_registered:
                self._handlers_registered = True
                register(self, self._events)
            return super().create_client(*args, **kwargs)

    return LazyHandlersSession(profile=profile, include_builtin_handlers=False)


def _roles_anywhere(session, shown: str | None, region: str | None, options: dict | None,
                    interactive: bool) -> Credentials:
    """IAM Roles Anywhere: the certificate's CreateSession, never the AWS CLI's cache."""
    from launcher import anywhere
    from launcher.anywhere import settings as anywhere_settings

    settings = anywhere_settings.build(options, session.get_scoped_config(), shown)
    creds, certificate = anywhere.fetch(settings, interactive)
    chosen_region, region_source = _region(session, region, "roles-anywhere")
    if chosen_region is None:
        chosen_region, region_source = settings.region, "trust anchor ARN"
    return Credentials(access_key=creds["accessKeyId"], secret_key=creds["secretAccessKey"],
                       token=creds["sessionToken"], expires=creds["expiration"], source=ROLES_ANYWHERE,
                       region=chosen_region, region_source=region_source, certificate=certificate)


def _parsed_session(profile: str | None):
    session = new_session(profile)
    # Parse the files now: a malformed file or unknown profile is a clear error,
    # not something found halfway through the credential chain.
    session.full_config
    name = session.get_config_variable("profile")
    if name and name not in session.available_profiles:
        from botocore.exceptions import ProfileNotFound

        raise ProfileNotFound(profile=name)
    return session


def _install_resolver(session, profile: str | None, region: str | None, fresh: bool = False,
                      interactive: bool = True, mfa_code: str | None = None) -> None:
    from botocore.credentials import create_credential_resolver
    from botocore.utils import JSONFileCache

    cache = {} if fresh else _tolerant_cache(JSONFileCache)(os.path.expanduser(CLI_CACHE))
    resolver = create_credential_resolver(session, cache=cache, region_name=region or _env_region())
    _set_mfa_prompter(resolver, effective_profile(profile), interactive, mfa_code)
    _keep_real_imds_expiry(resolver)
    session.register_component("credential_provider", resolver)


_cache_class = None
_cache_warned = False


def _tolerant_cache(base):
    """The AWS CLI's cache, where a failed write (read-only home, full disk) only warns, once."""
    global _cache_class
    if _cache_class is None:
        class TolerantCache(base):
            def __setitem__(self, key, value):
                global _cache_warned
                try:
                    os.makedirs(self._working_dir, mode=0o700, exist_ok=True)  # private, like the files
                    super().__setitem__(key, value)
                except (OSError, ValueError) as exc:
                    if not _cache_warned:
                        _cache_warned = True
                        import logging

                        logging.getLogger("dapr-aws").warning(
                            "cannot write the AWS CLI cache in %s (%s); going on without it", CLI_CACHE,
                            getattr(exc, "strerror", None) or exc)

        _cache_class = TolerantCache
    return _cache_class


def _keep_real_imds_expiry(resolver) -> None:
    """Turn off botocore's "static stability" stretch of instance-profile credentials.

    When IMDS returns credentials that expire within 17-25 minutes, botocore
    pretends they last that long. A launcher must hand its children the real
    expiry (they refresh by it); during an IMDS outage our refresher keeps the
    current credentials and retries with backoff instead.
    """
    fetcher = getattr(resolver.get_provider("iam-role"), "_role_fetcher", None)
    config = getattr(fetcher, "_config", None)
    if isinstance(config, dict):
        config["ec2_credential_refresh_window"] = -10**9  # never within the stretch window


def _set_mfa_prompter(resolver, profile: str | None, interactive: bool, mfa_code: str | None) -> None:
    """Where assume-role's MFA code comes from: --mfa-code, the terminal, or nowhere (an error)."""
    import sys

    name = profile or "default"
    redact.register(mfa_code)

    def prompt(text):
        if mfa_code:
            return mfa_code
        if interactive and sys.stdin.isatty():
            import getpass

            return getpass.getpass(text)
        if interactive:
            raise errors.LoginNeeded(f"profile '{name}' needs an MFA code and there is no terminal to ask",
                                     "pass --mfa-code CODE (or DAPR_AWS_MFA_CODE)")
        raise errors.LoginNeeded(
            f"profile '{name}' needs a new MFA code, which cannot be asked for while the child runs",
            "restart dapr-aws in a terminal, or give the source profile a longer session (duration_seconds)")

    provider = resolver.get_provider("assume-role")
    if hasattr(provider, "_prompter"):
        provider._prompter = prompt


def _expiry_of(botocore_creds) -> datetime | None:
    """The one adapter for botocore's private expiry attribute."""
    expiry = getattr(botocore_creds, "_expiry_time", None)
    if not isinstance(expiry, datetime):
        return None
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=timezone.utc)
    return expiry.astimezone(timezone.utc)


def _env_region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


def _region(session, explicit: str | None, source: str) -> tuple[str | None, str | None]:
    """--region > AWS_REGION > AWS_DEFAULT_REGION > profile > IMDS (only on EC2)."""
    if explicit:
        return explicit, "--region"
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if os.environ.get(var):
            return os.environ[var], var
    configured = session.get_scoped_config().get("region")
    if configured:
        return configured, "profile"
    # Asking IMDS costs up to seconds off EC2, so only when the credentials
    # themselves came from an instance profile: then we know we are on EC2.
    if source == "iam-role":
        found = _imds_region(session)
        if found:
            return found, "instance metadata"
    return None, None


def _imds_region(session) -> str | None:
    from botocore.utils import InstanceMetadataRegionFetcher

    config = {
        "ec2_metadata_service_endpoint": session.get_config_variable("ec2_metadata_service_endpoint"),
        "ec2_metadata_service_endpoint_mode": session.get_config_variable(
            "ec2_metadata_service_endpoint_mode"
        ),
    }
    fetcher = InstanceMetadataRegionFetcher(
        timeout=session.get_config_variable("metadata_service_timeout"),
        num_attempts=session.get_config_variable("metadata_service_num_attempts"),
        config=config,
    )
    return fetcher.retrieve_region()
