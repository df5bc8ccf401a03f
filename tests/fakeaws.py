"""Small stand-ins for AWS endpoints that botocore really talks to, on 127.0.0.1.

One threaded HTTP server answers, on its own port:
* IMDSv2 (token PUT, role listing, role credentials, availability zone);
* the ECS/EKS container credentials endpoint (/container-creds);
* the SSO portal's GetRoleCredentials (/federation/credentials), accepting
  the tokens in `sso_tokens` (a test may revoke or add some);
* SSO-OIDC (RegisterClient, StartDeviceAuthorization, CreateToken), whose
  device-code polls follow `oidc_script` ("pending", "slow_down", "expired",
  "hangup", "ok"); refresh-token grants succeed for tokens in `refresh_tokens`.
Each request is counted by path so tests can assert how often we called.
"""

from __future__ import annotations

import datetime
import json
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler

from tests.loopback import LoopbackServer


def _iso(seconds: int) -> str:
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeAws(LoopbackServer):
    """A running fake; use as a context manager or call close()."""

    IMDS_TOKEN = "imds-session-token-0123456789"
    CONTAINER_TOKEN = "container-auth-token-0123456789"
    SSO_TOKEN = "sso-access-token-0123456789abcdef"
    ROLE = "dapr-instance-role"

    def __init__(self, zone: str = "eu-central-1a", lifetime: int = 3600):
        self.zone = zone
        self.lifetime = lifetime
        self.calls: Counter[str] = Counter()
        self.issued = 0
        self.sso_tokens = {self.SSO_TOKEN}
        self.refresh_tokens: set[str] = set()
        self.oidc_script = ["ok"]
        self.token_requests: list[dict] = []
        self.forbidden_accounts = {"000000000000"}
        self.container_reply: tuple[int, str] | None = None  # (status, body) to serve instead
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _reply(self, status, body, ctype="application/json", headers=()):
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                path = self.path.split("?")[0]
                fake.calls[path] += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if path == "/client/register":
                    return self._reply(200, json.dumps({
                        "clientId": "fake-client-id", "clientSecret": "fake-client-secret-0123456789",
                        "clientIdIssuedAt": int(time.time()), "clientSecretExpiresAt": int(time.time()) + 90 * 86400}))
                if path == "/device_authorization":
                    return self._reply(200, json.dumps({
                        "deviceCode": "fake-device-code", "userCode": "ABCD-EFGH",
                        "verificationUri": "https://device.sso.example/",
                        "verificationUriComplete": "https://device.sso.example/?user_code=ABCD-EFGH",
                        "expiresIn": 600, "interval": 1}))
                if path == "/token":
                    fake.token_requests.append(body)
                    return self._token(body)
                self._reply(404, "")

            def _oidc_error(self, code, error):
                self._reply(400, json.dumps({"error": error}), headers=[("x-amzn-ErrorType", code)])

            def _token(self, body):
                if body.get("grantType") == "refresh_token":
                    if body.get("refreshToken") not in fake.refresh_tokens:
                        return self._oidc_error("InvalidGrantException", "invalid_grant")
                    return self._reply(200, json.dumps(fake.new_sso_token()))
                step = fake.oidc_script.pop(0) if len(fake.oidc_script) > 1 else fake.oidc_script[0]
                if step == "pending":
                    return self._oidc_error("AuthorizationPendingException", "authorization_pending")
                if step == "slow_down":
                    return self._oidc_error("SlowDownException", "slow_down")
                if step == "expired":
                    return self._oidc_error("ExpiredTokenException", "expired_token")
                if step == "hangup":  # the network goes away: the connection closes with no reply
                    self.close_connection = True
                    return None
                self._reply(200, json.dumps(fake.new_sso_token()))

            def do_PUT(self):
                fake.calls[self.path] += 1
                if self.path == "/latest/api/token":
                    self._reply(200, fake.IMDS_TOKEN, "text/plain",
                                [("X-aws-ec2-metadata-token-ttl-seconds", "21600")])
                else:
                    self._reply(404, "")

            def do_GET(self):
                path = self.path.split("?")[0]
                fake.calls[path] += 1
                if path.startswith("/latest/"):
                    return self._imds(path)
                if path == "/container-creds" and fake.container_reply is not None:
                    return self._reply(fake.container_reply[0], fake.container_reply[1], "text/html")
                if path == "/container-creds":
                    if self.headers.get("Authorization") != fake.CONTAINER_TOKEN:
                        return self._reply(403, '{"message":"bad token"}')
                    return self._reply(200, json.dumps(fake.creds("ASIACONT")))
                if path == "/federation/credentials":
                    if self.headers.get("x-amz-sso_bearer_token") not in fake.sso_tokens:
                        return self._reply(401, '{"message":"Session token not found or invalid"}',
                                           headers=[("x-amzn-ErrorType", "UnauthorizedException")])
                    if f"account_id={next(iter(fake.forbidden_accounts))}" in self.path:
                        return self._reply(403, '{"message":"No access"}',
                                           headers=[("x-amzn-ErrorType", "ForbiddenException")])
                    c = fake.creds("ASIASSO")
                    exp = int((datetime.datetime.now(datetime.timezone.utc).timestamp() + fake.lifetime) * 1000)
                    body = {"roleCredentials": {"accessKeyId": c["AccessKeyId"],
                                                "secretAccessKey": c["SecretAccessKey"],
                                                "sessionToken": c["Token"], "expiration": exp}}
                    return self._reply(200, json.dumps(body))
                self._reply(404, "")

            def _imds(self, path):
                if self.headers.get("X-aws-ec2-metadata-token") != fake.IMDS_TOKEN:
                    return self._reply(401, "")
                base = "/latest/meta-data/iam/security-credentials"
                if path in (base, base + "/"):
                    return self._reply(200, fake.ROLE, "text/plain")
                if path == f"{base}/{fake.ROLE}":
                    c = fake.creds("ASIAIMDS")
                    c.update({"Code": "Success", "Type": "AWS-HMAC", "LastUpdated": _iso(0)})
                    return self._reply(200, json.dumps(c))
                if path.rstrip("/") == "/latest/meta-data/placement/availability-zone":
                    return self._reply(200, fake.zone, "text/plain")
                if path.rstrip("/") == "/latest/meta-data/placement/region":
                    return self._reply(200, fake.zone[:-1], "text/plain")
                self._reply(404, "")

        self._serve(Handler)

    def new_sso_token(self) -> dict:
        """A CreateToken reply whose access token the portal accepts from now on."""
        self.issued += 1
        access, refresh = f"sso-access-{self.issued:04d}-0123456789", f"sso-refresh-{self.issued:04d}-0123456789"
        self.sso_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return {"accessToken": access, "tokenType": "Bearer", "expiresIn": 28800, "refreshToken": refresh}

    def creds(self, prefix: str) -> dict:
        """A new set of credentials, numbered."""
        self.issued += 1
        n = self.issued
        return {"AccessKeyId": f"{prefix}{n:04d}", "SecretAccessKey": f"fakesecret{n:04d}/0123456789abcdef",
                "Token": f"faketoken{n:04d}+0123456789abcdef", "Expiration": _iso(self.lifetime)}
