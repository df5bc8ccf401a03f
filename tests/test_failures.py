"""Every failure a user can cause: the documented exit code, one line on stderr
with the remedy, no traceback and no secret."""

from __future__ import annotations

import json
import socket
import time

import pytest

from tests.conftest import assert_one_line_error, helper

SECRET = "leakedsecret0123456789/ABCDEF"


def test_unknown_profile(aws):
    aws.config("[profile dev]\nregion = us-east-1\n")
    line = assert_one_line_error(aws.run("--profile", "nope", "--", "true"), 78)
    assert "'nope'" in line and "aws configure list-profiles" in line


def test_unknown_profile_from_aws_profile(aws):
    line = assert_one_line_error(aws.run("--", "true", env={"AWS_PROFILE": "ghost"}), 78)
    assert "'ghost'" in line


def test_no_credentials_anywhere(aws):
    line = assert_one_line_error(aws.run("--", "true"), 77)
    assert "no AWS credentials found" in line and "--profile" in line


def test_sso_token_missing(aws):
    aws.config("[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n"
               "[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n")
    line = assert_one_line_error(aws.run("--profile", "sso", "--", "true"), 75)
    assert "dapr-aws login --profile sso" in line


def test_sso_token_expired(aws):
    aws.config("[profile old]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n"
               "sso_account_id = 123456789012\nsso_role_name = Dev\n")
    aws.sso_token("https://x.awsapps.com/start", "https://x.awsapps.com/start", -60)
    line = assert_one_line_error(aws.run("--profile", "old", "--", "true"), 75)
    assert "expired" in line and "dapr-aws login --profile old" in line


def test_sso_portal_rejects_the_token(aws, fake_aws):
    aws.config("[profile old]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n"
               "sso_account_id = 123456789012\nsso_role_name = Dev\n")
    aws.sso_token("https://x.awsapps.com/start", "https://x.awsapps.com/start", 3600,
                  access="revoked-token-0123456789")
    result = aws.run("--profile", "old", "--", "true", env={"AWS_ENDPOINT_URL_SSO": fake_aws.url})
    line = assert_one_line_error(result, 75, "revoked-token-0123456789")
    assert "dapr-aws login --profile old" in line


def test_credential_process_failure_shows_last_stderr_line_without_secrets(aws, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "fail").write_text(f'debug: "SecretAccessKey": "{SECRET}"\nerror: identity provider said no\n')
    aws.config(f"[profile proc]\ncredential_process = {' '.join(helper('credproc', state))}\n")
    line = assert_one_line_error(aws.run("--profile", "proc", "--", "true"), 77, SECRET)
    assert line.endswith("failed: error: identity provider said no; run that command by hand to see why")


def test_credential_process_secret_on_last_line_is_masked(aws, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "fail").write_text(f"aws_secret_access_key={SECRET}\n")
    aws.config(f"[profile proc]\ncredential_process = {' '.join(helper('credproc', state))}\n")
    line = assert_one_line_error(aws.run("--profile", "proc", "--", "true"), 77, SECRET)
    assert "aws_secret_access_key=****" in line


def test_credential_process_not_found(aws):
    aws.config("[profile proc]\ncredential_process = /nonexistent/issuer --flag\n")
    line = assert_one_line_error(aws.run("--profile", "proc", "--", "true"), 78)
    assert "credential_process" in line


def test_credential_process_prints_garbage(aws, tmp_path):
    script = tmp_path / "garbage.py"
    script.write_text("print('not json at all')\n")
    import sys

    aws.config(f"[profile proc]\ncredential_process = {sys.executable} {script}\n")
    assert_one_line_error(aws.run("--profile", "proc", "--", "true"), 77)


def test_partial_keys_in_credentials_file(aws):
    aws.credentials("[half]\naws_access_key_id = AKIAHALFONLY000001\n")
    line = assert_one_line_error(aws.run("--profile", "half", "--", "true"), 78)
    assert "partial credentials" in line and "aws_secret_access_key" in line


def test_partial_keys_in_environment(aws):
    line = assert_one_line_error(aws.run("--", "true", env={"AWS_ACCESS_KEY_ID": "AKIAHALFONLY000002"}), 78)
    assert "AWS_SECRET_ACCESS_KEY" in line


def test_malformed_config_file(aws):
    aws.config("[profile broken\nregion = us-east-1\n")
    line = assert_one_line_error(aws.run("--", "true"), 78)
    assert str(aws.config_path) in line


