"""Hostile input, fuzzed with hypothesis: config and credentials files, durations and CLI
arguments, and the replies of upstream sources always end in a clean LauncherError (one
line, a documented exit code), never another exception."""

from __future__ import annotations

import json
import os
import sys

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from launcher import durations, errors
from launcher import sources
from launcher.cli.commands import cli

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DOCUMENTED = {errors.EXIT_USAGE, errors.EXIT_UNAVAILABLE, errors.EXIT_LOGIN_NEEDED, errors.EXIT_NO_CREDENTIALS,
              errors.EXIT_CONFIG, errors.EXIT_NOT_EXECUTABLE, errors.EXIT_NOT_FOUND}

ini_text = st.lists(st.one_of(
    st.sampled_from(["[default]", "[profile p]", "[profile p", "[sso-session s]", "region = ", "[]",
                     "aws_access_key_id = AKIAFUZZ", "aws_secret_access_key = fuzzsecret0123456789",
                     "role_arn = arn:aws:iam::1:role/r", "source_profile = p", "source_profile = default",
                     "credential_process = /nonexistent", "sso_session = s", "sso_start_url = https://x",
                     "  continuation", "= value", "key", "[profile p]\nregion"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)), max_size=12).map("\n".join)


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith(("AWS_", "DAPR_AWS")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


@FAST
@given(config=ini_text, creds=ini_text, profile=st.sampled_from([None, "p", "default", "missing"]))
def test_fuzzed_aws_files_give_a_launcher_error_or_credentials(isolated, config, creds, profile):
    (isolated / "config").write_text(config)
    (isolated / "credentials").write_text(creds)
    try:
        result = sources.resolve(sources.Request(profile, "us-east-1"), interactive=False)
    except errors.LauncherError as exc:
        assert exc.exit_code in DOCUMENTED
        assert "\n" not in exc.one_line()
    else:
        assert result.access_key


@FAST
@given(text=st.text(max_size=20))
def test_durations_parse_or_raise_value_error(text):
    try:
        assert durations.parse(text) >= 0
    except ValueError:
        pass


@FAST
@given(args=st.lists(st.sampled_from(["--profile", "--region", "--mode", "teleport", "--stop-timeout", "soon",
                                      "-5s", "--restart", "sometimes", "--endpoint-port", "99999", "--", "exec",
                                      "env", "--format", "xml", "--log-level", "loud", "-h", "--bogus", "=",
                                      "--mode=env", "--refresh-margin", "1h-"]), max_size=6))
def test_fuzzed_arguments_never_crash_the_parser(isolated, args):
    # Only parsing: a run that reaches a command is stopped before it can start anything.
    result = CliRunner().invoke(cli, [*args, "--", "/nonexistent/command"])
    assert not (result.exception and not isinstance(result.exception, SystemExit)
                and not isinstance(result.exception, errors.LauncherError)), result.output


@SLOW
@given(reply=st.one_of(
    st.dictionaries(st.sampled_from(["Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]),
                    st.one_of(st.integers(), st.text(max_size=30), st.none(), st.just("2030-01-01T00:00:00Z"),
                              st.just("2030-01-01T00:00:00"), st.just("yesterday")), max_size=5)
    .map(json.dumps),
    st.text(max_size=60),
    st.just("<html>502</html>")))
@example(reply="0")  # valid JSON of the wrong shape: was an internal error (70) once
@example(reply='["Version", 1]')
def test_fuzzed_credential_process_replies(isolated, reply):
    script = isolated / "reply.py"
    (isolated / "reply.txt").write_text(reply)
    script.write_text(f"print(open({str(isolated / 'reply.txt')!r}).read())\n")
    (isolated / "config").write_text(f"[profile p]\ncredential_process = {sys.executable} {script}\n")
    try:
        sources.resolve(sources.Request("p", "us-east-1"), interactive=False)
    except errors.LauncherError as exc:
        assert exc.exit_code in DOCUMENTED
        assert "\n" not in exc.one_line()


@given(status=st.sampled_from([200, 201, 400, 403, 404, 429, 500, 503]), reply=st.one_of(
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                     st.sampled_from(["credentialSet", "credentials", "accessKeyId", "secretAccessKey",
                                      "sessionToken", "expiration", "message", "__type"]), inner, max_size=4),
                 max_leaves=12).map(json.dumps),
    st.text(max_size=60)))
@example(status=201, reply='{"credentialSet": [{"credentials": {"accessKeyId": "A", "secretAccessKey": "S", '
                           '"sessionToken": "T", "expiration": 1900000000}}]}')
@example(status=201, reply='{"credentialSet": [{"credentials": {"accessKeyId": "A", "secretAccessKey": "S", '
                           '"sessionToken": "T", "expiration": 1e300}}]}')
def test_fuzzed_roles_anywhere_replies(status, reply):
    from launcher.sources.anywhere import createsession, settings

    ra = settings.Settings(certificate="c", private_key="k", trust_anchor_arn="t", profile_arn="p", role_arn="r",
                           region="eu-west-1", endpoint="http://127.0.0.1:9")
    try:
        if status in (200, 201):
            creds = createsession._credentials(reply, ra)
            assert creds["expiration"].tzinfo is not None
        else:
            raise createsession._refusal(status, {}, reply, ra)
    except errors.LauncherError as exc:
        assert exc.exit_code in DOCUMENTED
        assert "\n" not in exc.one_line()
