"""`endpoint` mode: the ECS/EKS container-credentials endpoint the child's SDK polls by itself.

At a random path behind a random 256-bit token, on 127.0.0.1, given to the
child as AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN
(the token itself, not the _FILE variant: Go v1 1.44 and v2 1.17 do not read
the file). New credentials reach the child without a restart.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time

from launcher.delivery import childenv, routes
from launcher.delivery.server import CredentialServer


class ContainerRoute:
    """GET <path> with `Authorization: <token>` -> the current credentials."""

    def __init__(self, refresher, path: str | None = None, token: str | None = None):
        self.refresher = refresher
        self.path = path or "/" + secrets.token_urlsafe(16)
        self.token = token or secrets.token_urlsafe(32)  # 256 bits
        self._token_bytes = self.token.encode()
        self._cache = (None, None, 0.0)  # (creds, body, built at): one JSON encoding per credentials

    def __call__(self, method: str, target: str, headers: dict):
        if not routes.host_is_loopback(headers.get("host")):
            return routes.error_reply(403, "forbidden host")
        if target.split("?", 1)[0] != self.path:
            return routes.error_reply(404, "not found")
        if method != "GET":
            return routes.error_reply(405, "method not allowed")
        given = headers.get("authorization")
        if not given:
            return routes.error_reply(401, "missing authorization token")
        if not hmac.compare_digest(given.encode(), self._token_bytes):
            return routes.error_reply(403, "wrong authorization token")
        if self.refresher.expired():
            return routes.error_reply(503, "credentials expired and could not be refreshed yet")
        return 200, self._body(), ()

    def _body(self) -> bytes:
        creds = self.refresher.current
        cached_for, body, built = self._cache
        # Static keys get a moving expiry, so rebuild their body once a minute.
        if cached_for is not creds or (creds.expires is None and time.monotonic() - built > 60):
            body = json.dumps({"AccessKeyId": creds.access_key, "SecretAccessKey": creds.secret_key,
                               "Token": creds.token or "", "Expiration": routes.expiration(creds)}).encode()
            self._cache = (creds, body, time.monotonic())
        return body


class EndpointServer(CredentialServer):
    """The container-credentials endpoint and the environment that points a child at it."""

    ROUTE = ContainerRoute

    @property
    def url(self) -> str:
        return f"http://{self.HOST}:{self.port}{self.route.path}"

    def child_env(self, base):
        return childenv.for_endpoint_mode(base, self.url, self.route.token, self.refresher.current.region,
                                          self.empty_file)
