"""Durations on the command line (`90`, `90s`, `15m`, `1h`, `1h30m`, `500ms`), and UTC stamps.

The one home of the ISO 8601 UTC form with a Z (`2030-01-01T00:00:00Z`) that every AWS SDK
parses: written by `stamp_z`, read by `seconds_until`.
"""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
STAMP_Z = "%Y-%m-%dT%H:%M:%SZ"


# No duration the launcher takes means anything beyond a week; larger ones (or a 400-digit
# number, which is infinity as a float) would overflow the clocks they are added to.
MAX_SECONDS = 7 * 24 * 3600.0


def parse(text: str) -> float:
    """Seconds in `text`; a bare number means seconds; at most a week. Raises ValueError."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        seconds = float(text)
    elif not text or not re.fullmatch(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h))+", text):
        raise ValueError(f"{text!r} is not a duration (examples: 90, 90s, 15m, 1h)")
    else:
        seconds = sum(float(n) * _UNITS[u] for n, u in _PART.findall(text))
    if not seconds <= MAX_SECONDS:
        raise ValueError(f"{text[:20]!r} is longer than the longest duration taken, 168h (a week)")
    return seconds



def seconds_until(stamp_z: str) -> float:
    """Seconds from now until an ISO 8601 UTC stamp like 2030-01-01T00:00:00Z (negative once past)."""
    import calendar
    import time

    return calendar.timegm(time.strptime(stamp_z, STAMP_Z)) - time.time()


def stamp_z(when=None) -> str:
    """`when` (an aware datetime, epoch seconds, or now) as ISO 8601 UTC with a Z."""
    import time

    if when is None or isinstance(when, (int, float)):
        return time.strftime(STAMP_Z, time.gmtime(when))
    from datetime import timezone

    return when.astimezone(timezone.utc).strftime(STAMP_Z)
