#!/usr/bin/env python3
"""A stand-in `dapr` CLI: `dapr run ...` (one app) or `dapr run -f FILE` (one per port).

Like the real CLI (1.17+), each daprd and each app runs in its own process
group, and a signal to the CLI makes it SIGKILL its daprds (and SIGTERM its
apps). Environment:
  FAKE_DAPR_LOG    the CLI's log: "cli-start", "cli-<SIGNAL>", "cli-killed-daprd",
                   "pair <daprd pid> <app pid>"
  FAKE_DAPR_PORTS  comma-separated daprd ports (one per app); daprd logs to
                   FAKE_DAPR_DIR/daprd-<port>.log, the app to FAKE_DAPR_DIR/app-<port>.log
  FAKE_DAPR_EXIT_AFTER  seconds after which the CLI exits by itself with
                   FAKE_DAPR_EXIT_CODE, leaving its daprds and apps behind (a crash)
"""

import os
import signal
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
log = open(os.environ["FAKE_DAPR_LOG"], "a", buffering=1)
folder = os.environ["FAKE_DAPR_DIR"]
pairs = []
for port in os.environ["FAKE_DAPR_PORTS"].split(","):
    daprd = subprocess.Popen([sys.executable, os.path.join(here, "daprd"), "--port", port,
                              "--log", os.path.join(folder, f"daprd-{port}.log"), "--drain", "0.3"],
                             start_new_session=True)
    app = subprocess.Popen([sys.executable, os.path.join(here, "app"), os.path.join(folder, f"app-{port}.log")],
                           start_new_session=True)
    pairs.append((daprd, app))
    log.write(f"pair {daprd.pid} {app.pid}\n")
log.write(f"cli-start {os.getpid()}\n")


def on_signal(signum, _frame):
    log.write(f"cli-{signal.Signals(signum).name}\n")
    for daprd, app in pairs:
        if daprd.poll() is None:
            daprd.kill()
            log.write("cli-killed-daprd\n")
        if app.poll() is None:
            app.terminate()
    for daprd, app in pairs:
        daprd.wait()
        app.wait()
    sys.exit(0)


for sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, on_signal)
deadline = time.monotonic() + float(os.environ.get("FAKE_DAPR_EXIT_AFTER", "1e9"))
while time.monotonic() < deadline:
    time.sleep(0.05)
log.write("cli-exits-alone\n")
os._exit(int(os.environ.get("FAKE_DAPR_EXIT_CODE", "3")))
