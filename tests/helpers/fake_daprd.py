#!/usr/bin/env python3
"""A stand-in daprd: binds a fixed port, answers /v1.0/healthz, logs every signal.

    daprd --port P --log FILE [--drain SECONDS] [--start-delay SECONDS] [--sick-file PATH] [--sick-when-draining]

Like daprd: the first SIGTERM/SIGINT starts a graceful shutdown that takes
--drain seconds; a second one exits at once with code 1. Each line of the
log: "start <pid> <AWS_ACCESS_KEY_ID>", "bind-failed", a signal name,
"drained", "second-signal", "healthy" (when the port starts answering).
--start-delay waits before binding; while --sick-file exists, /v1.0/healthz
answers 500 (a hung sidecar); with --sick-when-draining it answers 500 from the first
stop signal on (a daprd whose health targets go down while it drains).
"""

import argparse
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--drain", type=float, default=1.0)
parser.add_argument("--start-delay", type=float, default=0.0)
parser.add_argument("--sick-file", default=None)
parser.add_argument("--sick-when-draining", action="store_true")
args, _ = parser.parse_known_args()
log = open(args.log, "a", buffering=1)


class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        sick = (args.sick_file and os.path.exists(args.sick_file)) or (args.sick_when_draining and stopping.is_set())
        self.send_response((500 if sick else 204) if self.path.startswith("/v1.0/healthz") else 404)
        self.end_headers()

    def log_message(self, *a):
        pass


time.sleep(args.start_delay)
try:
    server = HTTPServer(("127.0.0.1", args.port), Health)
except OSError:
    log.write("bind-failed\n")
    sys.exit(3)
stopping = threading.Event()


def on_signal(signum, _frame):
    log.write(signal.Signals(signum).name + "\n")
    if stopping.is_set():
        log.write("second-signal\n")
        os._exit(1)
    stopping.set()


for sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, on_signal)
log.write(f"start {os.getpid()} {os.environ.get('AWS_ACCESS_KEY_ID', '-')}\n")
log.write(f"healthy {time.time():.3f}\n")
threading.Thread(target=server.serve_forever, daemon=True).start()
while not stopping.wait(0.05):
    pass
time.sleep(args.drain)  # graceful shutdown: the port stays bound until we are done
server.server_close()
log.write("drained\n")
sys.exit(0)
