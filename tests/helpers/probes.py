"""Child that runs several SDK probes at once and reports what each saw, as JSON.

    probes.py SECONDS NAME=PROGRAM[,ARG...] ...

Each probe runs for SECONDS and prints "pid N", then "key <id>" or
"error <msg>" lines. The report maps each name to its pids, the distinct
key ids in the order seen, and its errors.
"""

import json
import subprocess
import sys

seconds = sys.argv[1]
procs = {}
for spec in sys.argv[2:]:
    name, _, command = spec.partition("=")
    procs[name] = subprocess.Popen(command.split(",") + [seconds], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
report = {}
for name, proc in procs.items():
    out, _ = proc.communicate(timeout=float(seconds) + 60)
    keys, errors, pids = [], [], []
    for line in out.splitlines():
        kind, _, value = line.partition(" ")
        if kind == "key":
            if not keys or keys[-1] != value:
                keys.append(value)
        elif kind == "error":
            errors.append(value)
        elif kind == "pid":
            pids.append(int(value))
        else:
            errors.append(line)
    report[name] = {"keys": keys, "errors": errors, "pids": pids, "code": proc.returncode}
print(json.dumps(report))
