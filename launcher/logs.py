"""Logging of the launcher itself: text or JSON lines on stderr, always redacted.

The child's own output never passes through here: it inherits our stdout
and stderr directly. botocore's loggers are deliberately not attached: at
debug level they print raw STS responses, which contain secrets.
"""

from __future__ import annotations

import json
import logging
import sys
import time

from launcher import durations
from launcher.redact import RedactingFilter, redact

LOGGER_NAME = "dapr-aws"
LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("text", "json")

_format = "text"
_journald = False


def _stderr_is_journal() -> bool:
    """JOURNAL_STREAM (device:inode) names our stderr when systemd connected it to the journal."""
    import os

    stream = os.environ.get("JOURNAL_STREAM", "")
    dev, _, ino = stream.partition(":")
    if not (dev.isdigit() and ino.isdigit()):
        return False
    try:
        st = os.fstat(sys.stderr.fileno())
    except (OSError, ValueError):
        return False
    return (st.st_dev, st.st_ino) == (int(dev), int(ino))


# syslog priorities, understood by journald as a "<N>" prefix on each line
PRIORITIES = {"DEBUG": 7, "INFO": 6, "WARNING": 4, "ERROR": 3, "CRITICAL": 2}


class TextFormatter(logging.Formatter):
    """`dapr-aws: warning: message`, one line per record (with `<N>` for journald)."""

    def __init__(self, journald: bool = False):
        super().__init__()
        self.journald = journald

    def format(self, record: logging.LogRecord) -> str:
        text = f"dapr-aws: {record.levelname.lower()}: {record.getMessage()}"
        if self.journald:
            text = f"<{PRIORITIES.get(record.levelname, 6)}>{text}"
        if record.exc_text:
            text += "\n" + record.exc_text
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": LOGGER_NAME,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}) or {})
        if record.exc_text:
            entry["traceback"] = record.exc_text
        return json.dumps(entry, sort_keys=False)


def get_logger() -> logging.Logger:
    """The launcher's logger."""
    return logging.getLogger(LOGGER_NAME)


def configure(level: str = "info", fmt: str = "text") -> None:
    """Send the launcher's records to stderr at `level` in format `fmt`."""
    global _format, _journald
    _format = fmt
    _journald = _stderr_is_journal()
    logger = get_logger()
    logger.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter(journald=_journald))
    handler.addFilter(RedactingFilter())
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False


def print_error(error) -> None:
    """Print a LauncherError as exactly one line on stderr, in the chosen format."""
    if _format == "json":
        entry = {
            "time": durations.stamp_z(),
            "level": "error",
            "logger": LOGGER_NAME,
            "msg": redact(error.message),
            "exit_code": error.exit_code,
        }
        if getattr(error, "remedy", None):
            entry["remedy"] = redact(error.remedy)
        line = json.dumps(entry)
    else:
        line = ("<3>" if _journald else "") + "dapr-aws: error: " + redact(error.one_line())
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
