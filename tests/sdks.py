"""Builds (once, cached) the real-SDK probe programs that run as children in the tests.

* go-v1, go-v2: Go programs on Debian's aws-sdk-go (1.44) and aws-sdk-go-v2
  (1.17) packages, built offline in GOPATH mode;
* js-v3: a Node program on @aws-sdk/credential-providers, installed by scripts/test;
* botocore: a Python program on the botocore the tests run with.

scripts/test installs the toolchains; a missing one is a failure, not a skip,
unless DAPR_AWS_SKIP_SDKS=1 says so explicitly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SDK_DIR = Path(__file__).resolve().parent / "sdk"
CACHE = ROOT / ".cache" / "sdk-probes"
HELPERS = Path(__file__).resolve().parent / "helpers"


def _missing(what: str):
    if os.environ.get("DAPR_AWS_SKIP_SDKS") == "1":
        pytest.skip(f"{what} not available (DAPR_AWS_SKIP_SDKS=1)")
    pytest.fail(f"{what} is missing: run scripts/test, which installs it")


def _go_build(name: str) -> str:
    go = shutil.which("go")
    if go is None or not Path("/usr/share/gocode/src/github.com/aws").is_dir():
        _missing("Go with Debian's aws-sdk-go packages")
    source = SDK_DIR / name / "main.go"
    binary = CACHE / name
    if not binary.exists() or binary.stat().st_mtime < source.stat().st_mtime:
        CACHE.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOPROXY="off",
                   GOCACHE=str(CACHE / "gocache"), GOFLAGS="")
        subprocess.run([go, "build", "-o", str(binary), str(source)], env=env, check=True, cwd=CACHE,
                       capture_output=True, timeout=600)
    return str(binary)


def probe_commands() -> dict[str, str]:
    """name -> comma-separated argv prefix for tests/helpers/probes.py."""
    node = shutil.which("node")
    js = SDK_DIR / "js"
    if node is None or not (js / "node_modules" / "@aws-sdk" / "credential-providers").is_dir():
        _missing("Node.js with @aws-sdk/credential-providers")
    return {
        "go-v1": _go_build("go1"),
        "go-v2": _go_build("go2"),
        "js-v3": f"{node},{js / 'probe.mjs'}",
        "botocore": f"{sys.executable},{HELPERS / 'botoprobe.py'}",
    }
