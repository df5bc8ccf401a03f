"""The credential endpoints a child's AWS SDK polls by itself (modes `endpoint` and `imds`).

* ContainerRoute: the ECS/EKS container-credentials protocol, at a random
  path behind a random token (AWS_CONTAINER_CREDENTIALS_FULL_URI and
  AWS_CONTAINER_AUTHORIZATION_TOKEN);
* ImdsRoute: IMDSv2 emulation (token PUT first, no IMDSv1).

Both only read the refresher's current credentials: a request never causes
an upstream call. Both refuse a Host header that is not loopback, so a web
page cannot reach them through DNS rebinding.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import time
from datetime import datetime, timedelta, timezone

from launcher import durations

log = logging.getLogger("dapr-aws")

LOOPBACK_NAMES = {"localhost", "::1"}
ROLE_NAME = "dapr-aws"
# Long-lived keys have no expiry, but SDKs need one (botocore fails without
# it): announce one an hour ahead, moving, so the SDK simply asks again.
STATIC_HORIZON = timedelta(hours=1)
MAX_IMDS_TOKENS = 4096


def _json(status: int, doc) -> tuple[int, bytes, tuple]:
    return status, json.dumps(doc).encode(), ()


def _error(status: int, message: str):
    return _json(status, {"message": message})


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
    return len(parts) == 4 and parts[0] == "127" and all(p.isdigit() and int(p) < 256 for p in parts)


def _expiration(creds) -> str:
    if creds.expires is not None:
        return creds.expires_z()
    return durations.stamp_z(datetime.now(timezone.utc) + STATIC_HORIZON)


class ContainerRoute:
    """GET <path> with `Authorization: <token>` -> the current credentials."""

    def __init__(self, refresher, path: str | None = None, token: str | None = None):
        self.refresher = refresher
        self.path = path or "/" + secrets.token_urlsafe(16)
        self.token = token or secrets.token_urlsafe(32)  # 256 bits
        self._token_bytes = self.token.encode()
        self._cache = (None, None, 0.0)  # (creds, body, built at): one JSON encoding per credentials

    def __call__(self, method: str, target: str, headers: dict):
        if not host_is_loopback(headers.get("host")):
            return _error(403, "forbidden host")
        if target.split("?", 1)[0] != self.path:
            return _error(404, "not found")
        if method != "GET":
            return _error(405, "method not allowed")
        given = headers.get("authorization")
        if not given:
            return _error(401, "missing authorization token")
        if not hmac.compare_digest(given.encode(), self._token_bytes):
            return _error(403, "wrong authorization token")
        if self.refresher.expired():
            return _error(503, "credentials expired and could not be refreshed yet")
        return 200, self._body(), ()

    def _body(self) -> bytes:
        creds = self.refresher.current
        cached_for, body, built = self._cache
        # Static keys get a moving expiry, so rebuild their body once a minute.
        if cached_for is not creds or (creds.expires is None and time.monotonic() - built > 60):
            body = json.dumps({"AccessKeyId": creds.access_key, "SecretAccessKey": creds.secret_key,
                               "Token": creds.token or "", "Expiration": _expiration(creds)}).encode()
            self._cache = (creds, body, time.monotonic())
        return body


class ImdsRoute:
    """IMDSv2: PUT /latest/api/token, then GETs carrying X-aws-ec2-metadata-token."""

    CREDS = "/latest/meta-data/iam/security-credentials/"

    def __init__(self, refresher, clock=time.monotonic):
        self.refresher = refresher
        self.clock = clock
        self._tokens: dict[str, float] = {}

    def __call__(self, method: str, target: str, headers: dict):
        if not host_is_loopback(headers.get("host")):
            return _error(403, "forbidden host")
        path = target.split("?", 1)[0]
        while "//" in path:  # as real IMDS: clients that append "/latest/..." to ".../" send "//latest/..."
            path = path.replace("//", "/")
        if path == "/latest/api/token":
            return self._token(method, headers)
        if method != "GET":
            return _error(405, "method not allowed")
        if not self._valid(headers.get("x-aws-ec2-metadata-token")):
            return 401, b"", ()
        if path in (self.CREDS, self.CREDS.rstrip("/")):
            return 200, ROLE_NAME.encode(), (("Content-Type", "text/plain"),)
        if path == self.CREDS + ROLE_NAME:
            return self._credentials()
        if path == "/latest/meta-data/placement/region" and self.refresher.current.region:
            return 200, self.refresher.current.region.encode(), (("Content-Type", "text/plain"),)
        return 404, b"", ()

    def _token(self, method: str, headers: dict):
        if method != "PUT":
            return _error(405, "method not allowed")
        if "x-forwarded-for" in headers:
            return _error(403, "forwarded requests are refused")
        try:
            ttl = int(headers.get("x-aws-ec2-metadata-token-ttl-seconds", ""))
        except ValueError:
            ttl = 0
        if not 1 <= ttl <= 21600:
            return _error(400, "X-aws-ec2-metadata-token-ttl-seconds must be 1 to 21600")
        now = self.clock()
        if len(self._tokens) >= MAX_IMDS_TOKENS:
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            while len(self._tokens) >= MAX_IMDS_TOKENS:
                self._tokens.pop(next(iter(self._tokens)))
        token = secrets.token_urlsafe(32)
        self._tokens[token] = now + ttl
        return 200, token.encode(), (("Content-Type", "text/plain"),
                                     ("X-aws-ec2-metadata-token-ttl-seconds", str(ttl)))

    def _valid(self, token: str | None) -> bool:
        if not token:
            return False
        expires = self._tokens.get(token)
        return expires is not None and expires > self.clock()

    def _credentials(self):
        if self.refresher.expired():
            return _error(503, "credentials expired and could not be refreshed yet")
        creds = self.refresher.current
        return _json(200, {
            "Code": "Success",
            "LastUpdated": durations.stamp_z(),
            "Type": "AWS-HMAC",
            "AccessKeyId": creds.access_key,
            "SecretAccessKey": creds.secret_key,
            "Token": creds.token or "",
            "Expiration": _expiration(creds),
        })
