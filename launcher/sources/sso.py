"""IAM Identity Center (SSO) sign-in: the device-authorization flow and its token cache.

The cache is the AWS CLI v2's own (~/.aws/sso/cache), with its file names
and formats, so `aws sso login` and `dapr-aws login` share one sign-in:
* the token: sha1(sso-session name), or sha1(start URL) for legacy profiles;
  sso-session tokens also carry the client registration and refresh token,
  which botocore uses to renew the access token by itself;
* the client registration: sha1 of the JSON of tool, startUrl, region,
  scopes and session_name, as the CLI names it.
Files are written atomically with mode 0600.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from launcher import durations
from launcher.errors import ConfigError, LoginNeeded, Unavailable

SSO_CACHE = os.path.join("~", ".aws", "sso", "cache")
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_SCOPES = ["sso:account:access"]


@dataclass(frozen=True)
class SsoTarget:
    """What to sign in to: a start URL in a region, for an sso-session or a legacy profile."""

    start_url: str
    region: str
    session_name: str | None = None
    scopes: tuple[str, ...] | None = None

    def token_path(self) -> str:
        key = self.session_name if self.session_name is not None else self.start_url
        return _cache_file(hashlib.sha1(key.encode("utf-8")).hexdigest())

    def registration_path(self) -> str:
        args = {"tool": "botocore", "startUrl": self.start_url, "region": self.region,
                "scopes": list(self.scopes) if self.scopes is not None else None,
                "session_name": self.session_name}
        key = hashlib.sha1(json.dumps(args, sort_keys=True).encode("utf-8")).hexdigest()
        return _cache_file(key)


def _cache_file(key: str) -> str:
    return os.path.join(os.path.expanduser(SSO_CACHE), key + ".json")


def _full_config():
    from launcher.sources import botocore_errors
    from launcher.sources.botocore_chain import new_session

    try:
        return new_session().full_config
    except Exception as exc:
        raise botocore_errors.from_botocore(exc, None) from None


def target_for(profile: str | None, sso_session: str | None = None) -> SsoTarget:
    """The SSO sign-in a profile (or a named sso-session) uses, following source_profile."""
    config = _full_config()
    sessions = config.get("sso_sessions", {})
    if sso_session:
        return _session_target(sso_session, sessions)
    profiles = config.get("profiles", {})
    from launcher.sources.profiles import effective_profile

    name = effective_profile(profile) or "default"
    seen = []
    while name not in seen:
        seen.append(name)
        section = profiles.get(name)
        if section is None:
            raise ConfigError(f"profile '{name}' is not in the AWS config file",
                              "check the name (aws configure list-profiles)")
        if "sso_session" in section:
            return _session_target(section["sso_session"], sessions)
        if "sso_start_url" in section:
            if "sso_region" not in section:
                raise ConfigError(f"profile '{name}' has sso_start_url but no sso_region", "add sso_region")
            return SsoTarget(section["sso_start_url"], section["sso_region"])
        if "source_profile" not in section:
            break
        name = section["source_profile"]
    raise ConfigError(f"profile '{seen[0]}' does not sign in through IAM Identity Center (SSO)",
                      "give it sso_session (aws configure sso) or pass --sso-session NAME")


def _session_target(name: str, sessions: dict) -> SsoTarget:
    section = sessions.get(name)
    if section is None or "sso_start_url" not in section or "sso_region" not in section:
        raise ConfigError(f"[sso-session {name}] is missing or lacks sso_start_url / sso_region",
                          "add the section with both keys (aws configure sso-session)")
    raw = section.get("sso_registration_scopes")
    scopes = tuple(s.strip() for s in raw.split(",") if s.strip()) if raw is not None else None
    return SsoTarget(section["sso_start_url"], section["sso_region"], name, scopes)


def read_token(target: SsoTarget) -> dict | None:
    """The cached token document, or None when there is none (or it is unreadable)."""
    try:
        with open(target.token_path()) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def token_expiry(doc: dict) -> datetime | None:
    try:
        return datetime.strptime(doc["expiresAt"].replace("+00:00", "Z")[:19] + "Z", durations.STAMP_Z).replace(
            tzinfo=timezone.utc)
    except (KeyError, ValueError, AttributeError):
        return None


def _iso(seconds_from_now: float) -> str:
    return durations.stamp_z(time.time() + seconds_from_now)


def write_json_0600(path: str, doc: dict) -> None:
    """Write atomically, readable by the owner only, as the AWS CLI does; a failure is one ConfigError.

    The temporary file is new (O_EXCL, mode 0600 from creation, never a planted symlink) and
    in the same folder, so the replace is atomic.
    """
    import tempfile

    folder = os.path.dirname(path)
    temp = None
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=folder, prefix=os.path.basename(path) + ".", suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f)
        os.replace(temp, path)
    except OSError as exc:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise ConfigError(f"cannot write the SSO cache file {path}: {exc.strerror or exc}",
                          f"make {folder} a folder you can write") from None


def _client(region: str):
    from botocore import UNSIGNED
    from botocore.config import Config

    from launcher.sources.botocore_chain import new_session

    return new_session().create_client("sso-oidc", config=Config(region_name=region, signature_version=UNSIGNED))


def _registration(client, target: SsoTarget) -> dict:
    path = target.registration_path()
    try:
        with open(path) as f:
            cached = json.load(f)
        expires = token_expiry(cached)
        if expires is not None and (expires - datetime.now(timezone.utc)).total_seconds() > 3600:
            return cached
    except (OSError, ValueError):
        pass
    kwargs = {"clientName": f"dapr-aws-{target.session_name or int(time.time())}", "clientType": "public"}
    scopes = list(target.scopes) if target.scopes is not None else (DEFAULT_SCOPES if target.session_name else None)
    if target.session_name is not None:
        kwargs["grantTypes"] = [DEVICE_GRANT, "refresh_token"]
    if scopes:
        kwargs["scopes"] = scopes
    reply = client.register_client(**kwargs)
    doc = {"clientId": reply["clientId"], "clientSecret": reply["clientSecret"],
           "expiresAt": durations.stamp_z(reply["clientSecretExpiresAt"])}
    if scopes:
        doc["scopes"] = scopes
    write_json_0600(path, doc)
    return doc


def login(target: SsoTarget, open_browser: bool = True, out=None, sleep=time.sleep) -> str:
    """Sign in with the device-authorization flow; returns the token file written."""
    from botocore.exceptions import BotoCoreError, ClientError

    out = out or sys.stderr
    try:
        client = _client(target.region)
        registration = _registration(client, target)
        auth = client.start_device_authorization(clientId=registration["clientId"],
                                                 clientSecret=registration["clientSecret"],
                                                 startUrl=target.start_url)
    except ClientError as exc:
        raise LoginNeeded(f"IAM Identity Center refused to start a sign-in: {_client_error(exc)}",
                          "check sso_start_url and sso_region") from None
    except BotoCoreError as exc:
        raise Unavailable(f"cannot reach IAM Identity Center in {target.region}: {exc}",
                          "check the network and sso_region") from None
    url = auth.get("verificationUriComplete") or auth["verificationUri"]
    out.write(f"Sign in to AWS IAM Identity Center at:\n  {url}\nand check that it shows the code: "
              f"{auth['userCode']}\n")
    if open_browser:
        _open_browser(url, out)
    out.write("Waiting for you to approve the sign-in")
    out.flush()
    reply = _poll(client, auth, registration, out, sleep)
    out.write("\n")
    token = {"startUrl": target.start_url, "region": target.region, "accessToken": reply["accessToken"],
             "expiresAt": _iso(reply["expiresIn"])}
    if target.session_name is not None:
        token.update(clientId=registration["clientId"], clientSecret=registration["clientSecret"],
                     registrationExpiresAt=registration["expiresAt"])
        if reply.get("refreshToken"):
            token["refreshToken"] = reply["refreshToken"]
    path = target.token_path()
    write_json_0600(path, token)
    from launcher import redact

    redact.register(reply["accessToken"], reply.get("refreshToken"), registration["clientSecret"])
    out.write(f"Signed in; the session lasts until {token['expiresAt']}.\n")
    out.flush()
    return path


def _poll(client, auth: dict, registration: dict, out, sleep) -> dict:
    from botocore.exceptions import BotoCoreError, ClientError

    interval = auth.get("interval") or 5
    deadline = time.monotonic() + auth.get("expiresIn", 600)
    while time.monotonic() < deadline:
        sleep(interval)
        try:
            return client.create_token(grantType=DEVICE_GRANT, deviceCode=auth["deviceCode"],
                                       clientId=registration["clientId"], clientSecret=registration["clientSecret"])
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "AuthorizationPendingException":
                out.write(".")
                out.flush()
            elif code == "SlowDownException":
                interval += 5  # as the OAuth device flow asks
            elif code == "ExpiredTokenException":
                break
            elif code == "AccessDeniedException":
                raise LoginNeeded("the sign-in was denied in the browser", "run dapr-aws login again") from None
            else:
                raise LoginNeeded(f"the sign-in failed: {_client_error(exc)}", "run dapr-aws login again") from None
        except BotoCoreError as exc:  # the network went away while we waited for the approval
            out.write("\n")
            raise Unavailable(f"lost IAM Identity Center while waiting for the approval: {exc}",
                              "check the network and run dapr-aws login again") from None
    out.write("\n")
    raise LoginNeeded("the sign-in code expired before it was approved", "run dapr-aws login again and approve it")


def _client_error(exc) -> str:
    error = exc.response.get("Error", {})
    return f"{error.get('Code')}: {error.get('Message') or ''}".strip()


def _open_browser(url: str, out) -> None:
    try:
        import webbrowser

        if webbrowser.open(url):
            out.write("(opened in your browser)\n")
    except Exception:  # no browser here: the URL above is enough
        pass


def logout(target: SsoTarget) -> list[str]:
    """Remove the token and client registration that login wrote; returns the removed paths."""
    removed = []
    for path in (target.token_path(), target.registration_path()):
        try:
            os.remove(path)
            removed.append(path)
        except FileNotFoundError:
            pass
    return removed