def test_malformed_credentials_file_does_not_echo_its_content(aws):
    aws.credentials(f"aws_secret_access_key = {SECRET}\n[default]\n")
    assert_one_line_error(aws.run("--", "true"), 78, SECRET)


def test_sts_unreachable(aws):
    aws.credentials("[base]\naws_access_key_id = AKIABASEPROFILE1\naws_secret_access_key = basesecret0123456789\n")
    aws.config("[profile role]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = base\n"
               "region = us-east-1\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    result = aws.run("--profile", "role", "--", "true",
                     env={"AWS_ENDPOINT_URL_STS": closed, "AWS_MAX_ATTEMPTS": "1"})
    line = assert_one_line_error(result, 69, "basesecret0123456789")
    assert "cannot reach" in line


def test_imds_that_never_answers_gives_up_within_seconds(aws):
    # A socket that accepts connections but never replies: the worst case off EC2.
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(16)
    try:
        env = {"AWS_EC2_METADATA_DISABLED": None,
               "AWS_EC2_METADATA_SERVICE_ENDPOINT": f"http://127.0.0.1:{blackhole.getsockname()[1]}/"}
        started = time.monotonic()
        result = aws.run("--", "true", env=env)
        elapsed = time.monotonic() - started
    finally:
        blackhole.close()
    line = assert_one_line_error(result, 77)
    assert "instance metadata" in line
    assert elapsed < 6, elapsed  # a generous bound for a slow CI; the benchmark reports the figure


def test_no_command_is_a_usage_error(aws):
    result = aws.run("--profile", "x")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_bad_duration_is_a_usage_error(aws):
    result = aws.run("--stop-timeout", "soon", "--", "true")
    assert result.returncode == 2
    assert "is not a duration" in result.stderr


def test_json_log_format_error_is_one_json_line(aws):
    result = aws.run("--log-format", "json", "--profile", "nope", "--", "true")
    assert result.returncode == 78
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["level"] == "error" and entry["exit_code"] == 78 and "nope" in entry["msg"]
    assert entry["remedy"]


@pytest.mark.parametrize("fmt", ["env", "process"])
def test_env_command_failures_are_one_line_too(aws, fmt):
    assert_one_line_error(aws.run("env", "--format", fmt, "--profile", "nope"), 78)


def test_unwritable_cli_cache_only_warns_once(aws, sts_url):
    # A file where the cache directory should be: as unwritable as it gets, even for root.
    (aws.home / ".aws" / "cli").mkdir()
    (aws.home / ".aws" / "cli" / "cache").write_text("not a directory")
    aws.credentials("[base]\naws_access_key_id = AKIABASEPROFILE1\naws_secret_access_key = basesecret0123456789\n")
    aws.config("[profile role]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = base\n"
               "region = us-east-1\n")
    result = aws.run("--profile", "role", "--", "sh", "-c", "echo $AWS_ACCESS_KEY_ID",
                     env={"AWS_ENDPOINT_URL_STS": sts_url})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ASIA")
    assert result.stderr.count("cannot write the AWS CLI cache") == 1


@pytest.mark.parametrize("status,body,expected", [
    (502, "<html><body>502 Bad Gateway</body></html>", "Received non 200 response 502"),
    (200, "{not json", "Unable to parse JSON"),
    (200, '{"AccessKeyId": "ASIANOEXPIRY", "SecretAccessKey": "secret0123456789", "Token": "token0123456789"}',
     "without 'Expiration'"),
    (200, '{"AccessKeyId": "ASIANAIVE", "SecretAccessKey": "secret0123456789", "Token": "token0123456789", '
          '"Expiration": "2030-01-01T00:00:00"}', "an expiry without a time zone"),
])
def test_garbage_from_the_container_endpoint_is_one_line(aws, fake_aws, status, body, expected):
    fake_aws.container_reply = (status, body)
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": fake_aws.url + "/container-creds", "AWS_REGION": "us-east-1"}
    line = assert_one_line_error(aws.run("--", "true", env=env), 77, "secret0123456789")
    assert expected in line


def test_ready_url_that_is_not_a_url_is_a_usage_error(aws):
    aws.static_default()
    line = assert_one_line_error(aws.run("--region", "us-east-1", "--ready-url", "foo", "--", "true"), 2)
    assert "--ready-url" in line and "http://127.0.0.1:3500/v1.0/healthz" in line
