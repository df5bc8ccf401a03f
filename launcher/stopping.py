"""How to stop a child gracefully: one signal, and `dapr run` handled specially.

`dapr run` answers a signal by killing its daprd with SIGKILL, which skips
daprd's graceful shutdown (components closed, in-flight requests drained).
So for a `dapr run` child we first send one SIGTERM to its daprd
descendants, wait for them to exit, and only then signal the CLI.
"""

from __future__ import annotations

import ntpath
import os


def is_dapr_run(argv: list[str]) -> bool:
    """True for `dapr run ...` (any path to the dapr CLI, with or without .exe)."""
    if not argv:
        return False
    name = os.path.basename(argv[0]).lower()
    if name.endswith(".exe"):
        name = name[:-4]
    return name == "dapr" and "run" in argv[1:]


def shutdown_url(argv: list[str]) -> str | None:
    """daprd's POST /v1.0/shutdown URL for a `daprd` or `dapr run` command line, when known."""
    port = dapr_http_port(argv)
    return f"http://127.0.0.1:{port}/v1.0/shutdown" if port else None


def health_url(argv: list[str]) -> str | None:
    """daprd's /v1.0/healthz for a `daprd` or `dapr run` command line, when its port is known."""
    port = dapr_http_port(argv)
    return f"http://127.0.0.1:{port}/v1.0/healthz" if port else None


def dapr_http_port(argv: list[str]) -> str | None:
    """--dapr-http-port (or `dapr run -H`), else 3500 for daprd itself, else None."""
    if not argv:
        return None
    name = ntpath.basename(argv[0]).lower().removesuffix(".exe")  # either separator, any OS
    if name not in ("daprd", "dapr") or (name == "dapr" and "run" not in argv[1:]):
        return None
    port = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break  # what follows belongs to the app
        key, eq, value = arg.partition("=")
        if key in ("--dapr-http-port", "-dapr-http-port") or (key == "-H" and name == "dapr"):
            port = value if eq else (argv[i + 1] if i + 1 < len(argv) else None)
    if port is None and name == "daprd":
        port = "3500"  # daprd's default HTTP port
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
            names = {child.name().lower()}
            cmdline = child.cmdline()
            if cmdline:
                names.add(os.path.basename(cmdline[0]).lower())
                # A stand-in daprd may be a script run by an interpreter.
                if len(cmdline) > 1:
                    names.add(os.path.basename(cmdline[1]).lower())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if names & {"daprd", "daprd.exe"}:
            found.append(child.pid)
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
