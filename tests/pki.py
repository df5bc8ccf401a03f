"""Test certificates made at test time: a CA, an optional intermediate, a leaf (RSA or EC).

Written as files the way people keep them: PEM certificate, PEM bundle of
intermediates, PEM private key (PKCS#8, PKCS#1/SEC1 "traditional", or
encrypted PKCS#8 with a passphrase).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

NOW = datetime.datetime.now(datetime.timezone.utc)


def new_key(kind: str):
    return rsa.generate_private_key(65537, 2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())


@dataclass
class Issued:
    cert: x509.Certificate
    key: object

    @property
    def serial(self) -> int:
        return self.cert.serial_number


def issue(name: str, key, issuer: Issued | None = None, ca: bool = False, days: float = 30,
          not_after: datetime.datetime | None = None) -> Issued:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "dapr-aws tests")])
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(issuer.cert.subject if issuer else subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(min(NOW, not_after or NOW) - datetime.timedelta(days=2))
               .not_valid_after(not_after or NOW + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    cert = builder.sign(issuer.key if issuer else key, hashes.SHA256())
    return Issued(cert, key)


def ca(kind: str = "rsa", name: str = "Test Root CA") -> Issued:
    return issue(name, new_key(kind), ca=True, days=365)


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key, style: str = "pkcs8", passphrase: bytes | None = None) -> bytes:
    if passphrase:
        encryption = serialization.BestAvailableEncryption(passphrase)
    else:
        encryption = serialization.NoEncryption()
    fmt = serialization.PrivateFormat.TraditionalOpenSSL if style == "traditional" else serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, fmt, encryption)


def write_identity(directory: Path, leaf: Issued, chain: list[Issued] = (), style: str = "pkcs8",
                   passphrase: bytes | None = None, key=None) -> dict[str, str]:
    """cert.pem, key.pem and (with a chain) chain.pem in `directory`; returns the option values."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "cert.pem").write_bytes(pem(leaf.cert))
    (directory / "key.pem").write_bytes(key_pem(key or leaf.key, style, passphrase))
    (directory / "key.pem").chmod(0o600)
    paths = {"certificate": str(directory / "cert.pem"), "private_key": str(directory / "key.pem")}
    if chain:
        (directory / "chain.pem").write_bytes(b"".join(pem(c.cert) for c in chain))
        paths["intermediates"] = str(directory / "chain.pem")
    return paths
