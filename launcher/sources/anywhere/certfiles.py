"""The certificate, its chain and its private key, read from their files at every call.

Re-reading at every refresh is what lets a rotated certificate (cert-manager,
an ACME client, a cron job) be picked up without restarting anything. An
encrypted key's passphrase comes from DAPR_AWS_PRIVATE_KEY_PASSPHRASE or the
terminal before the child starts, and is kept in memory for later refreshes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone

from launcher import redact
from launcher.durations import stamp_z
from launcher.errors import ConfigError, LoginNeeded, NoCredentials

PASSPHRASE_VAR = "DAPR_AWS_PRIVATE_KEY_PASSPHRASE"
_remembered: dict[str, bytes] = {}  # key file -> the passphrase that opened it (asked once)


@dataclass(frozen=True)
class Identity:
    """What signs a CreateSession request."""

    certificate: object  # cryptography x509.Certificate (the leaf)
    chain: tuple  # intermediates, leaf's issuer first
    key: object  # RSA or EC private key
    algorithm: str  # AWS4-X509-RSA-SHA256 | AWS4-X509-ECDSA-SHA256

    def describe(self, path: str) -> dict:
        """Subject, serial (decimal, as the Authorization header names it) and expiry, for people."""
        return {"File": path, "Subject": self.certificate.subject.rfc4514_string(),
                "Serial": str(self.certificate.serial_number),
                "NotAfter": stamp_z(not_after(self.certificate))}


def load(certificate: str, private_key: str, intermediates: str | None, interactive: bool,
         now: datetime | None = None) -> Identity:
    """Read and check all three files; a ConfigError/NoCredentials/LoginNeeded per mistake."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    leaf = _certificates(certificate, "certificate")[0]
    chain = tuple(_certificates(intermediates, "intermediates")) if intermediates else ()
    key = _private_key(private_key, interactive)
    if isinstance(key, rsa.RSAPrivateKey):
        algorithm = "AWS4-X509-RSA-SHA256"
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        algorithm = "AWS4-X509-ECDSA-SHA256"
    else:
        raise ConfigError(f"the private key {private_key} is neither RSA nor EC",
                          "Roles Anywhere signs with RSA or ECDSA keys")
    if _spki(key.public_key()) != _spki(leaf.public_key()):
        raise ConfigError(f"the private key {private_key} does not match the certificate {certificate}",
                          "give the key the certificate was issued for")
    _check_validity(leaf, certificate, now or datetime.now(timezone.utc))
    return Identity(leaf, chain, key, algorithm)


def not_after(cert) -> datetime:
    value = getattr(cert, "not_valid_after_utc", None)  # cryptography >= 42
    return value if value is not None else cert.not_valid_after.replace(tzinfo=timezone.utc)


def _not_before(cert) -> datetime:
    value = getattr(cert, "not_valid_before_utc", None)
    return value if value is not None else cert.not_valid_before.replace(tzinfo=timezone.utc)


def _check_validity(cert, path: str, now: datetime) -> None:
    if now > not_after(cert):
        raise NoCredentials(f"the certificate {path} expired at {stamp_z(not_after(cert))} (notAfter)",
                            "renew it, or point --certificate at the renewed file")
    if now < _not_before(cert):
        raise NoCredentials(f"the certificate {path} is not valid before {stamp_z(_not_before(cert))} "
                            "(notBefore)", "check this machine's clock")


def _read(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} file {path}: {exc.strerror or exc}",
                          "check the path and that this user may read it") from None


def _certificates(path: str, what: str) -> list:
    from cryptography import x509

    data = _read(path, what)
    try:
        if b"-----BEGIN" in data:
            found = x509.load_pem_x509_certificates(data)
        else:
            found = [x509.load_der_x509_certificate(data)]
    except ValueError:
        found = []
    if not found:
        raise ConfigError(f"the {what} file {path} holds no X.509 certificate",
                          "expected PEM (-----BEGIN CERTIFICATE-----) or DER")
    return found


def _private_key(path: str, interactive: bool):
    from cryptography.hazmat.primitives import serialization

    data = _read(path, "private key")
    load = serialization.load_pem_private_key if b"-----BEGIN" in data else serialization.load_der_private_key
    passphrase = _remembered.get(path) or _env_passphrase()
    try:
        return load(data, password=passphrase)
    except TypeError:
        # Encrypted but no passphrase given, or a passphrase for a key that is not encrypted.
        if passphrase is not None:
            return _plain_key(load, data, path)
    except ValueError:
        if passphrase is not None and _is_encrypted(data):
            raise ConfigError(f"the passphrase does not open the private key {path}",
                              f"check {PASSPHRASE_VAR}") from None
        raise ConfigError(f"cannot parse the private key {path}",
                          "expected a PEM or DER key: PKCS#8, PKCS#1 (RSA) or SEC1 (EC)") from None
    except Exception as exc:  # unsupported algorithms and the like
        raise ConfigError(f"cannot use the private key {path}: {exc}") from None
    return _ask_and_load(load, data, path, interactive)


def _plain_key(load, data: bytes, path: str):
    try:
        return load(data, password=None)
    except (TypeError, ValueError):
        raise ConfigError(f"cannot parse the private key {path}") from None


def _ask_and_load(load, data: bytes, path: str, interactive: bool):
    import sys

    if not (interactive and sys.stdin.isatty()):
        raise LoginNeeded(f"the private key {path} is encrypted and no passphrase was given",
                          f"set {PASSPHRASE_VAR}, or start dapr-aws in a terminal to type it")
    import getpass

    for _ in range(3):
        phrase = getpass.getpass(f"Passphrase for {path}: ").encode()
        redact.register(phrase.decode(errors="replace"))
        try:
            key = load(data, password=phrase)
        except ValueError:
            sys.stderr.write("dapr-aws: wrong passphrase\n")
            continue
        _remembered[path] = phrase  # refreshes never ask
        return key
    raise ConfigError(f"the passphrase does not open the private key {path}", "try again")


def _env_passphrase() -> bytes | None:
    value = os.environ.get(PASSPHRASE_VAR)
    if not value:
        return None
    redact.register(value)
    return value.encode()


def _is_encrypted(data: bytes) -> bool:
    return b"ENCRYPTED" in data or b"Proc-Type: 4,ENCRYPTED" in data


def _spki(public_key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
