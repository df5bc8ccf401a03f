"""Run a command on a pseudo-terminal and answer its prompts, as a person would."""

from __future__ import annotations

import os
import pty
import select
import time


def run(argv: list[str], env: dict, answers: list[tuple[str, str]], timeout: float = 60.0, cwd=None):
    """Run `argv` with a controlling pty; when the output shows each expected text, type
    its answer. Returns (exit code, everything printed)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec, never return
        try:
            if cwd:
                os.chdir(cwd)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    output = b""
    pending = list(answers)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the other side is closed
                break
            if not chunk:
                break
            output += chunk
        if pending and pending[0][0].encode() in output:
            os.write(fd, pending.pop(0)[1].encode())
            output += b"<answered>"
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    code = os.waitstatus_to_exitcode(status)
    return code, output.decode(errors="replace")
