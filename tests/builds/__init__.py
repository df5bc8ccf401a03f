"""The real programs the tests run as children, built once per machine and cached outside the repo.

* daprd of several Dapr releases and the dapr CLI, from their Go release modules
  (recipes in tests/builds/dapr.py);
* the SDK probes: Go modules pinned to the AWS SDK versions daprd builds with,
  the AWS SDK for Java v2 from Maven Central, the JS SDK v3 from npm, and
  botocore (recipes in tests/builds/probes.py).

Each artifact lives under CACHE/NAME/KEY/, where KEY is the version plus a hash
of its recipe, so a changed recipe builds anew and an unchanged one is reused.
`python -m tests.builds` (run by scripts/test) builds what is missing and
prints one line per artifact; a build that fails, or a toolchain that is
missing, is one line with its cause, and exactly the tests that need that
artifact skip with that cause (`available()`), counted in pytest's summary.
Build output goes to CACHE/logs/NAME.log.

This package imports nothing from launcher/: it only builds and finds programs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("DAPR_AWS_BUILD_CACHE")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dapr-aws")
# Set by scripts/test once `python -m tests.builds` has run: the tests then only read the results.
BUILT_ENV = "DAPR_AWS_BUILDS_DONE"


class Unavailable(Exception):
    """An artifact could not be had; the message is its one-line cause."""


@dataclass(frozen=True)
class Artifact:
    name: str           # e.g. "daprd-1.18.2"
    recipe: str         # everything that shapes the build, hashed into the cache key
    build: Callable[["Artifact", Path, "Log"], Path]  # (self, out dir, log) -> the program's path

    @property
    def dir(self) -> Path:
        digest = hashlib.sha256(self.recipe.encode()).hexdigest()[:12]
        return CACHE / self.name / digest

    @property
    def _done(self) -> Path:
        return self.dir / "built.json"

    @property
    def _failed(self) -> Path:
        return CACHE / "failed" / f"{self.name}.txt"

    def cached(self) -> Path | None:
        try:
            return Path(json.loads(self._done.read_text())["path"])
        except (OSError, ValueError, KeyError):
            return None

    def ensure(self) -> tuple[Path, bool]:
        """(the program, whether it came from the cache); raises Unavailable with the cause."""
        found = self.cached()
        if found is not None and found.exists():
            return found, True
        for old in self.dir.parent.glob("*"):  # earlier recipes of this artifact, and a half-done build
            shutil.rmtree(old, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self._failed.unlink(missing_ok=True)
        log = Log(CACHE / "logs" / f"{self.name}.log")
        started = time.monotonic()
        try:
            try:
                path = self.build(self, self.dir, log)
            except OSError as e:  # a disk full, a file that cannot be copied: still one line, not a traceback
                raise Unavailable(f"building {self.name}: {e}") from None
        except Unavailable as e:
            self._failed.parent.mkdir(parents=True, exist_ok=True)
            self._failed.write_text(str(e))
            raise
        self._done.write_text(json.dumps({"path": str(path), "seconds": round(time.monotonic() - started, 1)}))
        return path, False

    def result(self) -> Path:
        """For the tests: the program, built now unless scripts/test already tried; else Unavailable."""
        found = self.cached()
        if found is not None and found.exists():
            return found
        if os.environ.get(BUILT_ENV) == "1":
            try:
                raise Unavailable(self._failed.read_text().strip())
            except OSError:
                raise Unavailable(f"{self.name} was not built (see {CACHE / 'logs'})") from None
        return self.ensure()[0]


class Log:
    """Where one build writes its commands' output; `run` raises Unavailable with a short cause."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        path.write_text("")

    def run(self, argv: list[str], what: str, cwd: Path | None = None, env: dict | None = None,
            timeout: float = 3600, capture: bool = False, check: bool = True) -> str:
        """Run one build command; with `capture`, return its stdout (stderr still goes to the log)."""
        tool = shutil.which(argv[0])
        if tool is None:
            raise Unavailable(f"{what}: {argv[0]} is not installed")
        with open(self.path, "a") as out:
            out.write(f"$ {' '.join(argv)}  (in {cwd or os.getcwd()})\n")
            out.flush()
            try:
                done = subprocess.run([tool, *argv[1:]], cwd=cwd, env={**os.environ, **(env or {})},
                                      stdout=subprocess.PIPE if capture else out, stderr=out,
                                      stdin=subprocess.DEVNULL, timeout=timeout, text=True)
            except subprocess.TimeoutExpired:
                raise Unavailable(f"{what}: timed out after {timeout:.0f}s (log: {self.path})") from None
        if check and done.returncode != 0:
            raise Unavailable(f"{what} failed: {self.cause(done.stdout)} (log: {self.path})")
        return done.stdout or ""

    def cause(self, stdout: str | None = None) -> str:
        """The most telling line of the output: the first error, else the last line."""
        lines = [line.strip() for line in (self.path.read_text() + (stdout or "")).splitlines()
                 if line.strip() and not line.startswith(("$ ", "go: downloading"))]
        for line in lines:
            if any(word in line for word in ("403", "404", "error", "Error", "cannot", "not found")):
                return line[:300]
        return lines[-1][:300] if lines else "no output"


def all_artifacts() -> dict[str, Artifact]:
    from tests.builds import dapr, probes

    return {a.name: a for a in (*dapr.artifacts(), *probes.artifacts())}


def available(name: str):
    """For fixtures: the program's path, or pytest.skip with the cause."""
    import pytest

    try:
        return all_artifacts()[name].result()
    except Unavailable as e:
        pytest.skip(f"{name} unavailable: {e}")
