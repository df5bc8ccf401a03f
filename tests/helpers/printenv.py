"""Child that prints the AWS-related part of its environment as JSON, then exits."""

import json
import os
import sys

PREFIXES = ("AWS_", "DAPR_AWS", "BOTO", "NOTIFY_SOCKET", "WATCHDOG_", "NO_PROXY", "no_proxy")
env = {k: v for k, v in os.environ.items() if k.startswith(PREFIXES)}
print(json.dumps({"argv": sys.argv[1:], "env": env, "pid": os.getpid()}))
sys.exit(int(os.environ.get("CHILD_EXIT", "0")))
