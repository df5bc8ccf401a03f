"""How to stop a child gracefully: one signal, and `dapr run` handled specially.

`dapr run` answers a signal by killing its daprd with SIGKILL, which skips
daprd's graceful shutdown (components closed, in-flight requests drained).
So for a `dapr run` child we first send one SIGTERM to its daprd
descendants, wait for them to exit, and only then signal the CLI.
"""

from __future__ import annotations

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
    if not argv:
        return None
    name = os.path.basename(argv[0]).lower().removesuffix(".exe")
    port = None
    for i, arg in enumerate(argv):
        if arg in ("--dapr-http-port", "-dapr-http-port") and i + 1 < len(argv):
            port = argv[i + 1]
        elif arg.startswith(("--dapr-http-port=", "-dapr-http-port=")):
            port = arg.split("=", 1)[1]
    if port is None and name == "daprd":
        port = "3500"  # daprd's default HTTP port
    if port is None or not port.isdigit():
        return None
    return f"http://127.0.0.1:{port}/v1.0/shutdown"


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
