"""scripts/demo, the README's first command, runs the main job end to end."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import DAPR_AWS

ROOT = Path(__file__).resolve().parent.parent


def test_demo_shows_the_assumed_role_in_both_modes(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DAPR_AWS"))}
    env["PATH"] = os.path.dirname(DAPR_AWS) + os.pathsep + env.get("PATH", "")
    env["HOME"] = str(tmp_path)
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "demo.py")], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert out.count("arn:aws:sts::123456789012:assumed-role/orders-sidecar/dapr-aws-demo") == 2
    assert "(endpoint mode)" in out and "(env mode)" in out
    assert "scrubbed by dapr-aws" in out
    assert '$Env:AWS_ACCESS_KEY_ID="ASIA' in out
