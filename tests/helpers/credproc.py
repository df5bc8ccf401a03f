"""A credential_process that issues fresh, expiring credentials on every call.

    credproc.py STATE_DIR [--lifetime SECONDS | --expires ISO8601Z] [--no-expiry]

Each call bumps a counter in STATE_DIR/calls and answers with key id
ASIAPROC<counter> (with --expires: always the same credentials, number 1,
though calls are still counted). If STATE_DIR/fail exists, it prints that file's text on
stderr (after a noise line) and exits 1, as a real failing source does; if
STATE_DIR/slow exists, it first sleeps that many seconds.
"""

import datetime
import json
import os
import sys

state = sys.argv[1]
lifetime = int(sys.argv[sys.argv.index("--lifetime") + 1]) if "--lifetime" in sys.argv else 3600
os.makedirs(state, exist_ok=True)
slow = os.path.join(state, "slow")
if os.path.exists(slow):  # a slow identity provider: sleep that many seconds first
    import time

    time.sleep(float(open(slow).read()))
fail = os.path.join(state, "fail")
if os.path.exists(fail):
    with open(fail) as f:
        sys.stderr.write("contacting the identity provider...\n" + f.read())
    sys.exit(1)
counter_file = os.path.join(state, "calls")
count = int(open(counter_file).read()) + 1 if os.path.exists(counter_file) else 1
with open(counter_file + ".tmp", "w") as f:  # atomically: tests read it while we run
    f.write(str(count))
os.replace(counter_file + ".tmp", counter_file)
if "--expires" in sys.argv:
    count = 1
doc = {
    "Version": 1,
    "AccessKeyId": f"ASIAPROC{count:04d}",
    "SecretAccessKey": f"procsecret{count:04d}/abcdefghijklmnop",
    "SessionToken": f"proctoken{count:04d}+qrstuvwxyz0123456789",
}
if "--expires" in sys.argv:
    doc["Expiration"] = sys.argv[sys.argv.index("--expires") + 1]
elif "--no-expiry" not in sys.argv:
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=lifetime)
    doc["Expiration"] = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
print(json.dumps(doc))
