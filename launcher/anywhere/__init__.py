"""IAM Roles Anywhere as a credential source: an X.509 certificate traded for temporary credentials.

This module only decides *whether* Roles Anywhere is the source, cheaply (every
plain run asks); settings.py says with what; certfiles.py reads the certificate,
chain and key; signing.py signs (SigV4-X509); createsession.py calls the API.
cryptography is imported only on that path.
"""

from __future__ import annotations

# The options, named as AWS's signing helper names them (cli.py and fastpath.py use these keys).
OPTION_NAMES = ("certificate", "private_key", "intermediates", "trust_anchor_arn", "profile_arn", "role_arn",
                "role_session_name", "session_duration")
PROFILE_PREFIX = "roles_anywhere_"


def given_options(values: dict) -> dict:
    """The Roles Anywhere options that were given, from parsed option values."""
    return {name: values[name] for name in OPTION_NAMES if values.get(name) is not None}


def profile_keys(scoped_config: dict) -> dict:
    """The roles_anywhere_* keys of the profile, under the option names."""
    return {name: scoped_config[PROFILE_PREFIX + name] for name in OPTION_NAMES
            if scoped_config.get(PROFILE_PREFIX + name) not in (None, "")}


def wanted(options: dict | None, scoped_config: dict) -> bool:
    """Is Roles Anywhere the credential source: any option given, or any key in the profile."""
    return bool(options) or bool(profile_keys(scoped_config))


def fetch(settings, interactive: bool) -> tuple[dict, dict]:
    """Credentials from CreateSession (API key names) and the certificate that got them."""
    from launcher.anywhere import certfiles, createsession

    identity = certfiles.load(settings.certificate, settings.private_key, settings.intermediates, interactive)
    creds = createsession.call(settings, identity)
    return creds, identity.describe(settings.certificate)
