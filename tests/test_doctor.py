"""`dapr-aws doctor` and the component checks before daprd starts."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest


FIXTURES = Path(__file__).parent / "fixtures"
BAD = FIXTURES / "components" / "bad"
GOOD = FIXTURES / "components" / "good"
SECRETS = ("componentsecret0123456789/abcdef", "componenttoken0123456789", "s3secret0123456789abcdef",
           "cloudmapsecret0123456789", "AKIASTATICINCOMPONENT", "AKIAKAFKASTATIC0001")


def _doctor(aws, *args, env=None):
    return aws.run("doctor", "--offline", *args, env=env)


def test_bad_components_give_the_expected_findings_and_no_secret(aws):
    aws.static_default()
    result = _doctor(aws, "--resources-path", os.path.relpath(BAD, aws.root), "--region", "us-east-1")
    assert result.returncode == 0, result.stdout  # warnings only
    lines = [line for line in result.stdout.splitlines() if line.startswith("warn  component")]
    expected = (FIXTURES / "doctor" / "bad-components.txt").read_text().format(
        dir=os.path.relpath(BAD, aws.root)).splitlines()
    assert lines == expected
    for secret in SECRETS:
        assert secret not in result.stdout + result.stderr


def test_good_components_pass(aws):
    aws.static_default()
    result = _doctor(aws, "--resources-path", GOOD, "--region", "us-east-1")
    assert f"ok    components: no problem in {GOOD}" in result.stdout.splitlines()


def test_unparsable_component_file_fails(aws, tmp_path):
    aws.static_default()
    (tmp_path / "broken.yaml").write_text("kind: Component\nspec: [unclosed\n")
    result = _doctor(aws, "--resources-path", tmp_path, "--region", "us-east-1")
    assert result.returncode == 1
    assert "cannot be parsed as YAML" in result.stdout


def test_aws_checks_and_environment_conflicts(aws, fake_aws):
    aws.static_default()
    aws.config("[default]\nregion = eu-west-1\n[profile other]\nregion = us-east-1\n")
    env = {"AWS_ACCESS_KEY_ID": "AKIAFROMTHEENVIRON1", "AWS_SECRET_ACCESS_KEY": "envsecret0123456789",
           "AWS_PROFILE": "default", "AWS_CONTAINER_CREDENTIALS_FULL_URI": fake_aws.url + "/x"}
    result = _doctor(aws, "--profile", "other", env=env)
    out = result.stdout
    assert result.returncode == 1  # profile `other` has no credentials
    assert "ok    AWS config files: parse" in out
    assert "ok    profile: 'other'" in out
    assert "fail  credentials:" in out
    assert "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY set" in out
    assert "AWS_PROFILE=default differs from --profile other" in out
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI set" in out
    assert "[default] has static keys" in out
    assert "envsecret0123456789" not in out and "staticsecret" not in out


def test_identity_and_region_and_json(aws, sts_url):
    aws.static_default()
    aws.config("[default]\nregion = eu-west-1\n")
    result = aws.run("doctor", "--json", env={"AWS_ENDPOINT_URL_STS": sts_url})
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert checks["identity"]["status"] == "ok" and checks["identity"]["detail"].startswith("arn:aws:")
    assert checks["region"]["detail"] == "eu-west-1 (from profile)"
    assert checks["credentials"]["detail"].startswith("AKIASTATICDEFAULT1 from shared-credentials-file")


def test_unknown_profile_fails_with_exit_1(aws):
    result = _doctor(aws, "--profile", "ghost")
    assert result.returncode == 1
    assert "fail  profile: 'ghost' does not exist" in result.stdout


def test_dapr_binaries_versions_and_shim_in_front(aws, tmp_path):
    aws.static_default()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("dapr", "daprd"):
        fake = bin_dir / name
        fake.write_text(f"#!/bin/sh\necho '{name} version 1.17.2'\n")
        fake.chmod(0o755)
    path = f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin"
    result = _doctor(aws, "--region", "us-east-1", env={"PATH": path})
    assert f"ok    dapr: {bin_dir / 'dapr'} (dapr version 1.17.2)" in result.stdout
    shims = tmp_path / "shims"
    aws.run("shim", "install", "--dir", shims, "dapr", env={"PATH": path})
    result = _doctor(aws, "--region", "us-east-1", env={"PATH": f"{shims}{os.pathsep}{path}"})
    assert f"(through the dapr-aws shim {shims / 'dapr'})" in result.stdout


@pytest.mark.skipif(os.name != "posix", reason="fake daprd is a script")
def test_checks_run_before_daprd_starts_and_can_be_skipped(aws, tmp_path):
    aws.static_default()
    daprd = tmp_path / "daprd"
    daprd.write_text(f"#!{sys.executable}\nprint('DAPRD-STARTED')\n")
    daprd.chmod(0o755)
    result = aws.run("--region", "us-east-1", "--", daprd, "--resources-path", BAD, "--app-id", "x")
    assert result.returncode == 0
    assert "dapr-aws: warning: component" in result.stderr and "state.aws.dynamodb" in result.stderr
    assert "--no-checks" in result.stderr and "DAPRD-STARTED" in result.stdout
    for secret in SECRETS:
        assert secret not in result.stderr
    quiet = aws.run("--region", "us-east-1", "--no-checks", "--", daprd, "--resources-path", BAD)
    assert "component" not in quiet.stderr


def test_default_ready_url_for_daprd(aws, tmp_path):
    aws.static_default()
    from tests.test_refresh_e2e import _free_port, _install

    port = _free_port()
    daprd = _install(tmp_path, "daprd", "fake_daprd.py")
    proc = aws.start("--region", "us-east-1", "--", daprd, "--port", port, "--log", tmp_path / "log",
                     "--dapr-http-port", port)
    from tests.test_refresh_e2e import _peek
    from tests.conftest import wait_for

    try:
        wait_for(lambda: f"http://127.0.0.1:{port}/v1.0/healthz answered 204" in _peek(proc), timeout=15,
                 what="the default readiness check")
    finally:
        proc.terminate()
        proc.wait(10)



def test_the_profile_shown_is_the_one_botocore_uses_aws_default_profile_first(aws):
    aws.config("[profile a]\nregion = eu-west-1\n[profile b]\nregion = us-west-2\n")
    aws.credentials("[a]\naws_access_key_id = AKIAPROFILEA00000001\naws_secret_access_key = secreta0123456789\n"
                    "[b]\naws_access_key_id = AKIAPROFILEB00000001\naws_secret_access_key = secretb0123456789\n")
    result = _doctor(aws, env={"AWS_PROFILE": "a", "AWS_DEFAULT_PROFILE": "b"})
    out = result.stdout
    assert result.returncode == 0, out
    assert "ok    profile: 'b'" in out and "AKIAPROFILEB" in out and "us-west-2" in out, out
    conflict = _doctor(aws, "--profile", "a", env={"AWS_PROFILE": "a", "AWS_DEFAULT_PROFILE": "b"}).stdout
    assert "AWS_DEFAULT_PROFILE=b differs from --profile a" in conflict, conflict


def test_the_checks_read_dapr_flags_only_before_the_apps_own_arguments(aws, tmp_path):
    # `dapr run ... -- python app.py -d data`: the app's `-d data` is not a Dapr resources folder.
    aws.static_default()
    data = tmp_path / "data"
    data.mkdir()
    (data / "c.yaml").write_text((BAD / "state.yaml").read_text())
    dapr = tmp_path / "dapr"
    dapr.write_text("#!/bin/sh\nexit 0\n")
    dapr.chmod(0o755)
    app = ["--", sys.executable, "app.py", "-d", str(data)]
    quiet = aws.run("--region", "us-east-1", "--", str(dapr), "run", "--app-id", "a", *app)
    assert quiet.returncode == 0 and "component" not in quiet.stderr, quiet.stderr
    checked = aws.run("--region", "us-east-1", "--", str(dapr), "run", "--app-id", "a", "-d", str(data), *app)
    assert checked.returncode == 0 and "warning: component" in checked.stderr, checked.stderr
