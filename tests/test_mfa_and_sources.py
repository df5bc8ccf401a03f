"""Assume-role with MFA (asked on a terminal before the child starts, --mfa-code for
scripts, never during a refresh), more identity sources, and whoami."""

from __future__ import annotations

import json
import signal

from tests import ptyrun
from tests.conftest import DAPR_AWS, assert_one_line_error, helper, wait_for

MFA = "arn:aws:iam::123456789012:mfa/dev"


def _mfa_profile(aws, sts_url):
    aws.credentials("[base]\naws_access_key_id = AKIABASEPROFILE1\naws_secret_access_key = basesecret0123456789\n")
    aws.config(f"[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\n"
               f"mfa_serial = {MFA}\nregion = eu-west-1\n")
    aws.env["AWS_ENDPOINT_URL_STS"] = sts_url


def test_mfa_code_is_asked_on_the_terminal_before_the_child_starts(aws, sts_url):
    _mfa_profile(aws, sts_url)
    status, out = ptyrun.run([DAPR_AWS, "--profile", "mfa", *helper("printenv")], aws.env,
                             [(f"Enter MFA code for {MFA}:", "123456\n")], cwd=str(aws.root))
    assert status == 0, out
    assert out.index("Enter MFA code") < out.index('"AWS_ACCESS_KEY_ID": "ASIA')
    assert "123456" not in out.split("<answered>")[1]  # the code is not echoed


def test_mfa_code_option_for_scripts(aws, sts_url):
    _mfa_profile(aws, sts_url)
    result = aws.run("--profile", "mfa", "--mfa-code", "654321", *helper("printenv"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["env"]["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert "654321" not in result.stderr


def test_mfa_needed_without_a_terminal_is_one_line(aws, sts_url):
    _mfa_profile(aws, sts_url)
    line = assert_one_line_error(aws.run("--profile", "mfa", "--", "true"), 75)
    assert "--mfa-code" in line


def test_a_refresh_that_needs_mfa_logs_the_remedy_and_never_prompts(aws, sts_url, tmp_path):
    _mfa_profile(aws, sts_url)
    record = tmp_path / "signals.txt"
    proc = aws.start("--profile", "mfa", "--mfa-code", "123456", "--mode", "endpoint",
                     "--", *helper("sigchild", record))
    from tests.test_refresh_e2e import _peek

    try:
        wait_for(lambda: record.exists() and "ready" in record.read_text(), what="child ready")
        proc.send_signal(signal.SIGHUP)  # refresh now: the cached session is not newer, STS needs a new code
        wait_for(lambda: "credential refresh failed" in _peek(proc), timeout=20, what="the refresh failure")
        assert proc.poll() is None  # the child keeps running on the current credentials
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    log = _peek(proc)
    assert "needs a new MFA code" in log and "duration_seconds" in log
    assert log.count("credential refresh failed") == 1


def test_credential_source_ec2_instance_metadata(aws, sts_url, fake_aws):
    aws.config("[profile ec2role]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
               "credential_source = Ec2InstanceMetadata\nregion = us-east-1\n")
    env = {"AWS_ENDPOINT_URL_STS": sts_url, "AWS_EC2_METADATA_DISABLED": None,
           "AWS_EC2_METADATA_SERVICE_ENDPOINT": fake_aws.url + "/"}
    result = aws.run("--profile", "ec2role", *helper("printenv"), env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["env"]["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert fake_aws.calls["/latest/meta-data/iam/security-credentials/" + fake_aws.ROLE] >= 1


def test_credential_source_ecs_container(aws, sts_url, fake_aws):
    aws.config("[profile ecsrole]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
               "credential_source = EcsContainer\nregion = us-east-1\n")
    env = {"AWS_ENDPOINT_URL_STS": sts_url, "AWS_CONTAINER_CREDENTIALS_FULL_URI": fake_aws.url + "/container-creds",
           "AWS_CONTAINER_AUTHORIZATION_TOKEN": fake_aws.CONTAINER_TOKEN}
    result = aws.run("--profile", "ecsrole", *helper("printenv"), env=env)
    assert result.returncode == 0, result.stderr
    env = json.loads(result.stdout)["env"]
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA") and not env["AWS_ACCESS_KEY_ID"].startswith("ASIACONT")
    assert fake_aws.calls["/container-creds"] == 1


def test_eks_pod_identity_token_file_with_no_profile_and_no_flags(aws, fake_aws, tmp_path):
    token_file = tmp_path / "eks-pod-identity-token"
    token_file.write_text(fake_aws.CONTAINER_TOKEN)
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": fake_aws.url + "/container-creds",
           "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file), "AWS_REGION": "us-west-2",
           "DAPR_AWS_MODE": None}
    result = aws.run(*helper("printenv"), env=env)
    assert result.returncode == 0, result.stderr
    child = json.loads(result.stdout)["env"]
    # auto mode: the container credentials expire, so the child gets our own endpoint.
    assert child["AWS_CONTAINER_CREDENTIALS_FULL_URI"] != env["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    assert "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" not in child


def test_whoami_text_and_json(aws, sts_url):
    aws.credentials("[base]\naws_access_key_id = AKIABASEPROFILE1\naws_secret_access_key = basesecret0123456789\n")
    aws.config("[profile role]\nrole_arn = arn:aws:iam::123456789012:role/orders\nsource_profile = base\n"
               "role_session_name = me\nregion = eu-west-1\n")
    env = {"AWS_ENDPOINT_URL_STS": sts_url}
    text = aws.run("whoami", "--profile", "role", env=env)
    assert text.returncode == 0, text.stderr
    assert "arn:aws:sts::123456789012:assumed-role/orders/me" in text.stdout
    for label in ("profile", "source", "account", "region", "expires"):
        assert label in text.stdout
    doc = json.loads(aws.run("whoami", "--profile", "role", "--json", env=env).stdout)
    assert doc["Account"] == "123456789012" and doc["Source"] == "assume-role"
    assert doc["Profile"] == "role" and doc["Region"] == "eu-west-1" and doc["Expiration"].endswith("Z")
    assert "basesecret" not in text.stdout + text.stderr


def test_whoami_without_credentials_is_one_line(aws):
    assert_one_line_error(aws.run("whoami"), 77)
