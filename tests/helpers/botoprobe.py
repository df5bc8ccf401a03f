"""Probe on botocore: polls the default credential chain and prints "key <id>" for N seconds."""

import os
import sys
import time

import botocore.session

seconds = float(sys.argv[1])
print(f"pid {os.getpid()}", flush=True)
credentials = botocore.session.get_session().get_credentials()
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        if credentials is None:
            raise RuntimeError("no credentials found")
        print(f"key {credentials.get_frozen_credentials().access_key}", flush=True)
    except Exception as exc:  # report and go on, like the other probes
        print(f"error {type(exc).__name__}: {exc}".splitlines()[0], flush=True)
    time.sleep(0.25)
