"""Recipes for the real-SDK probes: small programs that poll their SDK's default credential chain.

* go-v1 and go-v2: Go modules in tests/sdk/go1 and tests/sdk/go2, pinned (go.mod,
  go.sum) to the AWS SDK versions daprd builds with: aws-sdk-go 1.55 (daprd 1.16's
  bindings and secret stores) and aws-sdk-go-v2 1.42 / config 1.32 (daprd 1.17, 1.18);
* java-v2: tests/sdk/java, the AWS SDK for Java v2 from Maven Central, compiled with javac;
* js-v3: tests/sdk/js, @aws-sdk/credential-providers from npm;
* botocore: tests/helpers/botoprobe.py on the botocore the tests run with.

Each prints "pid N", then "key <id>" or "error <message>" lines (tests/helpers/probes.py reads them).
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.builds import ROOT, Artifact, Log, Unavailable

SDK = ROOT / "tests" / "sdk"
HELPERS = ROOT / "tests" / "helpers"


def _files_digest(folder: Path, pattern: str) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.glob(pattern)):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _go(folder: str):
    def build(artifact: Artifact, out: Path, log: Log) -> Path:
        # -mod=readonly: go.sum is committed; a probe never changes its pins while building.
        log.run(["go", "build", "-mod=readonly", "-trimpath", "-o", str(out / "probe"), "."],
                f"building the {folder} probe", cwd=SDK / folder, env={"GOFLAGS": "-mod=readonly"})
        return out / "probe"
    return build


def _java(artifact: Artifact, out: Path, log: Log) -> Path:
    folder = SDK / "java"
    log.run(["mvn", "-q", "-B", "-f", str(folder / "pom.xml"), "dependency:copy-dependencies",
             f"-DoutputDirectory={out / 'lib'}", "-DincludeScope=runtime"],
            "fetching the AWS SDK for Java v2 from Maven Central")
    log.run(["javac", "-cp", str(out / "lib" / "*"), "-d", str(out / "classes"), str(folder / "Probe.java")],
            "compiling the Java probe")
    return _launcher(out, "java", f'-cp "{out / "lib"}/*:{out / "classes"}" Probe')


def _js(artifact: Artifact, out: Path, log: Log) -> Path:
    # Node finds packages beside the script, so the script and its node_modules both live in the cache.
    for name in ("package.json", "probe.mjs"):
        shutil.copy(SDK / "js" / name, out / name)
    log.run(["npm", "install", "--no-package-lock", "--no-audit", "--no-fund", "--silent"],
            "installing @aws-sdk/credential-providers from npm", cwd=out)
    return _launcher(out, "node", f'"{out / "probe.mjs"}"')


def _launcher(out: Path, runtime: str, args: str) -> Path:
    """out/probe: a script that runs the probe on `runtime` (found now) with `args` and the caller's."""
    found = shutil.which(runtime)
    if found is None:
        raise Unavailable(f"the {out.parent.name} probe: {runtime} is not installed")
    launcher = out / "probe"
    launcher.write_text(f'#!/bin/sh\nexec "{found}" {args} "$@"\n')
    launcher.chmod(0o755)
    return launcher


def artifacts() -> list[Artifact]:
    return [
        Artifact("probe-go-v1", _files_digest(SDK / "go1", "*"), _go("go1")),
        Artifact("probe-go-v2", _files_digest(SDK / "go2", "*"), _go("go2")),
        Artifact("probe-java-v2", _files_digest(SDK / "java", "*.*"), _java),
        Artifact("probe-js-v3", _files_digest(SDK / "js", "*.*"), _js),
    ]


PROBES = {"go-v1": "probe-go-v1", "go-v2": "probe-go-v2", "java-v2": "probe-java-v2", "js-v3": "probe-js-v3"}


class Probes(Mapping):
    """name -> comma-separated argv prefix of that probe; a probe that could not be built skips the test."""

    def __getitem__(self, name: str) -> str:
        if name == "botocore":
            return f"{sys.executable},{HELPERS / 'botoprobe.py'}"
        from tests.builds import available

        return str(available(PROBES[name]))

    def __iter__(self):
        return iter([*PROBES, "botocore"])

    def __len__(self) -> int:
        return len(PROBES) + 1

