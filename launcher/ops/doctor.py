"""`dapr-aws doctor`: find what keeps a Dapr component from reaching AWS.

One line per check: ok / warn / fail, each warn or fail with its remedy.
Exit 0 when nothing fails (warnings allowed), 1 when a check fails.
Secrets are never printed: only key ids, names, files and lines.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass

from launcher import durations, errors, markers
from launcher import sources
from launcher.sources import botocore_chain, profiles

EXIT_FAILED = 1
CONTAINER_VARS = ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                  "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                  "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
KEY_VARS = ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY",
            "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


@dataclass
class Check:
    status: str  # ok | warn | fail
    name: str
    detail: str
    remedy: str = ""

    def line(self) -> str:
        text = f"{self.status:<5} {self.name}: {self.detail}"
        return text + (f"; {self.remedy}" if self.remedy else "")


def run(request: sources.Request, resources: list[str], offline: bool) -> list[Check]:
    """All checks, in order."""
    checks = _aws_checks(request, offline)
    checks += _environment_checks(request.profile)
    checks += _dapr_checks()
    checks += _component_checks(resources)
    return checks


def _aws_checks(request: sources.Request, offline: bool) -> list[Check]:
    profile = request.profile
    out = []
    try:
        session = botocore_chain.new_session(profile)
        session.full_config
        files = f"{os.environ.get('AWS_CONFIG_FILE', '~/.aws/config')}, " \
                f"{os.environ.get('AWS_SHARED_CREDENTIALS_FILE', '~/.aws/credentials')}"
        out.append(Check("ok", "AWS config files", f"parse ({files})"))
    except Exception as exc:
        from launcher.sources.botocore_errors import from_botocore

        error = from_botocore(exc, profile)
        return [Check("fail", "AWS config files", error.message, error.remedy or "")]
    name = profiles.effective_profile(profile)
    if name and name not in session.available_profiles:
        return out + [Check("fail", "profile", f"'{name}' does not exist", "check aws configure list-profiles")]
    out.append(Check("ok", "profile", f"'{name}'" if name else "none: the default credential chain"))
    try:
        creds = sources.resolve(request, interactive=False)
    except errors.LauncherError as exc:
        return out + [Check("fail", "credentials", exc.message, exc.remedy or "")]
    if creds.certificate:
        out.append(_certificate_check(creds.certificate))
    expiry = f", expiring {creds.expires_z()}" if creds.expires else ", long-lived keys"
    out.append(Check("ok", "credentials", f"{creds.access_key} from {creds.source}{expiry}"))
    if offline:
        out.append(Check("ok", "identity", "skipped (--offline)"))
    else:
        from launcher.ops import whoami

        try:
            out.append(Check("ok", "identity", whoami.identity(creds)["Arn"]))
        except errors.LauncherError as exc:
            out.append(Check("fail", "identity", exc.message, exc.remedy or ""))
    if creds.region:
        out.append(Check("ok", "region", f"{creds.region} (from {creds.region_source})"))
    else:
        out.append(Check("warn", "region", "none", "pass --region or set region in the profile"))
    return out


def _certificate_check(cert: dict) -> Check:
    """The Roles Anywhere certificate: who it names, its serial and how long it lasts (warn under 7 days)."""
    detail = f"{cert['Subject']}, serial {cert['Serial']}, expires {cert['NotAfter']} ({cert['File']})"
    left = durations.seconds_until(cert["NotAfter"])
    if left < 7 * 86400:
        return Check("warn", "certificate", detail + f", in {max(0, int(left // 3600))}h",
                     "renew it before then: refreshes after its expiry will fail")
    return Check("ok", "certificate", detail)


def _environment_checks(profile) -> list[Check]:
    env = os.environ
    out = []
    keys = [v for v in KEY_VARS if env.get(v)]
    if keys:
        out.append(Check("warn", "environment", f"{', '.join(keys)} set: every SDK uses them before any profile",
                         "unset them (dapr-aws removes them from its child, but other processes see them)"))
    variable = profiles.profile_source(None, env)
    if profile and variable and env[variable] != profile:
        out.append(Check("warn", "environment", f"{variable}={env[variable]} differs from --profile {profile}",
                         f"unset {variable} or make them agree"))
    leftovers = [v for v in CONTAINER_VARS if env.get(v)]
    if leftovers and markers.ACTIVE not in env:
        out.append(Check("warn", "environment", f"{', '.join(leftovers)} set",
                         "leftovers from another tool? dapr-aws uses them as a source and hides them from its child"))
    default_keys = _default_static_keys()
    if default_keys:
        out.append(Check("warn", "default profile", "[default] has static keys, which beat a credential endpoint for "
                         "any process that reads ~/.aws",
                         "dapr-aws gives its child an empty config file; move them to a named profile"))
    if not out:
        out.append(Check("ok", "environment", "no conflicting AWS variables"))
    return out


def _default_static_keys() -> bool:
    import configparser

    path = os.path.expanduser(os.environ.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"))
    parser = configparser.RawConfigParser()
    try:
        parser.read(path)
    except configparser.Error:
        return False
    return parser.has_option("default", "aws_access_key_id")


def _dapr_checks() -> list[Check]:
    from launcher.ops import shim

    out = []
    path = os.environ.get("PATH", "") + os.pathsep + os.path.expanduser(os.path.join("~", ".dapr", "bin"))
    for name in ("dapr", "daprd"):
        first = shutil.which(name, path=path)
        if first is None:
            out.append(Check("warn", name, "not found on PATH or in ~/.dapr/bin", "install Dapr (dapr init)"))
            continue
        if shim.is_ours(first):
            real = shim.find_real(name, os.path.dirname(first), path)
            version = _version(real) if real else "real binary not found"
            out.append(Check("ok", name, f"{real} {version} (through the dapr-aws shim {first})"))
        else:
            out.append(Check("ok", name, f"{first} {_version(first)}"))
    return out


def _version(binary: str) -> str:
    try:
        result = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"(version unknown: {exc})"
    lines = (result.stdout or result.stderr).strip().splitlines()
    return "(" + "; ".join(line.strip() for line in lines[:2]) + ")" if lines else "(no version output)"


def _component_checks(resources: list[str]) -> list[Check]:
    from launcher.dapr import components

    paths = resources or list(components.DEFAULT_PATHS)
    existing = [p for p in paths if os.path.exists(os.path.expanduser(p))]
    if not existing:
        return [Check("ok", "components", f"no resources path found ({', '.join(paths)})")]
    findings = components.check(existing)
    if not findings:
        return [Check("ok", "components", f"no problem in {', '.join(existing)}")]
    return [Check(f.level, "component", f.where + ": " + f.what, f.remedy) for f in findings]


def render(checks: list[Check], as_json: bool) -> str:
    if as_json:
        return json.dumps([asdict(c) for c in checks], indent=2) + "\n"
    return "".join(c.line() + "\n" for c in checks)


def exit_code(checks: list[Check]) -> int:
    return EXIT_FAILED if any(c.status == "fail" for c in checks) else 0
