"""Durations: on the command line (`90`, `90s`, `15m`, `1h`, `1h30m`, `500ms`), and until a UTC stamp."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse(text: str) -> float:
    """Seconds in `text`; a bare number means seconds. Raises ValueError."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if not text or not re.fullmatch(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h))+", text):
        raise ValueError(f"{text!r} is not a duration (examples: 90, 90s, 15m, 1h)")
    return sum(float(n) * _UNITS[u] for n, u in _PART.findall(text))



def seconds_until(stamp_z: str) -> float:
    """Seconds from now until an ISO 8601 UTC stamp like 2030-01-01T00:00:00Z (negative once past)."""
    import calendar
    import time

    return calendar.timegm(time.strptime(stamp_z, "%Y-%m-%dT%H:%M:%SZ")) - time.time()
