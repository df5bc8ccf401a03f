"""Finding the command to run, with the shell's exit codes when it cannot run.

Checked before credentials are resolved: a typo in the command should not
cost an SSO sign-in or an MFA prompt first.
"""

from __future__ import annotations

import os
import shutil

from launcher.errors import CommandNotExecutable, CommandNotFound


def locate(name: str, path: str | None) -> str:
    """Absolute path of the executable `name` (searched in `path` unless it has a slash).

    Raises CommandNotFound (127) or CommandNotExecutable (126).
    """
    if not name:
        raise CommandNotFound("no command given", "put the command after --, e.g. dapr-aws -- daprd")
    has_dir = os.sep in name or (os.altsep is not None and os.altsep in name)
    if has_dir:
        if not os.path.exists(name):
            raise CommandNotFound(f"command not found: {name}", "check the path")
        if os.path.isdir(name) or not os.access(name, os.X_OK):
            raise CommandNotExecutable(
                f"command is not executable: {name}", "check its permissions (chmod +x)"
            )
        return os.path.abspath(name)
    found = shutil.which(name, path=path)
    if found:
        return found
    # A file of that name on PATH that is not executable deserves 126, as in sh.
    for directory in (path or "").split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate):
            raise CommandNotExecutable(
                f"command is not executable: {candidate}", "check its permissions (chmod +x)"
            )
    raise CommandNotFound(f"command not found: {name}", "check the name and your PATH")
