"""Which profile botocore will use, and why: the one home of that rule (imports nothing).

doctor, whoami, SSO sign-in, the credential_process loop guard and every message
that names a profile ask here, so that none of them disagrees with botocore.
"""

from __future__ import annotations

import os

# botocore's "profile" setting reads AWS_DEFAULT_PROFILE before AWS_PROFILE.
PROFILE_VARS = ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")


def profile_source(profile: str | None, env=os.environ) -> str | None:
    """Where the profile botocore will use comes from: "--profile", the variable, or None."""
    if profile:
        return "--profile"
    return next((name for name in PROFILE_VARS if env.get(name)), None)


def effective_profile(profile: str | None, env=os.environ) -> str | None:
    """The profile botocore will use: --profile, else AWS_DEFAULT_PROFILE, else AWS_PROFILE."""
    source = profile_source(profile, env)
    return profile if source == "--profile" else (env[source] if source else None)
