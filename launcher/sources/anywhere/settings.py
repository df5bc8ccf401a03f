"""What a Roles Anywhere source is: options and profile keys merged, checked, with its region.

Options (and their DAPR_AWS_* mirrors) win over the keys of the profile
(`roles_anywhere_*` in ~/.aws/config); the session lasts an hour unless told.
Imported only once Roles Anywhere is the source (see the package's wanted()).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from launcher import durations
from launcher.sources.anywhere import PROFILE_PREFIX, profile_keys
from launcher.errors import ConfigError

REQUIRED = ("certificate", "private_key", "trust_anchor_arn", "profile_arn", "role_arn")
DEFAULT_DURATION = 3600
MIN_DURATION, MAX_DURATION = 900, 43200  # what CreateSession accepts
ENDPOINT_VARS = ("AWS_ENDPOINT_URL_ROLESANYWHERE", "AWS_ENDPOINT_URL")  # botocore's order
_DOMAINS = {"aws": "amazonaws.com", "aws-cn": "amazonaws.com.cn", "aws-us-gov": "amazonaws.com"}


@dataclass(frozen=True)
class Settings:
    certificate: str
    private_key: str
    trust_anchor_arn: str
    profile_arn: str
    role_arn: str
    region: str  # of the trust anchor: where CreateSession is called and signed for
    duration: int = DEFAULT_DURATION
    intermediates: str | None = None
    role_session_name: str | None = None
    endpoint: str = ""

    def url(self) -> str:
        """POST target with the three ARNs in the query, as the API documents."""
        from urllib.parse import urlencode

        query = urlencode({"profileArn": self.profile_arn, "roleArn": self.role_arn,
                           "trustAnchorArn": self.trust_anchor_arn})
        return f"{self.endpoint.rstrip('/')}/sessions?{query}"


def build(options: dict | None, scoped_config: dict, profile: str | None, env=os.environ) -> Settings:
    """Merge and check; every mistake is one ConfigError naming the option or key to fix."""
    values = {**profile_keys(scoped_config), **(options or {})}
    missing = [name for name in REQUIRED if not values.get(name)]
    if missing:
        names = ", ".join("--" + name.replace("_", "-") for name in missing)
        keys = ", ".join(PROFILE_PREFIX + name for name in missing)
        where = f" (or {keys} in profile '{profile}')" if profile else ""
        raise ConfigError(f"IAM Roles Anywhere needs {names}{where}",
                          "give the certificate, its private key and the three ARNs of the trust anchor, "
                          "profile and role")
    anchor = _arn(values["trust_anchor_arn"], "trust-anchor", "--trust-anchor-arn")
    ra_profile = _arn(values["profile_arn"], "profile", "--profile-arn")
    if ra_profile[1] != anchor[1]:
        raise ConfigError(f"the profile ARN is in region {ra_profile[1]} but the trust anchor in {anchor[1]}",
                          "Roles Anywhere trust anchors and profiles are regional: use both from one region")
    if not str(values["role_arn"]).startswith("arn:") or ":role/" not in str(values["role_arn"]):
        raise ConfigError(f"--role-arn '{values['role_arn']}' is not an IAM role ARN",
                          "expected arn:aws:iam::ACCOUNT:role/NAME")
    return Settings(
        certificate=os.path.expanduser(values["certificate"]),
        private_key=os.path.expanduser(values["private_key"]),
        intermediates=os.path.expanduser(values["intermediates"]) if values.get("intermediates") else None,
        trust_anchor_arn=values["trust_anchor_arn"], profile_arn=values["profile_arn"], role_arn=values["role_arn"],
        role_session_name=values.get("role_session_name") or None,
        region=anchor[1], duration=_duration(values.get("session_duration")),
        endpoint=_endpoint(anchor[0], anchor[1], env),
    )


def _arn(text: str, kind: str, option: str) -> tuple[str, str]:
    """(partition, region) of a Roles Anywhere ARN of this kind."""
    parts = str(text).split(":", 5)
    if (len(parts) != 6 or parts[0] != "arn" or parts[2] != "rolesanywhere" or not parts[3]
            or not parts[5].startswith(kind + "/") or not _looks_like_region(parts[3])):
        raise ConfigError(f"{option} '{text}' is not a Roles Anywhere {kind} ARN",
                          f"expected arn:aws:rolesanywhere:REGION:ACCOUNT:{kind}/ID")
    return parts[1], parts[3]


def _looks_like_region(region: str) -> bool:
    pieces = region.split("-")
    return len(pieces) >= 3 and pieces[-1].isdigit() and all(p.isalnum() and p.islower() for p in pieces[:-1])


def _duration(raw) -> int:
    if raw in (None, ""):
        return DEFAULT_DURATION
    try:
        seconds = raw if isinstance(raw, (int, float)) else durations.parse(str(raw))
    except ValueError as exc:
        raise ConfigError(f"--session-duration: {exc}", "e.g. 1h, 90m or 3600") from None
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise ConfigError(f"--session-duration {raw} is outside what Roles Anywhere accepts",
                          "use between 15m and 12h")
    return int(seconds)


def _endpoint(partition: str, region: str, env) -> str:
    ignore = env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true"  # as botocore reads it
    for var in () if ignore else ENDPOINT_VARS:
        if env.get(var):
            return env[var]
    return f"https://rolesanywhere.{region}.{_DOMAINS.get(partition, 'amazonaws.com')}"
