"""A local IAM Roles Anywhere CreateSession, reached through AWS_ENDPOINT_URL_ROLESANYWHERE.

It checks each request the way the service documents it, with its own SigV4
code (not botocore's, not ours): canonical request, string to sign, signed
headers, the signature against the public key of the certificate sent in
X-Amz-X509, the credential scope (serial, date, region, service), and the
chain up to the trust anchor's CA. Good requests get a credential set.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import quote, unquote, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from tests.loopback import LoopbackServer

ACCOUNT = "123456789012"
REGION = "eu-west-1"
TRUST_ANCHOR = f"arn:aws:rolesanywhere:{REGION}:{ACCOUNT}:trust-anchor/0f0e0d0c-1111-2222-3333-444455556666"
PROFILE = f"arn:aws:rolesanywhere:{REGION}:{ACCOUNT}:profile/a1b2c3d4-1111-2222-3333-444455556666"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/dapr-anywhere"
_AUTH = re.compile(r"^(AWS4-X509-(?:RSA|ECDSA)-SHA256) Credential=([^,]+), SignedHeaders=([^,]+), "
                   r"Signature=([0-9a-f]+)$")


class Refused(Exception):
    def __init__(self, status: int, kind: str, message: str):
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


def _uri_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_request(method: str, path: str, raw_query: str, headers: dict[str, list[str]], signed: list[str],
                      body: bytes) -> str:
    """SigV4 Task 1, written from the specification."""
    pairs = []
    for part in filter(None, raw_query.split("&")):
        name, _, value = part.partition("=")
        pairs.append((_uri_encode(unquote(name)), _uri_encode(unquote(value))))
    query = "&".join(f"{n}={v}" for n, v in sorted(pairs))
    lines = []
    for name in signed:
        values = headers.get(name, [])
        lines.append(name + ":" + ",".join(" ".join(v.split()) for v in values))
    return "\n".join([method, "/".join(_uri_encode(s) for s in path.split("/")), query, "\n".join(lines) + "\n",
                      ";".join(signed), hashlib.sha256(body).hexdigest()])


def verify(method: str, target: str, headers: dict[str, list[str]], body: bytes, anchor: x509.Certificate,
           region: str = REGION, tamper: bool = False, now: datetime.datetime | None = None) -> dict:
    """Everything the service checks; returns what the request said, or raises Refused."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    match = _AUTH.match((headers.get("authorization") or [""])[0])
    if not match:
        raise Refused(403, "AccessDeniedException", "Authorization header is missing or malformed")
    algorithm, credential, signed_text, signature = match.groups()
    if tamper:  # as if the request had been altered on the way
        signature = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    signed = signed_text.split(";")
    for needed in ("host", "x-amz-date", "x-amz-x509", "content-type"):
        if needed not in signed:
            raise Refused(403, "AccessDeniedException", f"{needed} must be signed")
    if "x-amz-x509-chain" in headers and "x-amz-x509-chain" not in signed:
        raise Refused(403, "AccessDeniedException", "x-amz-x509-chain must be signed")
    stamp = headers["x-amz-date"][0]
    when = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    if abs((now - when).total_seconds()) > 300:
        raise Refused(403, "AccessDeniedException", "Signature expired")
    serial, date, scope_region, service, terminator = credential.split("/")
    leaf = x509.load_der_x509_certificate(base64.b64decode(headers["x-amz-x509"][0]))
    if serial != str(leaf.serial_number):
        raise Refused(403, "AccessDeniedException", "Credential does not name the certificate's serial number")
    if date != stamp[:8] or service != "rolesanywhere" or terminator != "aws4_request":
        raise Refused(403, "AccessDeniedException", "Credential scope is malformed")
    if scope_region != region:
        raise Refused(403, "AccessDeniedException",
                      f"Credential should be scoped to a valid region, not '{scope_region}'")
    url = urlsplit(target)
    digest = hashlib.sha256(canonical_request(method, url.path, url.query, headers, signed, body).encode())
    string_to_sign = "\n".join([algorithm, stamp, "/".join([date, scope_region, service, terminator]),
                                digest.hexdigest()]).encode()
    key = leaf.public_key()
    try:
        if algorithm == "AWS4-X509-RSA-SHA256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(bytes.fromhex(signature), string_to_sign, padding.PKCS1v15(), hashes.SHA256())
        elif algorithm == "AWS4-X509-ECDSA-SHA256" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(bytes.fromhex(signature), string_to_sign, ec.ECDSA(hashes.SHA256()))
        else:
            raise InvalidSignature()
    except (InvalidSignature, ValueError):
        raise Refused(403, "AccessDeniedException", "Signature validation failed") from None
    chain = [x509.load_der_x509_certificate(base64.b64decode(part))
             for part in ",".join(headers.get("x-amz-x509-chain", [])).split(",") if part]
    _check_trust(leaf, chain, anchor, now)
    return {"serial": int(serial), "algorithm": algorithm, "region": scope_region, "chain": len(chain),
            "signed": signed, "subject": leaf.subject.rfc4514_string()}


