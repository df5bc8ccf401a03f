"""The botocore chain: profiles, SSO, assume-role, credential_process, web identity,
container and instance credentials, resolved by botocore itself; and every hook into
botocore's private parts, in this one module.

The hooks: a session whose ~120 event handlers register lazily, the AWS CLI's cache
made tolerant of a read-only home, the real instance-profile expiry, where an MFA code
comes from, and the expiry botocore keeps in a private attribute. Each degrades to
botocore's own behaviour if botocore renames what it reaches for. botocore is imported
inside the functions: `--help`, `--version` and a nested launcher's pass-through never
pay for it. (SSO sign-in, Roles Anywhere and whoami use botocore's public API only.)
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

from launcher import errors, redact
from launcher.sources.credentials import Credentials
from launcher.sources.profiles import effective_profile

# The AWS CLI's own cache of assume-role and SSO role credentials: sharing it
# means one `aws sso login` or one MFA prompt serves both tools.
CLI_CACHE = os.path.join("~", ".aws", "cli", "cache")


class BotocoreChain:
    """The default Source: whatever botocore's own credential chain finds for the profile."""

    name = "botocore"
    options = ()  # reads only the profile, the region and --mfa-code

    def wanted(self, options, scoped_config) -> bool:
        return True  # the last resort: always

    def resolve(self, request, session, *, fresh: bool, interactive: bool) -> Credentials:
        shown = effective_profile(request.profile)
        _install_resolver(session, request.profile, request.region, fresh=fresh, interactive=interactive,
                          mfa_code=request.mfa_code)
        botocore_creds = session.get_credentials()
        if botocore_creds is None:
            raise errors.no_credentials(shown)
        frozen = botocore_creds.get_frozen_credentials()
        redact.register(frozen.secret_key, frozen.token)
        if not frozen.access_key or not frozen.secret_key:
            raise errors.no_credentials(shown)
        source = getattr(botocore_creds, "method", None) or "unknown"
        chosen_region, region_source = region_of(session, request.region, source)
        return Credentials(access_key=frozen.access_key, secret_key=frozen.secret_key,
                           token=frozen.token or None, expires=_expiry_of(botocore_creds), source=source,
                           region=chosen_region, region_source=region_source)


SOURCE = BotocoreChain()


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


def parsed_session(profile: str | None):
    """A session with the config files parsed now: a malformed file or an unknown profile
    is a clear error, not something found halfway through the credential chain."""
    session = new_session(profile)
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


def region_of(session, explicit: str | None, source: str) -> tuple[str | None, str | None]:
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
