"""The IAM Roles Anywhere figure of scripts/bench: start-up to child exec through a local CreateSession.

The stand-in is the tests' own (tests/fakerolesanywhere.py), which verifies every
signature, so the figure includes loading the certificate and key, signing,
one HTTP round trip on loopback and the verification on the other side.
"""

from __future__ import annotations

import sys
from pathlib import Path

import benchlib

ROOT = Path(__file__).resolve().parent.parent


def startup(report: benchlib.Report, env: dict, home: Path, runs: int, launcher: str) -> None:
    sys.path.insert(0, str(ROOT))
    from tests import pki
    from tests.fakerolesanywhere import PROFILE, ROLE, TRUST_ANCHOR, FakeRolesAnywhere

    root = pki.ca("rsa")
    py = sys.executable
    named = [("python -c 'import botocore.session'", [py, "-c", "import botocore.session"]),
             ("python -c 'import botocore.session, cryptography.x509'",
              [py, "-c", "import botocore.session, cryptography.x509"]),
             ("dapr-aws, static profile", [launcher, "--profile", "static", "--mode", "env", "--", "/bin/true"])]
    for kind in ("rsa", "ec"):
        paths = pki.write_identity(home / f"pki-{kind}", pki.issue("bench", pki.new_key(kind), root))
        named.append((f"dapr-aws, Roles Anywhere ({kind.upper()} key)",
                      [launcher, "--mode", "env", "--certificate", paths["certificate"], "--private-key",
                       paths["private_key"], "--trust-anchor-arn", TRUST_ANCHOR, "--profile-arn", PROFILE,
                       "--role-arn", ROLE, "--", "/bin/true"]))
    with FakeRolesAnywhere(root.cert) as stub:
        medians = benchlib.interleaved_medians([a for _, a in named],
                                               {**env, "AWS_ENDPOINT_URL_ROLESANYWHERE": stub.url}, runs)
        calls = len(stub.ok_calls())
    base = medians[0]
    rows = [[name, f"{value * 1000:.1f} ms", f"{value / base:.2f}x"] for (name, _), value in zip(named, medians)]
    report.table(f"start-up to child exec with IAM Roles Anywhere, median of {runs} interleaved runs "
                 f"({calls} CreateSession calls verified by the stand-in):",
                 ["command", "median", "relative to botocore import"], rows)
