#!/usr/bin/env python3
"""A stand-in `dapr` CLI: `dapr run [--] ARGS` starts a `daprd` next to it.

Like the real CLI (1.17+), daprd runs in its own process group, and a
signal to the CLI makes it SIGKILL daprd. Logs "cli-start", "cli-<SIGNAL>",
"cli-killed-daprd" (when daprd was still running) to $FAKE_DAPR_LOG.
Runs `daprd` from its own directory with $FAKE_DAPRD_ARGS.
"""

import os
import signal
import subprocess
import sys
import time

log = open(os.environ["FAKE_DAPR_LOG"], "a", buffering=1)
here = os.path.dirname(os.path.abspath(__file__))
daprd = subprocess.Popen([sys.executable, os.path.join(here, "daprd"), *os.environ["FAKE_DAPRD_ARGS"].split()],
                         start_new_session=True)
log.write(f"cli-start {os.getpid()} daprd {daprd.pid}\n")


def on_signal(signum, _frame):
    log.write(f"cli-{signal.Signals(signum).name}\n")
    if daprd.poll() is None:
        daprd.kill()
        log.write("cli-killed-daprd\n")
    daprd.wait()
    sys.exit(0)


for sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, on_signal)
while True:
    time.sleep(3600)
