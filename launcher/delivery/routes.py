"""What the credential routes of the served modes share (endpoint.py, imds.py).

A route is a callable (method, target, headers) -> (status, body, extra headers)
that http.py serves. Routes only read the refresher's current credentials: a
request never causes an upstream call. All refuse a Host header that is not
loopback, so a web page cannot reach them through DNS rebinding.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from launcher import durations

LOOPBACK_NAMES = {"localhost", "::1"}
# Long-lived keys have no expiry, but SDKs need one (botocore fails without
# it): announce one an hour ahead, moving, so the SDK simply asks again.
STATIC_HORIZON = timedelta(hours=1)


def json_reply(status: int, doc) -> tuple[int, bytes, tuple]:
    return status, json.dumps(doc).encode(), ()


def error_reply(status: int, message: str):
    return json_reply(status, {"message": message})


def host_is_loopback(host_header: str | None) -> bool:
    """True for a missing Host or one naming 127.0.0.0/8, ::1 or localhost."""
    if not host_header:
        return True
    host = host_header.strip().lower()
    if host.startswith("["):
        host = host[1:host.find("]")] if "]" in host else host[1:]
    elif host.count(":") == 1:
        host = host.split(":")[0]
    if host in LOOPBACK_NAMES:
        return True
    parts = host.split(".")
    # ASCII digits only: str.isdigit() also takes "²" and other digits int() refuses.
    return len(parts) == 4 and parts[0] == "127" and all(p.isascii() and p.isdigit() and int(p) < 256 for p in parts)


def expiration(creds) -> str:
    if creds.expires is not None:
        return creds.expires_z()
    return durations.stamp_z(datetime.now(timezone.utc) + STATIC_HORIZON)
