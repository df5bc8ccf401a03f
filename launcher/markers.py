"""The environment variables that mark our own processes (names only; imports nothing).

ACTIVE: set in every child, so a launcher or shim started below one passes straight through.
TREE: our pid, in every child; its descendants inherit it, so what a child leaves behind is
found again (leftovers.py) even when it was re-parented away.
"""

ACTIVE = "DAPR_AWS_ACTIVE"
WATCHER = "DAPR_AWS_WATCHER"  # in the watcher's environment (process/platform/watcher.py): never a stray
TREE = "DAPR_AWS_LAUNCHER_PID"
