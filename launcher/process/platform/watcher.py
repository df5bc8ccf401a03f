"""The watcher (POSIX): a tiny sh that outlives the launcher by moments when it is killed.

It reads the launcher's end of a pipe: `group N` names the current child's process group,
`ok` means "we end normally, go". If the pipe closes without `ok` (SIGKILL, the OOM killer),
it stops the child's group and every process still carrying our tree marker (/proc, Linux):
SIGTERM, then SIGKILL after the stop timeout. PR_SET_PDEATHSIG alone reaches only the child;
a grandchild, or a child that ignores SIGTERM, used to survive with the keys in its environment.

What can still escape: a process that left the child's group and whose environment no longer
carries the marker (it cleared it, or it is not Linux), and anything when the watcher itself is
killed (it runs in its own session, so the terminal's signals never reach it).
"""

from __future__ import annotations

import os
import subprocess

from launcher import markers


SCRIPT = r"""
trap '' INT TERM HUP QUIT
group=""
while read -r word arg; do
    case "$word" in
        group) group="$arg" ;;
        ok) exit 0 ;;
    esac
done
marked() {
    grep -lsxzF -- "$MARK" /proc/[0-9]*/environ 2>/dev/null | sed 's#^/proc/\([0-9]*\)/environ$#\1#'
}
stop() {
    [ -n "$group" ] && kill "-$1" -- "-$group" 2>/dev/null
    for pid in $(marked); do kill "-$1" "$pid" 2>/dev/null; done
}
stop TERM
sleep "$GRACE"
stop KILL
"""


class Watcher:
    """The launcher's side of the pipe; every write is best effort (the watcher may be gone)."""

    def __init__(self, grace: float):
        read_end, self._write_end = os.pipe()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GRACE": f"{max(1.0, grace):g}",
               "MARK": f"{markers.TREE}={os.getpid()}", markers.WATCHER: "1"}
        self.proc = subprocess.Popen(["/bin/sh", "-c", SCRIPT], stdin=read_end, env=env, close_fds=True,
                                     start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(read_end)
        os.set_inheritable(self._write_end, False)  # our children must not hold it open

    def _say(self, line: str) -> None:
        if self._write_end is None:
            return
        try:
            os.write(self._write_end, line.encode())
        except OSError:
            self._write_end = None  # the watcher is gone: nothing more to tell

    def child_started(self, pgid: int) -> None:
        self._say(f"group {pgid}\n")

    def done(self) -> None:
        """We end normally: the watcher exits without touching anything."""
        self._say("ok\n")
        if self._write_end is not None:
            os.close(self._write_end)
            self._write_end = None
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:
            pass
