"""Run one child, forward signals to it, stop it properly, return its exit code.

Semantics follow tini and dumb-init:
* each signal the launcher gets is forwarded to the child exactly once;
* a stop signal (TERM, INT, QUIT) starts the stop clock: if the child is
  still running after `stop_timeout`, its whole process tree is killed;
* a second stop signal while stopping kills the tree at once (the user
  pressed Ctrl+C twice), without sending the child a second signal, which
  would make daprd skip its graceful shutdown;
* the exit code is the child's, 128+N when signal N killed it.

The clock and the platform (spawn, signals, waiting) are injected, so the
timing logic is tested without real processes or sleeping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from launcher.errors import CommandNotExecutable, CommandNotFound
from launcher.platform import exit_code_of

log = logging.getLogger("dapr-aws")


class Supervisor:
    """Supervises a single child process."""

    def __init__(self, platform, stop_timeout: float = 15.0, clock: Callable[[], float] = time.monotonic):
        self.platform = platform
        self.stop_timeout = stop_timeout
        self.clock = clock
        self.proc = None
        self._pending: list[int] = []
        self._kill_at: float | None = None
        self._killed = False

    def _on_signal(self, signum: int) -> None:
        # Runs in the signal handler: only record; the loop does the work.
        self._pending.append(signum)

    def run(self, argv: list[str], env: dict[str, str], executable: str | None = None) -> int:
        """Start `argv` with `env`, supervise it until it exits, return its exit code."""
        self.platform.install_handlers(self._on_signal)
        try:
            try:
                self.proc = self.platform.spawn(argv, env, executable)
            except FileNotFoundError:
                raise CommandNotFound(f"command not found: {argv[0]}", "check the name and your PATH") from None
            except PermissionError:
                raise CommandNotExecutable(f"command is not executable: {argv[0]}", "check its permissions") from None
            except OSError as exc:
                raise CommandNotExecutable(f"cannot run {argv[0]}: {exc.strerror or exc}",
                                           "check that it is a program or a script with a #! line") from None
            log.debug("started %s (pid %d)", argv[0], self.proc.pid)
            return self._loop()
        finally:
            self.platform.restore_handlers()

    def _loop(self) -> int:
        while True:
            self._handle_pending()
            returncode = self.proc.poll()
            if returncode is not None:
                code = exit_code_of(returncode)
                log.debug("child %d exited with code %d", self.proc.pid, code)
                return code
            now = self.clock()
            if self._kill_at is not None and now >= self._kill_at:
                self._kill(f"did not stop within {self.stop_timeout:g}s")
                continue
            timeout = None if self._kill_at is None else max(0.0, self._kill_at - now)
            self.platform.wait_for_event(self.proc, timeout)

    def _handle_pending(self) -> None:
        while self._pending:
            signum = self._pending.pop(0)
            if signum not in self.platform.STOP_SIGNALS:
                self.platform.forward(self.proc, signum)
            elif self._kill_at is None and not self._killed:
                log.debug("forwarding signal %d; stop timeout %gs", signum, self.stop_timeout)
                self.platform.forward(self.proc, signum)
                self._kill_at = self.clock() + self.stop_timeout
            elif not self._killed:
                self._kill("a second stop signal arrived")

    def _kill(self, reason: str) -> None:
        log.warning("child %d %s; killing its process tree", self.proc.pid, reason)
        self._killed = True
        self._kill_at = None
        self.platform.kill_tree(self.proc)
