"""`imds` mode: an IMDSv2 emulation on 127.0.0.1 the child's SDK polls by itself.

Token PUT first (no IMDSv1), one role named dapr-aws, the region at
placement/region. For clients that read no container endpoint. New
credentials reach the child without a restart.
"""

from __future__ import annotations

import secrets
import time

from launcher import durations
from launcher.delivery import childenv, routes
from launcher.delivery.server import CredentialServer

ROLE_NAME = "dapr-aws"
MAX_IMDS_TOKENS = 4096


class ImdsRoute:
    """IMDSv2: PUT /latest/api/token, then GETs carrying X-aws-ec2-metadata-token."""

    CREDS = "/latest/meta-data/iam/security-credentials/"

    def __init__(self, refresher, clock=time.monotonic):
        self.refresher = refresher
        self.clock = clock
        self._tokens: dict[str, float] = {}

    def __call__(self, method: str, target: str, headers: dict):
        if not routes.host_is_loopback(headers.get("host")):
            return routes.error_reply(403, "forbidden host")
        path = target.split("?", 1)[0]
        while "//" in path:  # as real IMDS: clients that append "/latest/..." to ".../" send "//latest/..."
            path = path.replace("//", "/")
        if path == "/latest/api/token":
            return self._token(method, headers)
        if method != "GET":
            return routes.error_reply(405, "method not allowed")
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
            return routes.error_reply(405, "method not allowed")
        if "x-forwarded-for" in headers:
            return routes.error_reply(403, "forwarded requests are refused")
        try:
            ttl = int(headers.get("x-aws-ec2-metadata-token-ttl-seconds", ""))
        except ValueError:
            ttl = 0
        if not 1 <= ttl <= 21600:
            return routes.error_reply(400, "X-aws-ec2-metadata-token-ttl-seconds must be 1 to 21600")
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
            return routes.error_reply(503, "credentials expired and could not be refreshed yet")
        creds = self.refresher.current
        return routes.json_reply(200, {
            "Code": "Success",
            "LastUpdated": durations.stamp_z(),
            "Type": "AWS-HMAC",
            "AccessKeyId": creds.access_key,
            "SecretAccessKey": creds.secret_key,
            "Token": creds.token or "",
            "Expiration": routes.expiration(creds),
        })


class ImdsServer(CredentialServer):
    """The IMDSv2 emulation and the environment that points a child at it."""

    ROUTE = ImdsRoute

    @property
    def url(self) -> str:
        return f"http://{self.HOST}:{self.port}/"

    def child_env(self, base):
        return childenv.for_imds_mode(base, self.url, self.refresher.current.region, self.empty_file)
