"""The command line: spellings, options and their DAPR_AWS_* mirrors, help and version."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import launcher
from launcher import durations
from tests.conftest import helper


def _argv(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["argv"]


def test_version(aws):
    result = aws.run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"dapr-aws {launcher.__version__}"


def test_help_lists_commands_and_env_mirrors(aws):
    result = aws.run("--help")
    assert result.returncode == 0
    for word in ("exec", "env", "credential-process", "DAPR_AWS_PROFILE", "DAPR_AWS_STOP_TIMEOUT",
                 "--log-format", "--mode"):
        assert word in result.stdout


def test_python_dash_m_launcher_is_the_same_command(aws):
    aws.static_default()
    result = subprocess.run([sys.executable, "-m", "launcher", "--region", "us-east-1", *helper("printenv"), "x"],
                            env=aws.env, capture_output=True, text=True, cwd=aws.root, timeout=60)
    assert _argv(result) == ["x"]
    assert json.loads(result.stdout)["env"]["DAPR_AWS_ACTIVE"] == "1"


@pytest.mark.parametrize("prefix", [[], ["--"], ["exec"], ["exec", "--"]])
def test_spellings_of_exec(aws, prefix):
    aws.static_default()
    assert _argv(aws.run("--region", "us-east-1", *prefix, *helper("printenv"), "--app-id", "a")) == ["--app-id", "a"]


def test_exec_accepts_options_after_the_subcommand(aws):
    aws.credentials("[dev]\naws_access_key_id = AKIADEVPROFILE01\naws_secret_access_key = devsecret0123456789\n")
    result = aws.run("exec", "--profile", "dev", "--region", "eu-west-2", "--", *helper("printenv"))
    env = json.loads(result.stdout)["env"]
    assert env["AWS_ACCESS_KEY_ID"] == "AKIADEVPROFILE01" and env["AWS_REGION"] == "eu-west-2"


def test_double_dash_runs_a_command_named_like_a_subcommand(aws, tmp_path):
    aws.static_default()
    # `env` here is the system's env program, not our subcommand.
    result = aws.run("--region", "us-east-1", "--", "env")
    assert result.returncode == 0
    assert "DAPR_AWS_ACTIVE=1" in result.stdout.splitlines()


def test_options_after_the_command_belong_to_the_command(aws):
    aws.static_default()
    assert _argv(aws.run("--region", "us-east-1", *helper("printenv"), "--profile", "child-flag", "--help")) == [
        "--profile", "child-flag", "--help"]


def test_env_mirrors_for_mode_stop_timeout_and_log_options(aws):
    aws.static_default()
    env = {"DAPR_AWS_MODE": "env", "DAPR_AWS_STOP_TIMEOUT": "2m", "DAPR_AWS_LOG_LEVEL": "debug",
           "DAPR_AWS_LOG_FORMAT": "json", "DAPR_AWS_REGION": "eu-west-1"}
    result = aws.run(*helper("printenv"), env=env)
    assert result.returncode == 0
    entries = [json.loads(line) for line in result.stderr.splitlines()]
    assert entries and all(e["logger"] == "dapr-aws" for e in entries)
    assert any("shared-credentials-file" in e["msg"] for e in entries)


def test_bad_env_mirror_value_is_a_usage_error(aws):
    result = aws.run("--", "true", env={"DAPR_AWS_MODE": "teleport"})
    assert result.returncode == 2
    assert "teleport" in result.stderr


def test_debug_log_never_shows_the_secret(aws):
    key, secret = aws.static_default()
    result = aws.run("--log-level", "debug", "--region", "us-east-1", "--", "true")
    assert result.returncode == 0
    assert key in result.stderr  # the key id is an identifier, fine to log
    assert secret not in result.stderr


@pytest.mark.parametrize("mode", ["env", "endpoint"])
def test_the_garbage_collector_is_back_on_before_the_child_starts(aws, mode):
    # Off while starting (about 20 ms of every start); a supervisor running for weeks needs it.
    aws.static_default()
    result = aws.run("--log-level", "debug", "--region", "us-east-1", "--mode", mode, "--", "true")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    on = next(i for i, line in enumerate(lines) if "garbage collector on" in line)
    started = next(i for i, line in enumerate(lines) if "started " in line)
    assert on < started


@pytest.mark.parametrize("text,seconds", [("90", 90), ("90s", 90), ("15m", 900), ("1h", 3600),
                                          ("1h30m", 5400), ("500ms", 0.5), ("2.5s", 2.5)])
def test_durations(text, seconds):
    assert durations.parse(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "5d", "-5s", "1h-"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        durations.parse(text)


@pytest.mark.parametrize("value", ["99999999h", "1" * 400, "169h"])
def test_a_duration_beyond_a_week_is_a_usage_error(aws, value):
    # Was accepted, and the first SIGTERM then ended in an internal error (OverflowError).
    for args, env in ((["--stop-timeout", value], None), ([], {"DAPR_AWS_STOP_TIMEOUT": value})):
        result = aws.run(*args, "--", "true", env=env)
        assert result.returncode == 2, result.stderr
        assert "longer than the longest duration taken, 168h" in result.stderr and "Traceback" not in result.stderr
    assert aws.run("--stop-timeout", "168h", "--refresh-margin", "1h", "--", "true",
                   env={"AWS_ACCESS_KEY_ID": "AKIAWEEK000000000001", "AWS_SECRET_ACCESS_KEY": "s"}).returncode == 0