def _check_trust(leaf, chain, anchor, now) -> None:
    expires = getattr(leaf, "not_valid_after_utc", None) or leaf.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    if now > expires:
        raise Refused(403, "AccessDeniedException", "Certificate is expired")
    path = [leaf, *chain]
    try:
        for child, parent in zip(path, path[1:] + [anchor]):
            child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        raise Refused(403, "AccessDeniedException", "Untrusted certificate. Insufficient certificate") from None


class FakeRolesAnywhere(LoopbackServer):
    """The running stub: `url` for AWS_ENDPOINT_URL_ROLESANYWHERE, `calls` for what it saw."""

    def __init__(self, anchor: x509.Certificate, lifetime: int | None = None, region: str = REGION):
        self.anchor = anchor
        self.lifetime = lifetime  # seconds the credentials live (default: the durationSeconds asked for)
        self.region = region
        self.tamper = False
        self.reply: tuple[int, str] | None = None  # (status, body) to send instead, after the checks
        self.calls: list[dict] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers: dict[str, list[str]] = {}
                for name, value in self.headers.items():
                    headers.setdefault(name.lower(), []).append(value)
                kind = None
                try:
                    status, doc = 201, fake._session(self.path, headers, body)
                except Refused as exc:
                    status, doc, kind = exc.status, {"message": exc.message}, exc.kind
                    with fake.lock:
                        fake.calls.append({"status": exc.status, "message": exc.message})
                data = json.dumps(doc).encode()
                if fake.reply:
                    status, data = fake.reply[0], fake.reply[1].encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if kind:
                    self.send_header("x-amzn-ErrorType", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._serve(Handler)

    def _session(self, target: str, headers, body: bytes) -> dict:
        seen = verify("POST", target, headers, body, self.anchor, self.region, self.tamper)
        url = urlsplit(target)
        if url.path != "/sessions":
            raise Refused(404, "ResourceNotFoundException", "Unknown path")
        query = dict(part.split("=", 1) for part in url.query.split("&") if "=" in part)
        query = {k: unquote(v) for k, v in query.items()}
        if query.get("trustAnchorArn") != TRUST_ANCHOR or query.get("profileArn") != PROFILE:
            raise Refused(404, "ResourceNotFoundException", "Trust anchor or profile not found")
        if query.get("roleArn") != ROLE:
            raise Refused(403, "AccessDeniedException", "Profile does not allow this role")
        request = json.loads(body or b"{}")
        duration = request.get("durationSeconds", 3600)
        if not isinstance(duration, int) or not 900 <= duration <= 43200:
            raise Refused(400, "ValidationException", "durationSeconds must be between 900 and 43200")
        with self.lock:
            n = len([c for c in self.calls if c.get("status") == 201]) + 1
            lifetime = self.lifetime or duration
            expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=lifetime)
            creds = {"accessKeyId": f"ASIARA{n:014d}", "secretAccessKey": f"rasecret/{n:04d}/0123456789abcdef",
                     "sessionToken": f"ra-session-token-{n:04d}-" + "x" * 40,
                     "expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}
            self.calls.append({"status": 201, **seen, "duration": duration, "key": creds["accessKeyId"],
                               "session_name": request.get("roleSessionName")})
        return {"credentialSet": [{"assumedRoleUser": {"arn": f"{ROLE}/x", "assumedRoleId": "AROAX:x"},
                                   "credentials": creds, "packedPolicySize": 0, "roleArn": ROLE,
                                   "sourceIdentity": seen["subject"]}],
                "subjectArn": f"arn:aws:rolesanywhere:{REGION}:{ACCOUNT}:subject/s1"}

    def ok_calls(self) -> list[dict]:
        with self.lock:
            return [c for c in self.calls if c.get("status") == 201]
