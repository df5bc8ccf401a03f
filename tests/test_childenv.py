"""What the child sees: scrubbed first, then set; a nested launcher passes through."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

from launcher.delivery import childenv
from launcher.sources.credentials import Credentials
from tests.conftest import helper

STALE = {
    "AWS_ACCESS_KEY_ID": "AKIASTALEPARENT01", "AWS_ACCESS_KEY": "AKIASTALEPARENT02",
    "AWS_SECRET_ACCESS_KEY": "stalesecret0123456789", "AWS_SECRET_KEY": "stalesecret9876543210",
    "AWS_SESSION_TOKEN": "staletoken0123456789", "AWS_SECURITY_TOKEN": "staletoken9876543210",
    "AWS_CREDENTIAL_EXPIRATION": "2000-01-01T00:00:00Z", "AWS_ACCOUNT_ID": "999999999999",
    "AWS_DEFAULT_PROFILE": "stale", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/stale",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/stale", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6",
    "AWS_CREDENTIAL_FILE": "/stale", "BOTO_CONFIG": "/stale", "NOTIFY_SOCKET": "/run/stale",
    "WATCHDOG_PID": "4242", "WATCHDOG_USEC": "1000",
}


def test_stale_parent_variables_never_reach_the_child(aws):
    aws.credentials("[dev]\naws_access_key_id = AKIADEVPROFILE01\naws_secret_access_key = devsecret0123456789\n")
    result = aws.run("--profile", "dev", "--region", "us-east-1", *helper("printenv"),
                     env={**STALE, "AWS_PROFILE": "dev"})
    assert result.returncode == 0, result.stderr
    env = json.loads(result.stdout)["env"]
    assert env["AWS_ACCESS_KEY_ID"] == "AKIADEVPROFILE01"
    assert env["AWS_SECRET_ACCESS_KEY"] == "devsecret0123456789"
    leaked = {k for k in STALE if k in env} - {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    assert not leaked
    assert "AWS_PROFILE" not in env and "AWS_SESSION_TOKEN" not in env
    assert not set(env.values()) & set(STALE.values())


def test_nested_launcher_passes_through_without_resolving(aws):
    # No credentials configured at all: a nested launcher must not try to resolve.
    marker = {"DAPR_AWS_ACTIVE": "1", "AWS_ACCESS_KEY_ID": "AKIAFROMOUTERLAUNCH", "AWS_PROFILE": "whatever"}
    result = aws.run("--profile", "does-not-exist", *helper("printenv"), env=marker)
    assert result.returncode == 0, result.stderr
    env = json.loads(result.stdout)["env"]
    assert env["AWS_ACCESS_KEY_ID"] == "AKIAFROMOUTERLAUNCH"
    assert env["AWS_PROFILE"] == "whatever"


def test_launcher_inside_launcher_resolves_once(aws, tmp_path):
    state = tmp_path / "state"
    aws.config(f"[profile proc]\nregion = eu-west-1\ncredential_process = {' '.join(helper('credproc', state))}\n")
    from tests.conftest import DAPR_AWS

    result = aws.run("--profile", "proc", DAPR_AWS, "--profile", "proc", *helper("printenv"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["env"]["AWS_ACCESS_KEY_ID"] == "ASIAPROC0001"
    assert (state / "calls").read_text() == "1"


def test_childenv_is_scrub_then_set():
    creds = Credentials("ASIANEW", "newsecret", "newtoken", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
                        "test", "eu-west-1")
    base = {"PATH": "/bin", "aws_profile": "lower-case-on-windows", "AWS_CONTAINER_ANYTHING": "x",
            "AWS_REGION": "old", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1"}
    env = childenv.for_env_mode(base, creds)
    assert env == {
        "PATH": "/bin", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1",
        "AWS_ACCESS_KEY_ID": "ASIANEW", "AWS_SECRET_ACCESS_KEY": "newsecret", "AWS_SESSION_TOKEN": "newtoken",
        "AWS_SECURITY_TOKEN": "newtoken", "AWS_CREDENTIAL_EXPIRATION": "2030-01-02T03:04:05Z", "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1", "DAPR_AWS_ACTIVE": "1", "DAPR_AWS_LAUNCHER_PID": str(os.getpid()),
    }
    assert base["aws_profile"] == "lower-case-on-windows"  # the input is not modified


def test_env_mode_also_sets_the_old_token_name_for_boto_2(aws, tmp_path):
    state = tmp_path / "state"
    aws.config(f"[profile proc]\nregion = eu-west-1\ncredential_process = {' '.join(helper('credproc', state))}\n")
    result = aws.run("--profile", "proc", "--mode", "env", *helper("printenv"))
    assert result.returncode == 0, result.stderr
    env = json.loads(result.stdout)["env"]
    assert env["AWS_SECURITY_TOKEN"] == env["AWS_SESSION_TOKEN"] == "proctoken0001+qrstuvwxyz0123456789"


def test_a_child_behind_a_proxy_reaches_the_endpoint_directly(aws, tmp_path):
    # HTTP_PROXY is for the child's traffic to AWS; our loopback server must bypass it.
    state = tmp_path / "state"
    aws.config(f"[profile proc]\nregion = eu-west-1\ncredential_process = {' '.join(helper('credproc', state))}\n")
    proxy = {"HTTP_PROXY": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9",
             "NO_PROXY": "internal.example", "no_proxy": "internal.example"}
    for mode in ("endpoint", "imds"):
        result = aws.run("--profile", "proc", "--mode", mode, *helper("printenv"), env=proxy)
        assert result.returncode == 0, result.stderr
        env = json.loads(result.stdout)["env"]
        assert env["NO_PROXY"] == env["no_proxy"] == "internal.example,127.0.0.1", mode
