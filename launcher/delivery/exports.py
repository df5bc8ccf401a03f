"""Credentials printed for shells and tools (`dapr-aws env`, `dapr-aws credential-process`).

The formats env, env-no-export, powershell, windows-cmd, fish and process
are byte for byte those of `aws configure export-credentials` (AWS CLI v2),
including its expiry spelling (Python's isoformat, "+00:00"), so scripts
written for one work with the other. json and dotenv are our own.
"""

from __future__ import annotations

import json

from launcher.delivery import childenv
from launcher.sources.credentials import Credentials

# name -> (line template, force "\n" even on Windows)
_LINE_FORMATS = {
    "env": ("export {name}={value}", True),
    "env-no-export": ("{name}={value}", True),
    "powershell": ('$Env:{name}="{value}"', False),
    "windows-cmd": ("set {name}={value}", False),
    "fish": ('set -gx {name} "{value}"', True),
}
FORMATS = tuple(_LINE_FORMATS) + ("process", "json", "dotenv")
# The formats that can carry any variables (what `dapr-aws serve` prints for its clients).
VARIABLE_FORMATS = tuple(_LINE_FORMATS) + ("dotenv",)


def _cli_pairs(creds: Credentials) -> list[tuple[str, str]]:
    pairs = [("AWS_ACCESS_KEY_ID", creds.access_key), ("AWS_SECRET_ACCESS_KEY", creds.secret_key)]
    if creds.token is not None:
        pairs.append(("AWS_SESSION_TOKEN", creds.token))
    if creds.expires is not None:
        pairs.append(("AWS_CREDENTIAL_EXPIRATION", creds.expires.isoformat()))
    return pairs


def render_vars(values: dict[str, str], fmt: str) -> str:
    """Any variables in one of the shell formats (for `dapr-aws serve`)."""
    if fmt == "dotenv":
        fmt = "env-no-export"
    if fmt not in _LINE_FORMATS:
        raise ValueError(f"format {fmt!r} cannot carry variables")
    template = _LINE_FORMATS[fmt][0]
    return "".join(template.format(name=n, value=v) + "\n" for n, v in values.items())


def process_json(creds: Credentials) -> str:
    """The credential_process document (Version 1), as the AWS CLI prints it."""
    doc: dict[str, object] = {
        "Version": 1,
        "AccessKeyId": creds.access_key,
        "SecretAccessKey": creds.secret_key,
    }
    if creds.token is not None:
        doc["SessionToken"] = creds.token
    if creds.expires is not None:
        doc["Expiration"] = creds.expires.isoformat()
    return json.dumps(doc, indent=2, separators=(",", ": ")) + "\n"


def render(creds: Credentials, fmt: str) -> tuple[str, bool]:
    """Return (text, force_lf) for format `fmt`."""
    if fmt in _LINE_FORMATS:
        template, force_lf = _LINE_FORMATS[fmt]
        text = "".join(template.format(name=n, value=v) + "\n" for n, v in _cli_pairs(creds))
        return text, force_lf
    if fmt == "process":
        return process_json(creds), False
    if fmt == "json":
        doc = {
            "AccessKeyId": creds.access_key,
            "SecretAccessKey": creds.secret_key,
            "SessionToken": creds.token,
            "Expiration": creds.expires_z(),
            "Region": creds.region,
            "Source": creds.source,
        }
        return json.dumps(doc, indent=2) + "\n", False
    if fmt == "dotenv":
        values = childenv.credential_vars(creds)
        values.update(childenv.region_vars(creds.region))
        return "".join(f"{k}={v}\n" for k, v in values.items()), True
    raise ValueError(f"unknown format {fmt!r}")


def write(stream, creds: Credentials, fmt: str) -> None:
    """Write format `fmt` to a text stream, keeping POSIX formats LF-only on Windows."""
    text, force_lf = render(creds, fmt)
    if force_lf and hasattr(stream, "buffer"):
        stream.flush()
        stream.buffer.write(text.encode("utf-8"))
        stream.buffer.flush()
    else:
        stream.write(text)
        stream.flush()
