"""SigV4-X509: SigV4's canonical request, signed with the certificate's private key.

The canonical request, the signed headers and the credential scope are
botocore's own SigV4 code; only the string-to-sign's algorithm, the key and
the Authorization header's credential (the certificate serial, in decimal)
differ, as the Roles Anywhere signing process documents.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone

SERVICE = "rolesanywhere"


def _b64_der(cert) -> str:
    from cryptography.hazmat.primitives import serialization

    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def sign(request, identity, region: str, now: datetime | None = None) -> None:
    """Add X-Amz-Date, X-Amz-X509(-Chain) and Authorization to a botocore AWSRequest."""
    from botocore.auth import SigV4Auth

    # botocore's SigV4 without credentials: only its canonical-request and scope parts are used.
    signer = SigV4Auth(credentials=None, service_name=SERVICE, region_name=region)
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    request.context["timestamp"] = stamp
    for name in ("X-Amz-Date", "X-Amz-X509", "X-Amz-X509-Chain", "Authorization"):
        if name in request.headers:
            del request.headers[name]
    request.headers["X-Amz-Date"] = stamp
    request.headers["X-Amz-X509"] = _b64_der(identity.certificate)
    if identity.chain:
        request.headers["X-Amz-X509-Chain"] = ",".join(_b64_der(cert) for cert in identity.chain)
    canonical = signer.canonical_request(request)
    scope = signer.credential_scope(request)
    string_to_sign = "\n".join([identity.algorithm, stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signature = _signature(identity, string_to_sign.encode())
    signed = signer.signed_headers(signer.headers_to_sign(request))
    request.headers["Authorization"] = (
        f"{identity.algorithm} Credential={identity.certificate.serial_number}/{scope}, "
        f"SignedHeaders={signed}, Signature={signature.hex()}")


def _signature(identity, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    if identity.algorithm == "AWS4-X509-RSA-SHA256":
        return identity.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return identity.key.sign(data, ec.ECDSA(hashes.SHA256()))  # DER-encoded (r, s), as the service expects
