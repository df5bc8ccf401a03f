"""`dapr-aws env` and `dapr-aws credential-process`, byte for byte against fixtures
written from the AWS CLI v2 formats, and as a credential_process of another profile."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.conftest import DAPR_AWS, helper

FIXTURES = Path(__file__).parent / "fixtures" / "export"
CLI_FORMATS = ["env", "env-no-export", "powershell", "windows-cmd", "fish", "process"]


def _proc_profile(aws, tmp_path):
    cmd = " ".join(helper("credproc", tmp_path / "state", "--expires", "2031-05-06T07:08:09Z"))
    aws.config(f"[profile proc]\nregion = eu-west-1\ncredential_process = {cmd}\n")


@pytest.mark.parametrize("fmt", CLI_FORMATS)
def test_temporary_credentials_match_the_aws_cli(aws, tmp_path, fmt):
    _proc_profile(aws, tmp_path)
    result = subprocess_bytes(aws, "env", "--format", fmt, "--profile", "proc")
    assert result == (FIXTURES / f"{fmt}.txt").read_bytes()


@pytest.mark.parametrize("fmt", ["env", "process"])
def test_static_credentials_match_the_aws_cli(aws, fmt):
    aws.static_default()
    assert subprocess_bytes(aws, "env", "--format", fmt) == (FIXTURES / f"{fmt}-static.txt").read_bytes()


def test_profile_given_before_the_subcommand(aws, tmp_path):
    _proc_profile(aws, tmp_path)
    result = subprocess_bytes(aws, "--profile", "proc", "env", "--format", "env")
    assert result == (FIXTURES / "env.txt").read_bytes()


def test_default_format_is_env(aws, tmp_path):
    _proc_profile(aws, tmp_path)
    assert subprocess_bytes(aws, "env", "--profile", "proc") == (FIXTURES / "env.txt").read_bytes()


def test_json_and_dotenv(aws, tmp_path):
    _proc_profile(aws, tmp_path)
    doc = json.loads(subprocess_bytes(aws, "env", "--format", "json", "--profile", "proc"))
    assert doc == {"AccessKeyId": "ASIAPROC0001", "SecretAccessKey": "procsecret0001/abcdefghijklmnop",
                   "SessionToken": "proctoken0001+qrstuvwxyz0123456789", "Expiration": "2031-05-06T07:08:09Z",
                   "Region": "eu-west-1", "Source": "custom-process"}
    dotenv = subprocess_bytes(aws, "env", "--format", "dotenv", "--profile", "proc").decode()
    assert dotenv.splitlines() == [
        "AWS_ACCESS_KEY_ID=ASIAPROC0001", "AWS_SECRET_ACCESS_KEY=procsecret0001/abcdefghijklmnop",
        "AWS_SESSION_TOKEN=proctoken0001+qrstuvwxyz0123456789", "AWS_CREDENTIAL_EXPIRATION=2031-05-06T07:08:09Z",
        "AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1"]


def test_credential_process_command_feeds_another_profile(aws, tmp_path):
    _proc_profile(aws, tmp_path)
    with open(aws.config_path, "a") as f:
        f.write(f"[profile chained]\nregion = us-east-1\n"
                f"credential_process = {DAPR_AWS} credential-process --profile proc\n")
    assert subprocess_bytes(aws, "credential-process", "--profile", "proc") == (FIXTURES / "process.txt").read_bytes()
    # botocore (here: the launcher itself, resolving profile "chained") runs it as a credential_process.
    result = aws.run("--profile", "chained", *helper("printenv"))
    assert result.returncode == 0, result.stderr
    env = json.loads(result.stdout)["env"]
    assert env["AWS_ACCESS_KEY_ID"] == "ASIAPROC0001"
    assert env["AWS_CREDENTIAL_EXPIRATION"] == "2031-05-06T07:08:09Z"


def test_credential_process_loop_is_refused(aws):
    aws.config(f"[profile loop]\ncredential_process = {DAPR_AWS} credential-process --profile loop\n")
    result = aws.run("credential-process", "--profile", "loop", timeout=30)
    assert result.returncode == 77, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "loop" in lines[0], result.stderr


def test_env_output_is_runnable_by_sh(aws, tmp_path):
    _proc_profile(aws, tmp_path)
    script = subprocess_bytes(aws, "env", "--profile", "proc").decode()
    import subprocess

    out = subprocess.run(["sh", "-c", script + 'printf %s "$AWS_SECRET_ACCESS_KEY"'], capture_output=True, text=True)
    assert out.stdout == "procsecret0001/abcdefghijklmnop"


def subprocess_bytes(aws, *args) -> bytes:
    import subprocess

    result = subprocess.run([DAPR_AWS, *args], env=aws._env(None), capture_output=True, cwd=aws.root, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b"" or b"warning" in result.stderr, result.stderr
    return result.stdout


assert sys.version_info >= (3, 10)


def test_a_loop_through_aws_default_profile_is_named_by_that_profile(aws):
    # botocore takes AWS_DEFAULT_PROFILE before AWS_PROFILE; the loop guard now does too.
    aws.config(f"[profile loop]\ncredential_process = {DAPR_AWS} credential-process\n[profile other]\nregion = x\n")
    result = aws.run("credential-process", env={"AWS_DEFAULT_PROFILE": "loop", "AWS_PROFILE": "other"}, timeout=30)
    assert result.returncode == 77, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "profile 'loop' resolves through itself (loop -> loop)" in lines[0], result.stderr
