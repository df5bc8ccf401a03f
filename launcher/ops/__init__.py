"""Operating dapr-aws: systemd (sd_notify, the watchdog, units), the `dapr`/`daprd` shims,
`doctor` and `whoami`. Each is a leaf: it may import sources, delivery, process and dapr;
never cli.
"""
