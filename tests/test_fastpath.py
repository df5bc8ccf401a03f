"""The click-free fast path parses a plain run exactly as click does (both from cli/table.py),
and hands everything else to click."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from launcher.cli import run
from launcher.cli import fastpath
from launcher.cli.commands import cli

CASES = [
    (["--", "daprd", "--app-id", "a"], {}),
    (["daprd", "--app-id", "a", "--profile", "child-flag"], {}),
    (["--profile", "dev", "--region", "eu-west-1", "--mode", "endpoint", "--", "dapr", "run"], {}),
    (["--stop-timeout", "1m", "--refresh-margin=90s", "--restart", "on-failure", "--on-expiry", "stop",
      "--ready-url", "http://127.0.0.1:3500/v1.0/healthz", "--endpoint-port", "8123", "--no-login",
      "--no-checks", "--mfa-code", "123456", "--log-level", "debug", "--log-format", "json", "x"], {}),
    (["exec", "--profile", "p", "--", "x"], {}),
    (["--profile", "outer", "exec", "--profile", "inner", "x"], {}),
    (["--login", "x"], {"DAPR_AWS_PROFILE": "fromenv", "DAPR_AWS_MODE": "imds", "DAPR_AWS_STOP_TIMEOUT": "2m"}),
    (["--profile", "cli", "x"], {"DAPR_AWS_PROFILE": "fromenv"}),
    (["--certificate", "c.pem", "--private-key=k.pem", "--intermediates", "i.pem", "--trust-anchor-arn", "ta",
      "--profile-arn", "pa", "--role-arn", "ra", "--role-session-name", "n", "--session-duration", "2h", "x"], {}),
    (["--certificate", "c.pem", "x"], {"DAPR_AWS_PRIVATE_KEY": "k.pem", "DAPR_AWS_SESSION_DURATION": "90m",
                                       "DAPR_AWS_TRUST_ANCHOR_ARN": "ta"}),
]


def _click_options(args, env, monkeypatch):
    seen = {}

    def capture(options):
        seen["options"] = options
        return 0

    monkeypatch.setattr(run, "run", capture)
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    return seen["options"]


@pytest.mark.parametrize("args,env", CASES)
def test_fast_path_agrees_with_click(monkeypatch, args, env):
    for name in list(__import__("os").environ):
        if name.startswith("DAPR_AWS_"):
            monkeypatch.delenv(name)
    expected = _click_options(args, env, monkeypatch)
    parsed = fastpath.parse(args, env)
    assert parsed is not None
    got = run.ExecOptions.from_values(parsed["argv"], parsed)
    assert got == expected


@pytest.mark.parametrize("args", [
    [], ["--help"], ["-h"], ["--version"], ["env"], ["doctor", "--offline"], ["--profile", "p", "whoami"],
    ["--bogus", "x"], ["--mode", "teleport", "x"], ["--stop-timeout", "soon", "x"], ["--endpoint-port", "99999", "x"],
    ["--profile"], ["--", ], ["shim", "list"], ["--session-duration", "long", "x"],
    ["--stop_timeout", "5s", "--", "true"], ["exec", "--log-level", "debug", "--", "true"],
    ["--stop-timeout=soon", "exec", "--stop-timeout", "5s", "x"], ["--stop-timeout", "169h", "x"]])
def test_everything_else_goes_to_click(args):
    assert fastpath.parse(args, {}) is None


def test_boolean_mirrors_go_to_click():
    assert fastpath.parse(["x"], {"DAPR_AWS_CHECKS": "0"}) is None


def test_the_installed_command_does_not_import_click_on_the_fast_path(aws):
    import subprocess
    import sys

    aws.static_default()
    code = ("import runpy, sys; sys.argv = ['dapr-aws', '--region', 'us-east-1', '--', 'true']\n"
            "try:\n    runpy.run_module('launcher', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print('click' in sys.modules, 'boto3' in sys.modules, 'launcher.delivery.http' in sys.modules,\n"
            "      'cryptography' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], env=aws.env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "False False False False", result.stderr


OPTIONS = [["--profile", "p"], ["--stop-timeout", "5s"], ["--stop_timeout", "5s"], ["--stop-timeout=soon"],
           ["--mode", "env"], ["--mode", "teleport"], ["--log-level", "debug"], ["--log-format=json"],
           ["--no-checks"], ["--login"], ["--region=eu-west-1"], ["--endpoint-port", "80"],
           ["--refresh-margin=1m"], ["--session-duration", "2h"], ["--certificate", "c.pem"], ["-v"]]
RUN_LINES = st.tuples(st.lists(st.sampled_from(OPTIONS), max_size=3), st.booleans(),
                      st.lists(st.sampled_from(OPTIONS), max_size=3), st.booleans()).map(
    lambda t: [*sum(t[0], []), *(["exec"] if t[1] else []), *sum(t[2], []), *(["--"] if t[3] else []), "x"])


@settings(max_examples=300, deadline=None)
@given(RUN_LINES)
def test_whatever_the_fast_path_takes_click_takes_alike(args):
    # One option table for both parsers: a line the fast path accepts, click accepts too, with equal options.
    parsed = fastpath.parse(args, {})
    if parsed is None:
        return
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in list(__import__("os").environ):
            if name.startswith("DAPR_AWS_"):
                monkeypatch.delenv(name)
        expected = _click_options(args, {}, monkeypatch)
    assert run.ExecOptions.from_values(parsed["argv"], parsed) == expected
