"""How to stop a child gracefully: one signal, and `dapr run` handled specially.

`dapr run` answers a signal by killing its daprd with SIGKILL, which skips
daprd's graceful shutdown (components closed, in-flight requests drained).
So for a `dapr run` child we first send one SIGTERM to its daprd
descendants, wait for them to exit, and only then signal the CLI.
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


def dapr_http_port(argv: list[str]) -> str | None:
    """--dapr-http-port (or `dapr run -H`), else 3500 for daprd itself, else None."""
    kind = dapr_kind(argv)
    if kind is None:
        return None
    given = flag_values(argv, "dapr-http-port", *(("H",) if kind == "dapr run" else ()))
    port = given[-1] if given else ("3500" if kind == "daprd" else None)  # the last one wins, as in Go
    return port if port and port.isdigit() else None


def daprd_descendants(pid: int) -> list[int]:
    """Process ids of the daprd processes below `pid`."""
    import psutil

    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            # The process name, or a script run by an interpreter (a stand-in daprd).
            if is_daprd_argv([child.name()]) or is_daprd_argv(child.cmdline()):
                found.append(child.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def any_alive(pids: list[int]) -> bool:
    """True while any of `pids` runs (zombies count as gone)."""
    import psutil

    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            continue
    return False
