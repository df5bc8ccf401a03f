"""IAM Roles Anywhere as a credential source: an X.509 certificate traded for temporary credentials.

settings.py decides whether this is the source and with what; certfiles.py
reads the certificate, chain and key; signing.py signs (SigV4-X509);
createsession.py calls the API. cryptography is imported only on this path.
"""

from __future__ import annotations

from launcher.anywhere.settings import Settings


def fetch(settings: Settings, interactive: bool) -> tuple[dict, dict]:
    """Credentials from CreateSession (API key names) and the certificate that got them."""
    from launcher.anywhere import certfiles, createsession

    identity = certfiles.load(settings.certificate, settings.private_key, settings.intermediates, interactive)
    creds = createsession.call(settings, identity)
    return creds, identity.describe(settings.certificate)
