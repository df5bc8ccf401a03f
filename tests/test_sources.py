"""Each credential source botocore supports, resolved by the installed command,
reaches the child as environment variables (the `env` mode)."""

from __future__ import annotations

import json
import os
import stat
import time

from tests.conftest import helper


def child_env(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])["env"]


def credproc(aws, *args) -> str:
    state = aws.root / "credproc"
    return " ".join(helper("credproc", state, *args))


def test_static_keys_from_default_profile(aws):
    key, secret = aws.static_default()
    env = child_env(aws.run("--region", "eu-west-1", "--", *helper("printenv")))
    assert env["AWS_ACCESS_KEY_ID"] == key
    assert env["AWS_SECRET_ACCESS_KEY"] == secret
    assert "AWS_SESSION_TOKEN" not in env
    assert "AWS_CREDENTIAL_EXPIRATION" not in env
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["DAPR_AWS_ACTIVE"] == "1"


def test_named_profile_static_keys_and_profile_region(aws):
    aws.credentials("[dev]\naws_access_key_id = AKIADEVPROFILE01\naws_secret_access_key = devsecret0123456789\n")
    aws.config("[profile dev]\nregion = ap-south-1\n")
    env = child_env(aws.run("--profile", "dev", *helper("printenv")))
    assert env["AWS_ACCESS_KEY_ID"] == "AKIADEVPROFILE01"
    assert env["AWS_REGION"] == "ap-south-1"
    assert "AWS_PROFILE" not in env


