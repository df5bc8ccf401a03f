"""Stop `credential_process = dapr-aws credential-process` from calling itself forever.

A profile whose credential_process names itself (directly or through other
profiles) would fork without end. Like the AWS CLI, we pass the chain of
profiles being resolved down through an environment variable and refuse
a profile that is already in it.
"""

from __future__ import annotations

import contextlib
import os

from launcher.errors import ConfigError

CHAIN_VAR = "DAPR_AWS_PROFILE_CHAIN"
MAX_DEPTH = 4


@contextlib.contextmanager
def guard(profile: str | None):
    """Refuse a cycle, then record `profile` for the processes started inside."""
    from launcher.sources.profiles import effective_profile

    name = effective_profile(profile) or "default"
    seen = [p for p in os.environ.get(CHAIN_VAR, "").split(",") if p]
    if name in seen:
        raise ConfigError(
            f"credential_process loop: profile '{name}' resolves through itself ({' -> '.join(seen + [name])})",
            "point credential_process at a different profile",
        )
    if len(seen) >= MAX_DEPTH:
        raise ConfigError(f"credential_process nested {len(seen)} deep ({' -> '.join(seen)})",
                          "simplify the chain of profiles")
    previous = os.environ.get(CHAIN_VAR)
    os.environ[CHAIN_VAR] = ",".join(seen + [name])
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(CHAIN_VAR, None)
        else:
            os.environ[CHAIN_VAR] = previous
