"""Child that records every signal it receives in a file (one name per line).

    sigchild.py RECORD [--ignore-stop] [--grandchild] [--detached-grandchild] [--stubborn-detached]
                [--slow-grandchild SECONDS] [--orphan SECONDS] [--exit-after SECONDS] [--stop-exit N]

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
if "--stubborn-detached" in sys.argv:  # its own session, re-parented away at once, and it ignores SIGTERM
    out = subprocess.run(["sh", "-c", "trap '' TERM; sleep 1002 >/dev/null 2>&1 & echo $!"], start_new_session=True,
                         capture_output=True, text=True).stdout
    record.write(f"stubborn {out.strip()}\n")
if "--orphan" in sys.argv:  # a short-lived process re-parented away at once (to init, or to PID 1 of a container)
    seconds = sys.argv[sys.argv.index("--orphan") + 1]
    subprocess.run(["sh", "-c", f"sleep {seconds} >/dev/null 2>&1 &"], start_new_session=True)
    record.write("orphaned\n")
if "--slow-grandchild" in sys.argv:  # in our group; takes SECONDS to exit after its SIGTERM
    seconds = sys.argv[sys.argv.index("--slow-grandchild") + 1]
    script = (f"import signal, sys, time\nrec = open({record_path!r}, 'a', buffering=1)\n"
              f"def stop(*_):\n    rec.write('grandchild-term\\n')\n    time.sleep({seconds})\n"
              f"    rec.write('grandchild-gone\\n')\n    sys.exit(0)\n"
              "signal.signal(signal.SIGTERM, stop)\nrec.write('grandchild-ready\\n')\ntime.sleep(1000)\n")
    slow = subprocess.Popen([sys.executable, "-c", script])
    record.write(f"slow {slow.pid}\n")
record.write(f"ready {os.getpid()} pgid {os.getpgid(0)}\n")
if "--exit-after" in sys.argv:
    time.sleep(float(sys.argv[sys.argv.index("--exit-after") + 1]))
    record.write("exit-by-itself\n")
    os._exit(1)
while True:
    time.sleep(3600)
