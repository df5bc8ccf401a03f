"""Recipes for daprd and the dapr CLI, built from their Go release modules.

daprd registers its components in cmd/daprd/components, whose files all carry
the build tags `allcomponents || stablecomponents` (and the package must not be
empty). The Go command refuses overlays inside the module cache and `go
install` refuses a module with replace directives, so the module is copied to
a writable folder, every component file but the ones the tests use is removed,
and daprd is built there with `-tags allcomponents`: a few minutes instead of
the hour the full set of components takes on two cores.

The module proxy these machines reach serves only some versions of Dapr's own
modules. Where a release needs a dependency it refuses, the recipe pins the
nearest version it serves, and says why (RELEASES). Everything else comes
exactly as the release's go.mod and go.sum say.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.builds import CACHE, Artifact, Log, Unavailable

COMPONENTS = (
    "state_aws_dynamodb",
    "secretstores_aws_parameterstore",
    "secretstores_aws_secretmanager",
    "bindings_aws_s3",
    "pubsub_aws_snssqs",
)
# Not nameresolution_mdns, daprd's self-hosted default: it multicasts on every network interface,
# and the tests send nothing beyond loopback. Without it daprd logs one error and runs on
# (service invocation by app id is then unavailable, which no test here uses).

# daprd releases: version -> {module: version it is pinned to instead, because the proxy refuses the release's}.
RELEASES: dict[str, dict[str, str]] = {
    # 1.18.3 needs durabletask-go v0.12.4, which the proxy refuses: 1.18.2 is the newest 1.18 built as released.
    "1.18.2": {},
    # 1.17.6-1.17.11 are not served; 1.17.5's durabletask-go v0.11.1 is refused: v0.11.0 (workflows only).
    "1.17.5": {"github.com/dapr/durabletask-go": "v0.11.0"},
    # 1.16.2-1.16.8 each need a refused or unverifiable dependency: 1.16.0 is built as released.
    "1.16.0": {},
}

# The CLI: only 1.16.5 is served (1.17.x and 1.18.x: 403). It imports dapr's runtime
# packages at v1.16.2, whose components-contrib v1.16.3 is refused: both pinned to v1.16.0.
CLI_VERSION = "1.16.5"
CLI_PINS = {"github.com/dapr/dapr": "v1.16.0", "github.com/dapr/components-contrib": "v1.16.0"}


def _download(module: str, version: str, log: Log) -> Path:
    """The module's source in the module cache (read-only), via the module proxy."""
    what = f"downloading {module}@v{version}"
    # On failure go mod download -json exits 1 with the reason in its JSON's Error.
    text = log.run(["go", "mod", "download", "-json", f"{module}@v{version}"], what, capture=True, check=False)
    try:
        info = json.loads(text[text.index("{"):text.rindex("}") + 1])
    except ValueError:
        raise Unavailable(f"{what}: {log.cause()}") from None
    if info.get("Error") or not info.get("Dir"):
        raise Unavailable(f"downloading {module}@v{version}: {info.get('Error', 'no Dir')}".splitlines()[0])
    return Path(info["Dir"])


def _writable_copy(source: Path, name: str) -> Path:
    copy = CACHE / "src" / name
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(source, copy)
    for path in [copy, *copy.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)
    return copy


def _pin(src: Path, pins: dict[str, str], log: Log, what: str) -> list[str]:
    """Replace directives for the pinned modules; -mod=mod so go.sum may gain their sums."""
    for module, version in pins.items():
        log.run(["go", "mod", "edit", f"-replace={module}={module}@{version}"], what, cwd=src)
    return ["-mod=mod"] if pins else []


def _build_daprd(version: str, pins: dict[str, str]):
    def build(artifact: Artifact, out: Path, log: Log) -> Path:
        src = _writable_copy(_download("github.com/dapr/dapr", version, log), f"dapr-{version}")
        folder = src / "cmd" / "daprd" / "components"
        for path in folder.glob("*.go"):
            if path.stem not in COMPONENTS:
                path.unlink()
        missing = [c for c in COMPONENTS if not (folder / f"{c}.go").exists()]
        if missing:
            raise Unavailable(f"daprd {version} has no {', '.join(missing)}")
        flags = _pin(src, pins, log, f"pinning daprd {version}'s dependencies")
        ldflags = f"-X github.com/dapr/dapr/pkg/buildinfo.version={version}"
        log.run(["go", "build", *flags, "-trimpath", "-tags", "allcomponents", "-ldflags", ldflags,
                 "-o", str(out / "daprd"), "./cmd/daprd"], f"building daprd {version}", cwd=src)
        shutil.rmtree(src, ignore_errors=True)
        return out / "daprd"
    return build


def _build_cli(artifact: Artifact, out: Path, log: Log) -> Path:
    src = _writable_copy(_download("github.com/dapr/cli", CLI_VERSION, log), f"cli-{CLI_VERSION}")
    flags = _pin(src, CLI_PINS, log, f"pinning the dapr CLI {CLI_VERSION}'s dependencies")
    ldflags = f"-X main.version={CLI_VERSION} -X main.apiVersion=1.0"
    log.run(["go", "build", *flags, "-trimpath", "-ldflags", ldflags, "-o", str(out / "dapr"), "."],
            f"building the dapr CLI {CLI_VERSION}", cwd=src)
    shutil.rmtree(src, ignore_errors=True)
    return out / "dapr"


def artifacts() -> list[Artifact]:
    daprds = [Artifact(f"daprd-{v}", json.dumps([v, pins, COMPONENTS]), _build_daprd(v, pins))
              for v, pins in RELEASES.items()]
    return [*daprds, Artifact("dapr-cli", json.dumps([CLI_VERSION, CLI_PINS]), _build_cli)]


DAPRD_VERSIONS = tuple(RELEASES)
