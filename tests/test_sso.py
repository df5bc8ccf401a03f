"""IAM Identity Center: `dapr-aws login`/`logout` against a local SSO-OIDC and portal stub,
the AWS CLI v2 cache format, the sign-in offered before a child starts, token refresh,
every error case, and a long run that recovers after a new sign-in."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import stat
import time

import pytest

from tests import ptyrun
from tests.conftest import DAPR_AWS, assert_one_line_error, helper, wait_for

START = "https://corp.awsapps.example/start"
LEGACY = "https://legacy.awsapps.example/start"


@pytest.fixture
def sso(aws, fake_aws):
    aws.config("[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n"
               "region = eu-west-1\n"
               f"[sso-session corp]\nsso_start_url = {START}\nsso_region = us-east-1\n"
               "sso_registration_scopes = sso:account:access\n"
               f"[profile old]\nsso_start_url = {LEGACY}\nsso_region = us-east-1\n"
               "sso_account_id = 123456789012\nsso_role_name = Dev\nregion = eu-west-1\n"
               "[profile denied]\nsso_session = corp\nsso_account_id = 000000000000\nsso_role_name = Dev\n")
    aws.env.update(AWS_ENDPOINT_URL_SSO=fake_aws.url, AWS_ENDPOINT_URL_SSO_OIDC=fake_aws.url)
    return fake_aws


def _cache(aws, key: str):
    return aws.home / ".aws" / "sso" / "cache" / (hashlib.sha1(key.encode()).hexdigest() + ".json")


def _registration_file(aws, session, start, scopes):
    args = {"tool": "botocore", "startUrl": start, "region": "us-east-1", "scopes": scopes, "session_name": session}
    key = hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest()
    return aws.home / ".aws" / "sso" / "cache" / f"{key}.json"


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_login_device_flow_honours_pending_and_slow_down_and_shares_the_cli_cache(aws, sso):
    sso.oidc_script = ["pending", "slow_down", "ok"]
    started = time.monotonic()
    result = aws.run("login", "--profile", "sso", "--no-browser")
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "https://device.sso.example/?user_code=ABCD-EFGH" in result.stderr
    assert "ABCD-EFGH" in result.stderr and "Waiting" in result.stderr
    assert [r["grantType"] for r in sso.token_requests] == ["urn:ietf:params:oauth:grant-type:device_code"] * 3
    assert elapsed >= 7  # interval 1s, then 1s, then 1+5s after slow_down
    token_file = _cache(aws, "corp")
    token = json.loads(token_file.read_text())
    assert set(token) == {"startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret",
                          "registrationExpiresAt", "refreshToken"}
    assert token["startUrl"] == START and token["expiresAt"].endswith("Z")
    assert _mode(token_file) == 0o600
    assert _mode(token_file.parent) == 0o700
    registration = _registration_file(aws, "corp", START, ["sso:account:access"])
    assert json.loads(registration.read_text())["clientId"] == "fake-client-id"
    assert _mode(registration) == 0o600
    assert token["accessToken"] not in result.stderr + result.stdout
    # botocore (through dapr-aws) now resolves the profile with that sign-in.
    env = json.loads(aws.run("--profile", "sso", *helper("printenv")).stdout)["env"]
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIASSO")


def test_legacy_profile_login_writes_the_start_url_token(aws, sso):
    result = aws.run("login", "--profile", "old", "--no-browser")
    assert result.returncode == 0, result.stderr
    token = json.loads(_cache(aws, LEGACY).read_text())
    assert set(token) == {"startUrl", "region", "accessToken", "expiresAt"}
    env = json.loads(aws.run("--profile", "old", *helper("printenv")).stdout)["env"]
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIASSO")


def test_login_by_sso_session_name(aws, sso):
    assert aws.run("login", "--sso-session", "corp", "--no-browser").returncode == 0
    assert _cache(aws, "corp").exists()


def test_device_code_expiring_before_approval(aws, sso):
    sso.oidc_script = ["expired"]
    line = assert_one_line_error_among_prompts(aws.run("login", "--profile", "sso", "--no-browser"), 75)
    assert "expired before it was approved" in line


def test_the_network_failing_while_waiting_for_approval_is_69(aws, sso):
    sso.oidc_script = ["pending", "hangup"]
    line = assert_one_line_error_among_prompts(aws.run("login", "--profile", "sso", "--no-browser", timeout=120), 69)
    assert "lost IAM Identity Center while waiting for the approval" in line and "login again" in line


def test_an_sso_cache_that_cannot_be_written_is_78_with_the_folder(aws, sso):
    (aws.home / ".aws" / "sso").write_text("not a folder")
    line = assert_one_line_error_among_prompts(aws.run("login", "--profile", "sso", "--no-browser"), 78)
    assert "cannot write the SSO cache file" in line and str(aws.home / ".aws" / "sso" / "cache") in line


def assert_one_line_error_among_prompts(result, code: int) -> str:
    """login prints its prompts on stderr; exactly one error line, last, and no traceback."""
    errors = [line for line in result.stderr.splitlines() if line.startswith("dapr-aws: error:")]
    assert result.returncode == code, result.stderr
    assert len(errors) == 1 and result.stderr.rstrip().endswith(errors[0]), result.stderr
    assert "Traceback" not in result.stderr
    return errors[0]


def test_logout_removes_what_login_wrote(aws, sso):
    aws.run("login", "--profile", "sso", "--no-browser")
    registration = _registration_file(aws, "corp", START, ["sso:account:access"])
    assert _cache(aws, "corp").exists() and registration.exists()
    result = aws.run("logout", "--profile", "sso")
    assert result.returncode == 0 and "removed 2" in result.stderr
    assert not _cache(aws, "corp").exists() and not registration.exists()
    assert "not signed in" in aws.run("logout", "--profile", "sso").stderr


def test_login_for_a_profile_without_sso(aws, sso):
    aws.static_default()
    with open(aws.config_path, "a") as f:
        f.write("[profile plain]\nregion = us-east-1\n")
    line = assert_one_line_error(aws.run("login", "--profile", "plain"), 78)
    assert "does not sign in through IAM Identity Center" in line


def test_non_interactive_run_without_sign_in_gives_the_remedy(aws, sso):
    line = assert_one_line_error(aws.run("--profile", "sso", "--", "true"), 75)
    assert line.endswith("run: dapr-aws login --profile sso")
    assert "has no SSO sign-in yet" in line


def test_dash_dash_login_signs_in_first_without_asking(aws, sso):
    result = aws.run("--profile", "sso", "--login", *helper("printenv"), env={"DAPR_AWS_NO_BROWSER": "1"})
    assert result.returncode == 0, result.stderr
    assert "ABCD-EFGH" in result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["env"]["AWS_ACCESS_KEY_ID"].startswith("ASIASSO")


def test_no_login_never_signs_in(aws, sso):
    assert_one_line_error(aws.run("--profile", "sso", "--no-login", "--", "true"), 75)
    assert sso.calls["/device_authorization"] == 0


@pytest.mark.parametrize("answer,code", [("\n", 0), ("n\n", 75)])
def test_sign_in_is_offered_on_a_terminal_before_the_child_starts(aws, sso, answer, code):
    env = dict(aws.env, DAPR_AWS_NO_BROWSER="1")
    status, out = ptyrun.run([DAPR_AWS, "--profile", "sso", "--", "sh", "-c", "echo CHILD-RAN"], env,
                             [("Sign in now? [Y/n]", answer)], cwd=str(aws.root))
    assert status == code, out
    assert "has no SSO sign-in yet" in out
    if code == 0:
        assert out.index("ABCD-EFGH") < out.index("CHILD-RAN")
    else:
        assert "CHILD-RAN" not in out and "dapr-aws login --profile sso" in out


def test_botocore_renews_an_expiring_session_token_with_its_refresh_token(aws, sso):
    sso.refresh_tokens.add("good-refresh-token-0123456789")
    path = aws.sso_token("corp", START, 300, clientId="fake-client-id", clientSecret="s" * 20,
                        registrationExpiresAt="2099-01-01T00:00:00Z", refreshToken="good-refresh-token-0123456789")
    env = json.loads(aws.run("--profile", "sso", *helper("printenv")).stdout)["env"]
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIASSO")
    assert [r["grantType"] for r in sso.token_requests] == ["refresh_token"]
    assert json.loads(path.read_text())["accessToken"].startswith("sso-access-")


def test_expired_session_whose_refresh_token_is_refused(aws, sso):
    aws.sso_token("corp", START, -60, clientId="fake-client-id", clientSecret="s" * 20,
                 registrationExpiresAt="2099-01-01T00:00:00Z", refreshToken="revoked-refresh-token-0123")
    line = assert_one_line_error(aws.run("--profile", "sso", "--", "true"), 75, "revoked-refresh-token-0123")
    assert "refresh token could not renew it" in line and "dapr-aws login --profile sso" in line


def test_expired_session_without_refresh_token(aws, sso):
    aws.sso_token("corp", START, -60)
    line = assert_one_line_error(aws.run("--profile", "sso", "--", "true"), 75)
    assert "expired at" in line and "refresh token" not in line


def test_account_or_role_not_assigned(aws, sso):
    aws.sso_token("corp", START, 3600, access=sso.SSO_TOKEN)
    line = assert_one_line_error(aws.run("--profile", "denied", "--", "true"), 77)
    assert "sso_account_id and sso_role_name" in line


def test_a_long_run_recovers_after_a_new_sign_in(aws, sso, tmp_path):
    sso.lifetime = 6  # role credentials from the portal live 6 seconds
    aws.sso_token("corp", START, 3600, access=sso.SSO_TOKEN)
    record = tmp_path / "signals.txt"
    proc = aws.start("--profile", "sso", "--mode", "endpoint", "--refresh-margin", "1s",
                     "--", *helper("sigchild", record))
    try:
        wait_for(lambda: record.exists() and "ready" in record.read_text(), what="child ready")
        sso.sso_tokens.discard(sso.SSO_TOKEN)  # the session ends (revoked at the portal)
        from tests.test_refresh_e2e import _peek

        wait_for(lambda: "credential refresh failed" in _peek(proc), timeout=20, what="the failure logged")
        # Someone signs in again in another terminal: a new token in the shared cache.
        aws.sso_token("corp", START, 3600, access=sso.new_sso_token()["accessToken"])
        wait_for(lambda: "recovered" in _peek(proc), timeout=90, what="recovery")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
    log = _peek(proc)
    assert log.count("credential refresh failed") == 1
    assert "dapr-aws login --profile sso" in log
    assert log.count("recovered") == 1
    assert "ready" in record.read_text() and record.read_text().count("SIGTERM") == 1  # never restarted
