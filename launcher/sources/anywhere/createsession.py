"""The CreateSession call: one signed POST, its reply turned into credentials or one clear error."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

from launcher import redact
from launcher.sources.anywhere import signing
from launcher.errors import NoCredentials, Unavailable

TIMEOUT = (10, 30)  # connect, read: seconds


def call(settings, identity) -> dict:
    """POST /sessions and return credentialSet[0].credentials (keys as the API names them)."""
    from botocore.awsrequest import AWSRequest

    body = {"durationSeconds": settings.duration}
    if settings.role_session_name:
        body["roleSessionName"] = settings.role_session_name
    request = AWSRequest(method="POST", url=settings.url(), data=json.dumps(body).encode(),
                         headers={"Content-Type": "application/json"})
    signing.sign(request, identity, settings.region)
    status, headers, text = _send(request, settings)
    if status in (200, 201):
        return _credentials(text, settings)
    raise _refusal(status, headers, text, settings)


def _send(request, settings) -> tuple[int, object, str]:
    from botocore.exceptions import ConnectionError, HTTPClientError
    from botocore.httpsession import URLLib3Session
    from botocore.utils import get_environ_proxies

    verify = os.environ.get("AWS_CA_BUNDLE") or True
    session = URLLib3Session(verify=verify, proxies=get_environ_proxies(request.url), timeout=TIMEOUT)
    try:
        response = session.send(request.prepare())
    except (ConnectionError, HTTPClientError) as exc:
        raise Unavailable(f"cannot reach IAM Roles Anywhere at {settings.endpoint}: {_why(exc)}",
                          "check the network, proxy and AWS_ENDPOINT_URL_ROLESANYWHERE") from None
    finally:
        session.close()
    return response.status_code, response.headers, response.text  # headers: case-insensitive


def _why(exc) -> str:
    """The cause in a few words: botocore's message repeats the whole signed URL."""
    import re

    from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

    if isinstance(exc, ConnectTimeoutError):
        return "the connection timed out"
    if isinstance(exc, ReadTimeoutError):
        return f"no reply within {TIMEOUT[1]} s"
    found = re.search(r"\[Errno -?\d+\] [^'\")]+", str(exc.kwargs.get("error", "")))
    return found.group(0).strip() if found else type(exc).__name__


def _credentials(text: str, settings) -> dict:
    try:
        doc = json.loads(text)
        creds = doc["credentialSet"][0]["credentials"]
        out = {name: creds[name] for name in ("accessKeyId", "secretAccessKey", "sessionToken")}
        out["expiration"] = _expiry(creds["expiration"])
    except (ValueError, KeyError, IndexError, TypeError, OverflowError, OSError) as exc:
        raise NoCredentials(f"IAM Roles Anywhere at {settings.endpoint} sent a reply without credentials "
                            f"({type(exc).__name__}: {exc})", "check AWS_ENDPOINT_URL_ROLESANYWHERE") from None
    redact.register(out["secretAccessKey"], out["sessionToken"])
    if not all(isinstance(out[k], str) and out[k] for k in ("accessKeyId", "secretAccessKey", "sessionToken")):
        raise NoCredentials(f"IAM Roles Anywhere at {settings.endpoint} sent empty credentials")
    return out


def _expiry(value) -> datetime:
    """ISO 8601 (with Z or an offset) or epoch seconds: both are timestamps in AWS's JSON protocols."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, timezone.utc)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"expiration {value!r} has no time zone")
    return parsed.astimezone(timezone.utc)


def _refusal(status: int, headers: dict, text: str, settings) -> Exception:
    kind = (headers.get("x-amzn-ErrorType") or "").split(":")[0]
    message = ""
    try:
        doc = json.loads(text)
        kind = kind or str(doc.get("__type", "")).rsplit("#", 1)[-1]
        message = doc.get("message") or doc.get("Message") or ""
    except (ValueError, AttributeError):
        pass
    message = " ".join(str(message or text[:200] or "(empty reply)").split())
    what = f"{kind}: {message}" if kind else message
    if status >= 500 or status == 429 or "Throttl" in kind:
        return Unavailable(f"IAM Roles Anywhere is unavailable (HTTP {status}): {what}", "it will be retried")
    remedy = {
        "AccessDeniedException": "check that the trust anchor trusts the certificate's CA, that the profile "
                                 "lists the role, and the role's trust policy",
        "ResourceNotFoundException": "check the ARNs and that the trust anchor's region is right",
        "ValidationException": "check the ARNs and --session-duration",
    }.get(kind, "check the trust anchor, the profile and the role")
    return NoCredentials(f"IAM Roles Anywhere refused CreateSession (HTTP {status}): {what}", remedy)
