"""The Credentials value: what every other package deals in, wherever the keys came from.

Imports only durations: delivery, ops and the supervisor's callers use it without
loading botocore.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from launcher import durations


class Credentials(NamedTuple):
    """One set of AWS credentials, with where they came from and the region.

    Immutable. A NamedTuple rather than a frozen dataclass: every start pays for defining
    it, and a dataclass costs about 1.5 ms more. Its repr never shows the secrets.
    """

    access_key: str
    secret_key: str
    token: str | None = None
    expires: datetime | None = None  # timezone-aware UTC; None = never
    source: str = "unknown"  # botocore's method name (e.g. "assume-role"), or a Source's name
    region: str | None = None
    region_source: str | None = None
    certificate: dict | None = None  # Roles Anywhere: subject, serial, expiry
    # False for a source the AWS CLI's cache never holds: a refresh then asks upstream at once.
    cacheable: bool = True

    def __repr__(self) -> str:
        return (f"Credentials(access_key={self.access_key!r}, expires={self.expires!r}, source={self.source!r}, "
                f"region={self.region!r})")

    __str__ = __repr__

    def expires_z(self) -> str | None:
        """Expiry as ISO 8601 UTC with a Z, the form every AWS SDK parses."""
        if self.expires is None:
            return None
        return durations.stamp_z(self.expires)
