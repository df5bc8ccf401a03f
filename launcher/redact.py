"""The one place where secrets are removed from text that leaves the process.

Every log record, every error message and every line we print about
credentials passes through `redact()`. Two nets catch secrets:

* values we know are secret (registered as soon as credentials are
  resolved) are replaced wherever they appear;
* anything shaped like a secret assignment (``SecretAccessKey": "..."``,
  ``aws_session_token = ...``, ``Authorization: ...``) is masked even if we
  never saw the value, e.g. in the stderr of a failing credential_process.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "****"

_lock = threading.Lock()
_secrets: set[str] = set()

# Key names whose values are secret, in the spellings AWS tools use.
_SECRET_KEYS = (
    r"secret_?access_?key|aws_secret_access_key|secretaccesskey|"
    r"session_?token|aws_session_token|sessiontoken|security_?token|"
    r"secret_?key|token|authorization|x-amz-security-token|x-aws-ec2-metadata-token"
)
_ASSIGNMENT = re.compile(
    r"""(?P<key>["']?(?:%s)["']?\s*[:=]\s*["']?)(?P<value>[^"'\s,;}]+)""" % _SECRET_KEYS,
    re.IGNORECASE,
)


def register(*values: str | None) -> None:
    """Remember secret values so that they are masked wherever they appear."""
    with _lock:
        for value in values:
            # Very short strings would mask ordinary words; real secrets are long.
            if value and len(value) >= 8:
                _secrets.add(value)


def redact(text: str) -> str:
    """Return `text` with every known or secret-shaped value replaced by ****."""
    if not text:
        return text
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    return _ASSIGNMENT.sub(lambda m: m.group("key") + MASK, text)


class RedactingFilter(logging.Filter):
    """Logging filter that renders the message once and redacts it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks are only shown at debug level; still never with secrets.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True