def test_credential_process_with_expiry(aws):
    aws.config(f"[profile proc]\nregion = us-east-2\ncredential_process = {credproc(aws, '--lifetime', '1800')}\n")
    env = child_env(aws.run("--profile", "proc", *helper("printenv")))
    assert env["AWS_ACCESS_KEY_ID"] == "ASIAPROC0001"
    assert env["AWS_SESSION_TOKEN"].startswith("proctoken0001")
    expiry = env["AWS_CREDENTIAL_EXPIRATION"]
    assert expiry.endswith("Z") and len(expiry) == 20
    left = time.mktime(time.strptime(expiry, "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(time.gmtime())
    assert 1700 < left <= 1800


def test_aws_profile_variable_is_used_and_not_passed_on(aws):
    aws.config(f"[profile proc]\ncredential_process = {credproc(aws)}\n")
    env = child_env(aws.run(*helper("printenv"), env={"AWS_PROFILE": "proc", "AWS_REGION": "eu-north-1"}))
    assert env["AWS_ACCESS_KEY_ID"] == "ASIAPROC0001"
    assert "AWS_PROFILE" not in env
    assert env["AWS_REGION"] == "eu-north-1"


def test_dapr_aws_profile_mirror(aws):
    aws.config(f"[profile proc]\ncredential_process = {credproc(aws)}\n")
    env = child_env(aws.run(*helper("printenv"), env={"DAPR_AWS_PROFILE": "proc", "DAPR_AWS_REGION": "sa-east-1"}))
    assert env["AWS_ACCESS_KEY_ID"] == "ASIAPROC0001"
    assert env["AWS_REGION"] == "sa-east-1"


def test_assume_role_with_source_profile_uses_sts_and_the_cli_cache(aws, sts_url):
    aws.credentials("[base]\naws_access_key_id = AKIABASEPROFILE1\naws_secret_access_key = basesecret0123456789\n")
    aws.config("[profile role]\nrole_arn = arn:aws:iam::123456789012:role/dapr\n"
               "source_profile = base\nregion = us-east-1\n")
    extra = {"AWS_ENDPOINT_URL_STS": sts_url}
    first = child_env(aws.run("--profile", "role", *helper("printenv"), env=extra))
    assert first["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert first["AWS_ACCESS_KEY_ID"] != "AKIABASEPROFILE1"
    assert first["AWS_SESSION_TOKEN"]
    assert first["AWS_CREDENTIAL_EXPIRATION"].endswith("Z")
    cache = aws.home / ".aws" / "cli" / "cache"
    files = list(cache.glob("*.json"))
    assert len(files) == 1, files
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o700
    # A second run reuses the cached session, as the AWS CLI does.
    second = child_env(aws.run("--profile", "role", *helper("printenv"), env=extra))
    assert second["AWS_ACCESS_KEY_ID"] == first["AWS_ACCESS_KEY_ID"]


def test_assume_role_with_credential_source_environment(aws, sts_url):
    aws.config("[profile ci]\nrole_arn = arn:aws:iam::123456789012:role/ci\n"
               "credential_source = Environment\nregion = us-east-1\n")
    extra = {"AWS_ENDPOINT_URL_STS": sts_url, "AWS_ACCESS_KEY_ID": "AKIAFROMENVIRON01",
             "AWS_SECRET_ACCESS_KEY": "envsecret0123456789"}
    env = child_env(aws.run("--profile", "ci", *helper("printenv"), env=extra))
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert env["AWS_ACCESS_KEY_ID"] != "AKIAFROMENVIRON01"


def test_web_identity_from_profile(aws, sts_url):
    token = aws.root / "token.jwt"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkYXByIn0.c2lnbmF0dXJl")
    aws.config(f"[profile eks]\nrole_arn = arn:aws:iam::123456789012:role/eks\n"
               f"web_identity_token_file = {token}\nregion = us-west-2\n")
    env = child_env(aws.run("--profile", "eks", *helper("printenv"), env={"AWS_ENDPOINT_URL_STS": sts_url}))
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert env["AWS_SESSION_TOKEN"]


def test_web_identity_from_environment_is_scrubbed_from_child(aws, sts_url):
    token = aws.root / "token.jwt"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkYXByIn0.c2lnbmF0dXJl")
    extra = {"AWS_ENDPOINT_URL_STS": sts_url, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/pod",
             "AWS_WEB_IDENTITY_TOKEN_FILE": str(token), "AWS_ROLE_SESSION_NAME": "pod", "AWS_REGION": "us-west-2"}
    env = child_env(aws.run(*helper("printenv"), env=extra))
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    for gone in ("AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME"):
        assert gone not in env


def test_sso_session_uses_the_cached_sign_in(aws, fake_aws):
    start = "https://example.awsapps.com/start"
    aws.config("[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n"
               "sso_role_name = Dev\nregion = eu-west-1\n"
               f"[sso-session corp]\nsso_start_url = {start}\nsso_region = us-east-1\n")
    aws.sso_token("corp", start, 3600)
    env = child_env(aws.run("--profile", "sso", *helper("printenv"), env={"AWS_ENDPOINT_URL_SSO": fake_aws.url}))
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIASSO")
    assert env["AWS_CREDENTIAL_EXPIRATION"].endswith("Z")
    assert fake_aws.calls["/federation/credentials"] == 1


def test_legacy_sso_profile_uses_the_cached_sign_in(aws, fake_aws):
    start = "https://legacy.awsapps.com/start"
    aws.config(f"[profile old]\nsso_start_url = {start}\nsso_region = us-east-1\n"
               "sso_account_id = 123456789012\nsso_role_name = Dev\nregion = eu-west-1\n")
    aws.sso_token(start, start, 3600)
    env = child_env(aws.run("--profile", "old", *helper("printenv"), env={"AWS_ENDPOINT_URL_SSO": fake_aws.url}))
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIASSO")


def test_container_credentials_are_used_and_not_passed_on(aws, fake_aws):
    extra = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": fake_aws.url + "/container-creds",
             "AWS_CONTAINER_AUTHORIZATION_TOKEN": fake_aws.CONTAINER_TOKEN, "AWS_REGION": "eu-west-3"}
    env = child_env(aws.run(*helper("printenv"), env=extra))
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIACONT")
    assert not [k for k in env if k.startswith("AWS_CONTAINER_")]


def test_instance_profile_through_imdsv2_with_region_from_imds(aws, fake_aws):
    extra = {"AWS_EC2_METADATA_DISABLED": None, "AWS_EC2_METADATA_SERVICE_ENDPOINT": fake_aws.url + "/"}
    env = child_env(aws.run(*helper("printenv"), env=extra))
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIAIMDS")
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-central-1"
    assert "AWS_EC2_METADATA_SERVICE_ENDPOINT" not in env
    assert fake_aws.calls["/latest/api/token"] >= 1


def test_region_precedence(aws):
    aws.static_default()
    aws.config("[default]\nregion = us-west-1\n")
    run = lambda *a, **e: child_env(aws.run(*a, *helper("printenv"), env=e))  # noqa: E731
    assert run()["AWS_REGION"] == "us-west-1"
    assert run(AWS_DEFAULT_REGION="eu-south-1")["AWS_REGION"] == "eu-south-1"
    assert run(AWS_DEFAULT_REGION="eu-south-1", AWS_REGION="eu-south-2")["AWS_DEFAULT_REGION"] == "eu-south-2"
    assert run("--region", "me-south-1", AWS_REGION="eu-south-2")["AWS_REGION"] == "me-south-1"


def test_no_region_is_a_warning_not_a_failure(aws):
    aws.static_default()
    result = aws.run(*helper("printenv"))
    env = child_env(result)
    assert "AWS_REGION" not in env
    assert "warning" in result.stderr and "region" in result.stderr
