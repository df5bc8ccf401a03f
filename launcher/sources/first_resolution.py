"""The first resolution, before any child starts: the one moment a person may be asked.

An SSO sign-in that is missing or expired is offered (when stdin and stderr
are a terminal), forced (`--login`) or refused (`--no-login`, and every
non-interactive run, which fails with the one-line remedy). MFA codes come
from `--mfa-code` or the terminal. Refreshes later never ask anything.
"""

from __future__ import annotations

import os
import sys

from launcher import sources
from launcher.errors import LoginNeeded


def resolve(request: sources.Request, login: bool | None = None, open_browser: bool | None = None,
            fresh: bool = False) -> sources.Credentials:
    """Resolve, signing in first when allowed and needed."""
    try:
        return sources.resolve(request, fresh=fresh)
    except LoginNeeded as exc:
        target = getattr(exc, "sso_target", None)
        if target is None or login is False or not _may_sign_in(login, exc):
            raise
    from launcher.sources import sso

    if open_browser is None:
        open_browser = os.environ.get("DAPR_AWS_NO_BROWSER", "").lower() not in ("1", "true", "yes")
    sso.login(target, open_browser=open_browser)
    return sources.resolve(request, fresh=fresh)


def _may_sign_in(login: bool | None, exc: LoginNeeded) -> bool:
    if login:
        return True
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    sys.stderr.write(f"dapr-aws: {exc.message}.\nSign in now? [Y/n] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in ("", "y", "yes")
