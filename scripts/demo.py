"""The demo: dapr-aws assumes a role on a local STS and starts a child with it.

Everything happens on 127.0.0.1 in a temporary HOME: moto's STS server
stands in for AWS, a profile `demo` assumes a role from a `base` profile
with made-up keys, and the child (scripts/demo_child.py) shows what it
received and asks the local STS who it is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log lines in the demo

    sts = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    sts.start()
    host, port = sts.get_host_and_port()
    try:
        with tempfile.TemporaryDirectory(prefix="dapr-aws-demo-") as home:
            aws_dir = Path(home, ".aws")
            aws_dir.mkdir()
            (aws_dir / "credentials").write_text(
                "[base]\naws_access_key_id = AKIADEMOBASE000001\n"
                "aws_secret_access_key = demo-base-secret-not-real-0000000000\n")
            (aws_dir / "config").write_text(
                "[profile demo]\nrole_arn = arn:aws:iam::123456789012:role/orders-sidecar\n"
                "source_profile = base\nrole_session_name = dapr-aws-demo\nregion = eu-west-1\n")
            env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DAPR_AWS_"))}
            env.update(HOME=home, USERPROFILE=home, AWS_CONFIG_FILE=str(aws_dir / "config"),
                       AWS_SHARED_CREDENTIALS_FILE=str(aws_dir / "credentials"),
                       AWS_ENDPOINT_URL_STS=f"http://{host}:{port}", AWS_EC2_METADATA_DISABLED="true",
                       NO_PROXY="127.0.0.1", AWS_PROFILE="a-stale-profile-the-child-must-not-see")
            print(f"local STS stand-in on http://{host}:{port}; temporary HOME {home}\n")
            steps = [
                ["dapr-aws", "--profile", "demo", "--", sys.executable, str(HERE / "demo_child.py")],
                ["dapr-aws", "--profile", "demo", "--mode", "env", "--", sys.executable, str(HERE / "demo_child.py")],
                ["dapr-aws", "--profile", "demo", "env", "--format", "powershell"],
            ]
            code = 0
            for argv in steps:
                print("$ " + " ".join(a if " " not in a else repr(a) for a in argv), flush=True)
                code = subprocess.call(argv, env=env) or code
                print(flush=True)
            return code
    finally:
        sts.stop()


if __name__ == "__main__":
    sys.exit(main())
