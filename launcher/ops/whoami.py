"""`dapr-aws whoami`: where the credentials come from and whom AWS says they belong to."""

from __future__ import annotations

import json

from launcher import durations
from launcher.sources import profiles
from launcher.sources.credentials import Credentials


def identity(creds: Credentials) -> dict:
    """STS GetCallerIdentity with exactly these credentials (boto3 is imported only here)."""
    import boto3

    try:
        sts = boto3.client("sts", region_name=creds.region or "us-east-1", aws_access_key_id=creds.access_key,
                           aws_secret_access_key=creds.secret_key, aws_session_token=creds.token)
        reply = sts.get_caller_identity()
    except Exception as exc:
        from launcher.sources.botocore_errors import from_botocore

        raise from_botocore(exc, None) from None
    return {"Account": reply["Account"], "Arn": reply["Arn"], "UserId": reply["UserId"]}


def report(profile: str | None, creds: Credentials, ident: dict) -> dict:
    """Everything whoami shows, as a dict (the --json output)."""
    shown = profiles.effective_profile(profile)
    where = profiles.profile_source(profile)
    doc = {
        "Profile": shown,
        "ProfileFrom": where,
        "Source": creds.source,
        **ident,
        "Region": creds.region,
        "RegionFrom": creds.region_source,
        "Expiration": creds.expires_z(),
    }
    if creds.certificate:  # IAM Roles Anywhere: the certificate that got these credentials
        doc["Certificate"] = dict(creds.certificate)
    return doc


def render_text(doc: dict) -> str:
    """Aligned `name  value` lines for people."""
    profile = doc["Profile"] or "(default chain)"
    if doc["ProfileFrom"]:
        profile += f" (from {doc['ProfileFrom']})"
    region = f"{doc['Region']} (from {doc['RegionFrom']})" if doc["Region"] else "(none)"
    if doc["Expiration"]:
        left = durations.seconds_until(doc["Expiration"])
        expires = f"{doc['Expiration']} (in {int(left // 3600)}h{int(left % 3600 // 60):02d}m)"
    else:
        expires = "never (long-lived keys)"
    rows = [("profile", profile), ("source", doc["Source"]), ("account", doc["Account"]), ("arn", doc["Arn"]),
            ("user id", doc["UserId"]), ("region", region), ("expires", expires)]
    cert = doc.get("Certificate")
    if cert:
        rows += [("cert", f"{cert['Subject']} ({cert['File']})"), ("serial", cert["Serial"]),
                 ("cert end", cert["NotAfter"])]
    return "".join(f"{name:<9}{value}\n" for name, value in rows)


def render_json(doc: dict) -> str:
    return json.dumps(doc, indent=2) + "\n"
