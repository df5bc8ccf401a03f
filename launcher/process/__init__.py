"""Processes: finding the command (command.py), supervising the child and its restarts, or
no child at all for `dapr-aws serve` (supervisor.py, its phases in phases.py, policy.py),
what an exited child left behind (leftovers.py), readiness polling (readiness.py), the
nested-launcher pass-through (passthrough.py) and the operating system's side (platform/).

Knows nothing of Dapr or of where credentials come from: what it needs of them (a stop
order, a refresher) is handed in. Imports the shared helpers only; never sources,
delivery, dapr, ops or cli.
"""
