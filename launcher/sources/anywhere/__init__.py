"""IAM Roles Anywhere as a credential source: an X.509 certificate traded for temporary credentials.

This module is the Source (chosen when any of its options is given or the profile has a
roles_anywhere_* key, a cheap check every plain run makes); settings.py says with what;
certfiles.py reads the certificate, chain and key; signing.py signs (SigV4-X509);
createsession.py calls the API. cryptography is imported only on that path.
"""

from __future__ import annotations

# The option keys, named as AWS's signing helper names them (cli/table.py has their rows).
OPTION_NAMES = ("certificate", "private_key", "intermediates", "trust_anchor_arn", "profile_arn", "role_arn",
                "role_session_name", "session_duration")
PROFILE_PREFIX = "roles_anywhere_"


def profile_keys(scoped_config: dict) -> dict:
    """The roles_anywhere_* keys of the profile, under the option names."""
    return {name: scoped_config[PROFILE_PREFIX + name] for name in OPTION_NAMES
            if scoped_config.get(PROFILE_PREFIX + name) not in (None, "")}


class RolesAnywhere:
    """The Source: CreateSession with the certificate, never the AWS CLI's cache."""

    name = "roles-anywhere"
    options = OPTION_NAMES

    def wanted(self, options: dict, scoped_config: dict) -> bool:
        return any(options.get(name) is not None for name in OPTION_NAMES) or bool(profile_keys(scoped_config))

    def resolve(self, request, session, *, fresh: bool, interactive: bool):
        from launcher.sources import botocore_chain
        from launcher.sources.anywhere import certfiles, createsession, settings as anywhere_settings
        from launcher.sources.credentials import Credentials
        from launcher.sources.profiles import effective_profile

        given = {name: request.options[name] for name in OPTION_NAMES if request.options.get(name) is not None}
        settings = anywhere_settings.build(given, session.get_scoped_config(), effective_profile(request.profile))
        identity = certfiles.load(settings.certificate, settings.private_key, settings.intermediates, interactive)
        creds = createsession.call(settings, identity)
        region, region_source = botocore_chain.region_of(session, request.region, self.name)
        if region is None:
            region, region_source = settings.region, "trust anchor ARN"
        return Credentials(access_key=creds["accessKeyId"], secret_key=creds["secretAccessKey"],
                           token=creds["sessionToken"], expires=creds["expiration"], source=self.name,
                           region=region, region_source=region_source, cacheable=False,
                           certificate=identity.describe(settings.certificate))


SOURCE = RolesAnywhere()
