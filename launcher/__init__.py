"""dapr-aws: run Dapr (or any command) with AWS credentials that stay fresh.

Packages by concern (the README's Development section has the map): cli parses and
wires; sources resolve credentials; delivery hands them to a child; process supervises
it; dapr knows Dapr; ops is systemd, shims, doctor and whoami. The modules here at the
top are the helpers they share (errors, logs, redact, durations, markers, loopback, proctree),
which import no package.
"""

__version__ = "0.1.0"
