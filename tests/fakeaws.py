"""Small stand-ins for AWS endpoints that botocore really talks to, on 127.0.0.1.

One threaded HTTP server answers, on its own port:
* IMDSv2 (token PUT, role listing, role credentials, availability zone);
* the ECS/EKS container credentials endpoint (/container-creds);
* the SSO portal's GetRoleCredentials (/federation/credentials).
Each request is counted by path so tests can assert how often we called.
"""

from __future__ import annotations

import datetime
import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _iso(seconds: int) -> str:
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeAws:
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
                if path == "/container-creds":
                    if self.headers.get("Authorization") != fake.CONTAINER_TOKEN:
                        return self._reply(403, '{"message":"bad token"}')
                    return self._reply(200, json.dumps(fake.creds("ASIACONT")))
                if path == "/federation/credentials":
                    if self.headers.get("x-amz-sso_bearer_token") != fake.SSO_TOKEN:
                        return self._reply(401, '{"message":"Session token not found or invalid"}',
                                           headers=[("x-amzn-ErrorType", "UnauthorizedException")])
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def creds(self, prefix: str) -> dict:
        """A new set of credentials, numbered."""
        self.issued += 1
        n = self.issued
        return {"AccessKeyId": f"{prefix}{n:04d}", "SecretAccessKey": f"fakesecret{n:04d}/0123456789abcdef",
                "Token": f"faketoken{n:04d}+0123456789abcdef", "Expiration": _iso(self.lifetime)}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
