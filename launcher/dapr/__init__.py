"""What dapr-aws knows about Dapr: how daprd and `dapr run` read their command line
(cmdline.py), the daprd below a `dapr run` that must be stopped first (tree.py), and the
component files that could defeat our credentials (components.py).

Imports only the shared helpers at the top of the package; never sources, delivery, process,
ops or cli. The supervisor is handed `tree.stop_order(argv)` and knows nothing of Dapr.
"""
