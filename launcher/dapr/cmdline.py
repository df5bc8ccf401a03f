"""Dapr's command lines: which program a command is, and the values of its flags.

The one home of how daprd and `dapr run` parse their arguments (Go's flag
package: -name or --name, `=value` or the next word, the last one wins, and
nothing after `--`, which is the app's own command line). Imports nothing.
"""

from __future__ import annotations

import ntpath


def dapr_kind(argv: list[str]) -> str | None:
    """"daprd", "dapr run" or None, from a command line (any path, either separator, .exe or not)."""
    if not argv:
        return None
    name = ntpath.basename(argv[0]).lower().removesuffix(".exe")
    if name == "daprd":
        return "daprd"
    if name == "dapr" and "run" in argv[1:]:
        return "dapr run"
    return None


def is_dapr_run(argv: list[str]) -> bool:
    """True for `dapr run ...`."""
    return dapr_kind(argv) == "dapr run"


def is_daprd_argv(argv: list[str]) -> bool:
    """True for a process whose program, or script run by an interpreter, is daprd."""
    return any(ntpath.basename(a).lower().removesuffix(".exe") == "daprd" for a in argv[:2] if a)


def shutdown_url(argv: list[str]) -> str | None:
    """daprd's POST /v1.0/shutdown URL for a `daprd` or `dapr run` command line, when known."""
    port = dapr_http_port(argv)
    return f"http://127.0.0.1:{port}/v1.0/shutdown" if port else None


def health_url(argv: list[str]) -> str | None:
    """daprd's /v1.0/healthz for a `daprd` or `dapr run` command line, when its port is known."""
    port = dapr_http_port(argv)
    return f"http://127.0.0.1:{port}/v1.0/healthz" if port else None


def flag_values(argv: list[str], *names: str) -> list[str]:
    """The values of the Dapr flags `names` (no dashes) on a daprd or `dapr run` command line, in order.

    Go's flag parsers take -name and --name, with `=value` or the next word; everything
    after `--` is the app's own command line, never Dapr's.
    """
    values = []
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if not arg.startswith("-"):
            continue
        name, eq, value = arg.lstrip("-").partition("=")
        if name in names:
            values.append(value if eq else (argv[i + 1] if i + 1 < len(argv) else ""))
    return values


def resources_paths(argv: list[str] | None) -> list[str]:
    """The --resources-path (or older --components-path / -d) values of a daprd or dapr run command."""
    return [v for v in flag_values(argv or [], "resources-path", "components-path", "d") if v]


DEFAULT_GRACEFUL = 5.0  # daprd's --dapr-graceful-shutdown-seconds default


def graceful_shutdown_seconds(args: list[str]) -> float:
    """daprd's --dapr-graceful-shutdown-seconds (the last one given, as in Go), else its default."""
    given = flag_values(args, "dapr-graceful-shutdown-seconds")
    if not given:
        return DEFAULT_GRACEFUL
    try:
        return float(given[-1])
    except ValueError:
        raise ValueError(f"--dapr-graceful-shutdown-seconds {given[-1]!r} is not a number") from None


def dapr_http_port(argv: list[str]) -> str | None:
    """--dapr-http-port (or `dapr run -H`), else 3500 for daprd itself, else None."""
    kind = dapr_kind(argv)
    if kind is None:
        return None
    given = flag_values(argv, "dapr-http-port", *(("H",) if kind == "dapr run" else ()))
    port = given[-1] if given else ("3500" if kind == "daprd" else None)  # the last one wins, as in Go
    return port if port and port.isdigit() else None
