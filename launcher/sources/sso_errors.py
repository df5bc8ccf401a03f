"""Precise errors for SSO failures: which case it is (no sign-in, expired, renewal refused,
rejected by the portal, role not assigned) and what to run."""

from __future__ import annotations

from datetime import datetime, timezone

from launcher.durations import stamp_z
from launcher.errors import LoginNeeded, NoCredentials
from launcher.sources.sso import read_token, target_for, token_expiry


def explain(profile: str | None, exc: BaseException):
    """A precise LoginNeeded (or NoCredentials) for an SSO failure, or None if `exc` is not one."""
    from botocore import exceptions as bx

    forbidden = unauthorized = False
    if isinstance(exc, bx.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        forbidden, unauthorized = code == "ForbiddenException", code == "UnauthorizedException"
        if not (forbidden or unauthorized):
            return None
    elif not isinstance(exc, (bx.SSOError, bx.TokenRetrievalError)):
        return None
    try:
        target = target_for(profile)
    except Exception:
        return None
    name = profile or "default"
    remedy = "run: dapr-aws login" + (f" --profile {profile}" if profile else "")
    if forbidden:
        return NoCredentials(f"IAM Identity Center does not give you the account and role of profile '{name}'",
                             "check sso_account_id and sso_role_name, or ask your administrator for access")
    doc = read_token(target)
    expires = token_expiry(doc) if doc else None
    expired = expires is not None and expires <= datetime.now(timezone.utc)
    if doc is None:
        error = LoginNeeded(f"profile '{name}' has no SSO sign-in yet", remedy)
    elif expired and doc.get("refreshToken"):
        error = LoginNeeded(f"the SSO sign-in of profile '{name}' expired at {stamp_z(expires)} and its "
                            "refresh token could not renew it", remedy)
    elif expired:
        error = LoginNeeded(f"the SSO sign-in of profile '{name}' expired at {stamp_z(expires)}", remedy)
    elif unauthorized or isinstance(exc, bx.UnauthorizedSSOTokenError):
        error = LoginNeeded(f"the SSO portal rejected the sign-in of profile '{name}' "
                            "(it was revoked, or ended elsewhere)", remedy)
    else:
        error = LoginNeeded(f"the SSO sign-in of profile '{name}' cannot be used: {exc}", remedy)
    error.sso_target = target
    return error
