"""Where credentials come from: the Sources, chosen in one function, and what keeps them fresh.

A Source has a `name` (the Credentials.source it produces), the option keys it reads
(`options`; their rows are in cli/table.py), `wanted(options, scoped_config)` and
`resolve(request, session, fresh=, interactive=)`. SOURCES is tried in order and the first
that wants the request resolves it: IAM Roles Anywhere when its options or profile keys are
there (anywhere/), else botocore's own chain (botocore_chain.py, with every private-botocore
hook). A new source is one module, one entry in SOURCES and its option rows.

Also here: the Credentials value (credentials.py), the profile botocore uses (profiles.py),
SSO sign-in (sso.py), the first, interactive resolution (first_resolution.py), the refresher
and what a refresh fetches (refresher.py, keeping.py), and the credential_process loop guard.

Imports the shared helpers only; never delivery, process, dapr, ops or cli.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from launcher import errors
from launcher.sources import anywhere, botocore_chain
from launcher.sources.credentials import Credentials
from launcher.sources.profiles import effective_profile

SOURCES = (anywhere.SOURCE, botocore_chain.SOURCE)
OPTION_KEYS = tuple(key for source in SOURCES for key in source.options)


class Request(NamedTuple):  # immutable and equal by value, and cheaper to define than a dataclass
    """What to resolve: the profile, the region and the options given for the sources."""

    profile: str | None = None
    region: str | None = None
    options: Mapping = {}  # source option key -> value, only those given (never mutated)
    mfa_code: str | None = None

    @classmethod
    def from_values(cls, values: Mapping) -> "Request":
        """From parsed option values (either parser's), keyed as cli/table.py keys them."""
        return cls(profile=values.get("profile"), region=values.get("region"), mfa_code=values.get("mfa_code"),
                   options={k: values[k] for k in OPTION_KEYS if values.get(k) is not None})


def resolve(request: Request, *, fresh: bool = False, interactive: bool = True) -> Credentials:
    """Resolve credentials eagerly, so that every failure surfaces before a child starts.

    `fresh` bypasses the AWS CLI's cache: a refresh must get new credentials, not the
    cached ones that still look valid to botocore. An MFA code comes from the request,
    else from the terminal when `interactive` and there is one; otherwise asking for it
    is an error (refreshes never prompt). Raises a LauncherError for every failure a
    user can cause.
    """
    shown = effective_profile(request.profile)
    try:
        session = botocore_chain.parsed_session(request.profile)
        scoped = session.get_scoped_config()
        source = next(s for s in SOURCES if s.wanted(request.options, scoped))
        return source.resolve(request, session, fresh=fresh, interactive=interactive)
    except errors.LauncherError:
        raise
    except Exception as exc:  # botocore's and the sources' own failures, translated in one place
        from launcher.sources import botocore_errors, sso_errors

        raise (sso_errors.explain(shown, exc) or botocore_errors.from_botocore(exc, shown)) from None
