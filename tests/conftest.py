"""Fixtures: a temp HOME with temp AWS files, the installed command, fake AWS endpoints.

Every test runs the installed `dapr-aws` as a subprocess with an environment
built from scratch here: no AWS_* variable of the developer's shell and no
real ~/.aws is ever seen by the code under test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

HELPERS = Path(__file__).parent / "helpers"
PYTHON = sys.executable


def _installed_command() -> str:
    here = os.path.dirname(sys.executable)
    found = shutil.which("dapr-aws", path=here + os.pathsep + os.environ.get("PATH", ""))
    assert found, "the dapr-aws command is not installed (run scripts/test)"
    return found


DAPR_AWS = _installed_command()


def helper(name: str, *args: str) -> list[str]:
    """argv running one of tests/helpers/NAME.py with this interpreter."""
    return [PYTHON, str(HELPERS / f"{name}.py"), *map(str, args)]


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.02, what: str = "condition"):
    """Poll `predicate` until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Aws:
    """A temp HOME with its own AWS config files, and ways to run dapr-aws in it."""

    def __init__(self, root: Path):
        self.root = root
        self.home = root / "home"
        (self.home / ".aws").mkdir(parents=True)
        self.config_path = self.home / ".aws" / "config"
        self.credentials_path = self.home / ".aws" / "credentials"
        self.config_path.write_text("")
        self.credentials_path.write_text("")
        env = {k: v for k, v in os.environ.items()
               if not k.upper().startswith(("AWS_", "DAPR_AWS", "BOTO")) and "PROXY" not in k.upper()}
        env.update({
            "HOME": str(self.home),
            "USERPROFILE": str(self.home),
            "AWS_CONFIG_FILE": str(self.config_path),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.credentials_path),
            # Off EC2 nothing may ever ask 169.254.169.254; tests that need IMDS
            # point AWS_EC2_METADATA_SERVICE_ENDPOINT at a loopback fake.
            "AWS_EC2_METADATA_DISABLED": "true",
            "NO_PROXY": "127.0.0.1,localhost,::1",
            "PYTHONUNBUFFERED": "1",
            # Most tests look at what the child gets in its environment; tests of
            # the other modes and of `auto` set or remove this themselves.
            "DAPR_AWS_MODE": "env",
        })
        self.env = env

    def config(self, text: str) -> None:
        self.config_path.write_text(text)

    def credentials(self, text: str) -> None:
        self.credentials_path.write_text(text)

    def _env(self, extra):
        env = dict(self.env)
        for k, v in (extra or {}).items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    def run(self, *args, env=None, timeout: float = 60, input: str | None = None) -> subprocess.CompletedProcess:
        """Run `dapr-aws ARGS` to completion, capturing text output."""
        return subprocess.run([DAPR_AWS, *map(str, args)], env=self._env(env), capture_output=True, text=True,
                              timeout=timeout, input=input, cwd=self.root)

    def start(self, *args, env=None, **kwargs) -> subprocess.Popen:
        """Start `dapr-aws ARGS` in the background."""
        kwargs.setdefault("stdout", subprocess.PIPE)
        kwargs.setdefault("stderr", subprocess.PIPE)
        return subprocess.Popen([DAPR_AWS, *map(str, args)], env=self._env(env), text=True, cwd=self.root, **kwargs)

    def sso_token(self, key: str, start_url: str, expires_in: float, access: str | None = None, **extra) -> Path:
        """A token in the SSO cache as the AWS CLI writes it: sha1(session name or start URL).json."""
        import hashlib
        import json

        from tests.fakeaws import FakeAws

        path = self.home / ".aws" / "sso" / "cache" / (hashlib.sha1(key.encode()).hexdigest() + ".json")
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"startUrl": start_url, "region": "us-east-1", "accessToken": access or FakeAws.SSO_TOKEN,
               "expiresAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + expires_in)), **extra}
        path.write_text(json.dumps(doc))
        return path

    def static_default(self, key="AKIASTATICDEFAULT1", secret="staticsecret/0123456789abcdef+XYZ") -> tuple[str, str]:
        """A [default] profile with long-lived keys; returns (key, secret)."""
        self.credentials(f"[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
        return key, secret


@pytest.fixture(autouse=True)
def _restore_the_launchers_logging():
    """In-process tests (click's CliRunner) configure the launcher's logger; put it back as it was,
    or a later test's caplog sees nothing (the suite runs in random order)."""
    import logging

    from launcher import logs

    logger = logging.getLogger(logs.LOGGER_NAME)
    saved = list(logger.handlers), logger.level, logger.propagate, logs._format, logs._journald
    yield
    logger.handlers[:], level, logger.propagate, logs._format, logs._journald = saved
    logger.setLevel(level)


@pytest.fixture
def aws(tmp_path) -> Aws:
    return Aws(tmp_path)


@pytest.fixture(scope="session")
def sts_url():
    """moto's STS server on 127.0.0.1: AssumeRole and AssumeRoleWithWebIdentity for real."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def fake_aws():
    from tests.fakeaws import FakeAws

    with FakeAws() as fake:
        yield fake


def assert_one_line_error(result: subprocess.CompletedProcess, code: int, *secrets: str) -> str:
    """An expected failure: the documented code, one stderr line, no traceback, no secret."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == code, (result.returncode, result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dapr-aws: error: "), lines[0]
    assert "Traceback" not in result.stderr
    for secret in secrets:
        assert secret not in result.stderr and secret not in result.stdout
    return lines[0]


@pytest.fixture(scope="session")
def sdk_probes():
    """The real-SDK probes by name (tests/builds/probes.py); one that could not be built skips the test."""
    from tests.builds.probes import Probes

    return Probes()


def short_lived_profile(aws, state: Path, lifetime: int, name: str = "short", extra: str = "") -> str:
    """A profile whose credential_process issues credentials living `lifetime` seconds."""
    command = " ".join(helper("credproc", state, "--lifetime", str(lifetime)))
    with open(aws.config_path, "a") as f:
        f.write(f"[profile {name}]\nregion = eu-west-1\ncredential_process = {command}\n{extra}")
    return name


def upstream_calls(state: Path) -> int:
    """How often the credential_process of short_lived_profile ran."""
    path = state / "calls"
    return int(path.read_text()) if path.exists() else 0


@pytest.fixture(scope="session")
def local_aws():
    """moto's DynamoDB, SSM, S3, SNS/SQS and STS on 127.0.0.1, recording the key id of each request."""
    from tests.localaws import LocalAws

    with LocalAws() as server:
        yield server


def _daprd_versions():
    from tests.builds.dapr import DAPRD_VERSIONS

    return DAPRD_VERSIONS


@pytest.fixture(params=_daprd_versions())
def daprd(request) -> tuple[str, str]:
    """(version, path) of a real daprd built from that release (tests/builds/dapr.py); skips if unavailable."""
    from tests.builds import available

    return request.param, str(available(f"daprd-{request.param}"))


@pytest.fixture(scope="session")
def dapr_cli() -> str:
    """The real dapr CLI (tests/builds/dapr.py); skips if unavailable."""
    from tests.builds import available

    return str(available("dapr-cli"))
