"""Keeping credentials fresh: the first resolution with enough time left, and what each
refresh fetches (the AWS CLI's cache first, then upstream), behind one Refresher.
"""

from __future__ import annotations

import logging
import sys
import time

from launcher import sources
from launcher.sources import first_resolution, hung
from launcher.sources.refresher import Refresher

log = logging.getLogger("dapr-aws")


def start_refresher(request: sources.Request, margin: float, login: bool | None = None,
                    fetch_timeout: float | None = None) -> Refresher:
    """Resolve now (a person may be asked), and make sure we start with enough time left.

    Every fetch is given up on after `fetch_timeout` (a hung credential_process is killed);
    the first ones too, unless a person may be answering a prompt or a sign-in.
    """
    first_limit = None if _person_may_answer(login) else fetch_timeout
    creds = hung.within(first_limit, lambda: first_resolution.resolve(request, login=login))
    if creds.cacheable and _left(creds) is not None and _left(creds) < margin:
        # Probably a cached session near its end: get a new one before any child starts.
        fresh = hung.within(first_limit, lambda: first_resolution.resolve(request, login=login, fresh=True))
        if fresh.expires is not None and fresh.expires > creds.expires:
            creds = fresh
    describe(creds)
    # A one-time MFA code is spent: a refresh that needs another fails with the remedy, never reuses it.
    later = request._replace(mfa_code=None)
    refresher = None

    def fetch() -> sources.Credentials:
        # The AWS CLI's cache first: a session renewed by `aws` or another
        # dapr-aws (after an MFA prompt there, say) is picked up as is.
        current = refresher.current
        if not current.cacheable:
            return sources.resolve(later, interactive=False)
        cached = sources.resolve(later, interactive=False)
        left = _left(cached)
        if left is not None and left > margin and (not refresher.requested or _newer(cached, current)):
            # Enough time left: one upstream call per attempt, even when it is not newer (a caching
            # credential_process answers the same until near its end; the refresher backs off).
            # Only SIGHUP asks past a cached answer that is no newer.
            return cached
        return sources.resolve(later, fresh=True, interactive=False)

    refresher = Refresher(creds, fetch, margin=margin, timeout=fetch_timeout, on_hang=hung.kill_stray_children)
    return refresher


def _person_may_answer(login: bool | None) -> bool:
    """An MFA prompt or an SSO sign-in may wait for a person: on a terminal, or with --login."""
    return bool(login) or (sys.stdin.isatty() and sys.stderr.isatty())


def _newer(a: sources.Credentials, b: sources.Credentials) -> bool:
    return a.expires is not None and b.expires is not None and a.expires > b.expires


def _left(creds: sources.Credentials) -> float | None:
    return None if creds.expires is None else creds.expires.timestamp() - time.time()


def describe(creds: sources.Credentials) -> None:
    """Where the credentials came from, at debug level; a warning when there is no region."""
    expiry = f", expiring {creds.expires_z()}" if creds.expires else ""
    log.debug("credentials for %s from %s%s", creds.access_key, creds.source, expiry)
    if creds.certificate:
        cert = creds.certificate
        log.debug("certificate %s, serial %s, valid until %s", cert["Subject"], cert["Serial"], cert["NotAfter"])
    if creds.region is None:
        log.warning("no AWS region is set; pass --region or set region in the profile "
                    "(the child gets no AWS_REGION)")
    else:
        log.debug("region %s from %s", creds.region, creds.region_source)
