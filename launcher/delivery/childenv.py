"""The child's environment: a pure function of our environment, the mode and the credentials.

Every mode first scrubs, then sets. Every SDK checks environment keys (and a
[default] profile with static keys) before the container endpoint or IMDS,
so a single leftover variable would silently defeat a refresh.
"""

from __future__ import annotations

from collections.abc import Mapping

from launcher import markers
from launcher.sources.credentials import Credentials


SCRUBBED = frozenset(
    {
        "AWS_ACCESS_KEY_ID",
        "AWS_ACCESS_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SECRET_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_ACCOUNT_ID",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
        "AWS_CREDENTIAL_FILE",
        "BOTO_CONFIG",
        # Secrets meant for us only: the Roles Anywhere key's passphrase and a one-time MFA code.
        "DAPR_AWS_PRIVATE_KEY_PASSPHRASE",
        "DAPR_AWS_MFA_CODE",
        "NOTIFY_SOCKET",
        "WATCHDOG_PID",
        "WATCHDOG_USEC",
    }
)
SCRUBBED_PREFIXES = ("AWS_CONTAINER_",)


def is_scrubbed(name: str) -> bool:
    """True for a variable that must never reach the child from our environment."""
    upper = name.upper()  # Windows environment names are case-insensitive
    return upper in SCRUBBED or upper.startswith(SCRUBBED_PREFIXES)


def scrub(env: Mapping[str, str]) -> dict[str, str]:
    """A copy of `env` without any variable that could shadow what we set, and with our tree marker."""
    import os

    out = {k: v for k, v in env.items() if not is_scrubbed(k)}
    out[markers.TREE] = str(os.getpid())
    return out


def region_vars(region: str | None) -> dict[str, str]:
    """Both spellings: the Go SDKs read AWS_REGION, older tools AWS_DEFAULT_REGION."""
    return {"AWS_REGION": region, "AWS_DEFAULT_REGION": region} if region else {}


def credential_vars(creds: Credentials) -> dict[str, str]:
    """The static-credential variables every AWS SDK reads first."""
    out = {"AWS_ACCESS_KEY_ID": creds.access_key, "AWS_SECRET_ACCESS_KEY": creds.secret_key}
    if creds.token:
        out["AWS_SESSION_TOKEN"] = creds.token
    if creds.expires is not None:
        out["AWS_CREDENTIAL_EXPIRATION"] = creds.expires_z()
    return out


def for_env_mode(base: Mapping[str, str], creds: Credentials) -> dict[str, str]:
    """`env` mode: the credentials themselves, in environment variables."""
    env = scrub(base)
    env.update(credential_vars(creds))
    if creds.token:
        env["AWS_SECURITY_TOKEN"] = creds.token  # boto 2 and other old tools read only this name
    env.update(region_vars(creds.region))
    env[markers.ACTIVE] = "1"
    return env


def _for_server(base: Mapping[str, str], region: str | None, empty_file: str) -> dict[str, str]:
    env = scrub(base)
    # An empty config and credentials file: a [default] profile with static
    # keys in ~/.aws/credentials would otherwise beat the endpoint.
    env["AWS_CONFIG_FILE"] = empty_file
    env["AWS_SHARED_CREDENTIALS_FILE"] = empty_file
    env.update(region_vars(region))
    _bypass_proxies(env)
    env[markers.ACTIVE] = "1"
    return env


def _bypass_proxies(env: dict[str, str]) -> None:
    """A child behind HTTP_PROXY must reach our loopback server directly: 127.0.0.1 in NO_PROXY."""
    import os

    for name in ("NO_PROXY",) if os.name == "nt" else ("NO_PROXY", "no_proxy"):  # one name on Windows
        hosts = [h.strip() for h in env.get(name, "").split(",") if h.strip()]
        if "127.0.0.1" not in hosts:
            env[name] = ",".join([*hosts, "127.0.0.1"])


def for_endpoint_mode(base: Mapping[str, str], url: str, token: str, region: str | None,
                      empty_file: str) -> dict[str, str]:
    """`endpoint` mode: the container-credentials endpoint the child's SDK polls by itself."""
    env = _for_server(base, region, empty_file)
    env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = url
    # The token itself, not the _FILE variant: Go v1 1.44 and v2 1.17 do not read the file.
    env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = token
    return env


def for_imds_mode(base: Mapping[str, str], url: str, region: str | None, empty_file: str) -> dict[str, str]:
    """`imds` mode: an IMDSv2 emulation the child's SDK polls by itself."""
    env = _for_server(base, region, empty_file)
    env.pop("AWS_EC2_METADATA_DISABLED", None)  # the child must ask IMDS
    env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = url
    env["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"] = "IPv4"
    return env
