"""Child that records every signal it receives in a file (one name per line).

    sigchild.py RECORD [--ignore-stop] [--grandchild] [--detached-grandchild] [--stop-exit N]

Writes "ready <pid>" once its handlers are installed. On TERM/INT/QUIT it
exits with --stop-exit (default 0) unless --ignore-stop is given; with
--grandchild it first starts a long `sleep` in its process group and
records "grandchild <pid>".
"""

import os
import signal
import subprocess
import sys
import time

record_path = sys.argv[1]
ignore_stop = "--ignore-stop" in sys.argv
stop_exit = int(sys.argv[sys.argv.index("--stop-exit") + 1]) if "--stop-exit" in sys.argv else 0
record = open(record_path, "a", buffering=1)
STOP = {signal.SIGTERM, signal.SIGINT, signal.SIGQUIT}


def handler(signum, _frame):
    record.write(signal.Signals(signum).name + "\n")
    if signum in STOP and not ignore_stop:
        record.write("exiting\n")
        sys.exit(stop_exit)


for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
    signal.signal(sig, handler)

if "--grandchild" in sys.argv:
    grandchild = subprocess.Popen(["sleep", "1000"])
    record.write(f"grandchild {grandchild.pid}\n")
if "--detached-grandchild" in sys.argv:  # its own session: out of our process group
    detached = subprocess.Popen(["sleep", "1001"], start_new_session=True)
    record.write(f"detached {detached.pid}\n")
record.write(f"ready {os.getpid()} pgid {os.getpgid(0)}\n")
while True:
    time.sleep(3600)
