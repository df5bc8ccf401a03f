"""Shims: `dapr ...` through a shim directory first on PATH reaches the real (fake) dapr
with credentials and the exact argv, never recursing; uninstall leaves foreign files alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import launcher
from tests.conftest import DAPR_AWS

pytestmark = pytest.mark.skipif(os.name != "posix", reason="runs the POSIX shims")
FIXTURES = Path(__file__).parent / "fixtures" / "shim"


@pytest.fixture
def setup(aws, tmp_path):
    aws.static_default()
    aws.config("[default]\nregion = eu-west-1\n[profile dev]\nregion = eu-central-1\n")
    with open(aws.credentials_path, "a") as f:
        f.write("[dev]\naws_access_key_id = AKIADEVSHIMPROFILE\naws_secret_access_key = devshimsecret0123456789\n")
    fake_bin = tmp_path / "fakebin"
    fake_bin.mkdir()
    for name in ("dapr", "daprd"):
        fake = fake_bin / name
        fake.write_text(f"#!{sys.executable}\nimport json, os, sys\n"
                        "print(json.dumps({'argv0': sys.argv[0], 'argv': sys.argv[1:], 'key': "
                        "os.environ.get('AWS_ACCESS_KEY_ID'), 'region': os.environ.get('AWS_REGION'), "
                        "'active': os.environ.get('DAPR_AWS_ACTIVE')}))\n"
                        "sys.exit(int(os.environ.get('FAKE_EXIT', '0')))\n")
        fake.chmod(0o755)
    shim_dir = tmp_path / "shims"
    base_path = f"{fake_bin}{os.pathsep}{os.path.dirname(sys.executable)}{os.pathsep}/usr/bin{os.pathsep}/bin"
    return aws, shim_dir, fake_bin, base_path


def _run(aws, argv, path, **env):
    return subprocess.run(argv, env={**aws.env, "PATH": path, **env}, capture_output=True, text=True,
                          timeout=60, cwd=aws.root)


def test_install_then_dapr_reaches_the_real_one_with_credentials(setup):
    aws, shim_dir, fake_bin, base = setup
    result = aws.run("shim", "install", "--dir", shim_dir, env={"PATH": base})
    assert result.returncode == 0, result.stderr
    assert f"dapr: {shim_dir / 'dapr'} -> {fake_bin / 'dapr'}" in result.stdout
    assert "is not on PATH; put it first" in result.stdout
    path = f"{shim_dir}{os.pathsep}{base}"
    args = ["run", "--app-id", "orders", "a b", "$HOME", "--", "python", "app.py"]
    out = _run(aws, ["dapr", *args], path)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert seen["argv"] == args
    assert seen["argv0"] == str(fake_bin / "dapr")
    assert seen["key"] == "AKIASTATICDEFAULT1" and seen["region"] == "eu-west-1" and seen["active"] == "1"
    assert "is on PATH before the real binaries" in aws.run("shim", "install", "--dir", shim_dir,
                                                             env={"PATH": path}).stdout


def test_exit_code_passes_through_and_profile_is_recorded(setup):
    aws, shim_dir, fake_bin, base = setup
    assert aws.run("shim", "install", "--dir", shim_dir, "--profile", "dev", "daprd", env={"PATH": base}).returncode == 0
    out = _run(aws, ["daprd", "--app-id", "x"], f"{shim_dir}{os.pathsep}{base}", FAKE_EXIT="7")
    assert out.returncode == 7
    seen = json.loads(out.stdout)
    assert seen["key"] == "AKIADEVSHIMPROFILE" and seen["region"] == "eu-central-1"


def test_nested_or_repeated_shims_never_recurse(setup, tmp_path):
    aws, shim_dir, fake_bin, base = setup
    second = tmp_path / "shims2"
    aws.run("shim", "install", "--dir", shim_dir, "dapr", env={"PATH": base})
    aws.run("shim", "install", "--dir", second, "dapr", env={"PATH": base})
    path = os.pathsep.join([str(shim_dir), str(second), base])
    out = _run(aws, ["dapr", "--version"], path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["argv"] == ["--version"]
    # A shim started by a launcher (DAPR_AWS_ACTIVE=1) passes straight through: no credentials needed.
    aws.credentials("")
    out = _run(aws, ["dapr", "status"], path, DAPR_AWS_ACTIVE="1", AWS_ACCESS_KEY_ID="AKIAOUTERLAUNCHER1")
    assert json.loads(out.stdout)["key"] == "AKIAOUTERLAUNCHER1"


def test_real_binary_is_found_again_at_run_time(setup, tmp_path):
    aws, shim_dir, fake_bin, base = setup
    aws.run("shim", "install", "--dir", shim_dir, "dapr", env={"PATH": base})
    moved = tmp_path / "newbin"
    moved.mkdir()
    (fake_bin / "dapr").rename(moved / "dapr")
    out = _run(aws, ["dapr", "x"], os.pathsep.join([str(shim_dir), str(moved), base]))
    assert json.loads(out.stdout)["argv0"] == str(moved / "dapr")
    # Not on PATH at all any more: the recorded path is gone too, so a clear 127.
    out = _run(aws, ["dapr", "x"], f"{shim_dir}{os.pathsep}{base}")
    assert out.returncode == 127
    assert "dapr-aws shim install dapr" in out.stderr and "Traceback" not in out.stderr


def test_list_and_uninstall_leave_foreign_files_alone(setup):
    aws, shim_dir, fake_bin, base = setup
    aws.run("shim", "install", "--dir", shim_dir, "dapr", env={"PATH": base})
    foreign = shim_dir / "daprd"
    foreign.write_text("#!/bin/sh\necho mine\n")
    listed = aws.run("shim", "list", "--dir", shim_dir).stdout
    assert f"dapr: {shim_dir / 'dapr'} -> {fake_bin / 'dapr'}" in listed and "daprd" not in listed
    result = aws.run("shim", "uninstall", "--dir", shim_dir, "dapr", "daprd")
    assert result.returncode == 0
    assert not (shim_dir / "dapr").exists() and foreign.read_text() == "#!/bin/sh\necho mine\n"
    assert "left" in result.stderr and "not a dapr-aws shim" in result.stderr
    # Installing over a foreign file is refused.
    refused = aws.run("shim", "install", "--dir", shim_dir, "daprd", env={"PATH": base})
    assert refused.returncode == 78 and "not a dapr-aws shim" in refused.stderr


def test_install_without_a_real_binary_is_127(setup):
    aws, shim_dir, fake_bin, base = setup
    result = aws.run("shim", "install", "--dir", shim_dir, "no-such-dapr", env={"PATH": base})
    assert result.returncode == 127
    assert "no real no-such-dapr on PATH" in result.stderr


def test_windows_cmd_shim_text(setup):
    aws, shim_dir, fake_bin, base = setup
    result = aws.run("shim", "install", "--dir", shim_dir, "--style", "windows", "--profile", "dev", "--powershell",
                     "dapr", env={"PATH": base})
    assert result.returncode == 0, result.stderr
    # The shim names the interpreter that runs dapr-aws: the console script's #! line.
    python = Path(DAPR_AWS).read_text().splitlines()[0][2:].strip()
    expected = (FIXTURES / "dapr.cmd").read_bytes().decode().format(
        version=launcher.__version__, real=str(fake_bin / "dapr"), python=python)
    assert (shim_dir / "dapr.cmd").read_bytes() == expected.encode()
    ps1 = (shim_dir / "dapr.ps1").read_text()
    assert "@args" in ps1 and "exit $LASTEXITCODE" in ps1 and "'--profile' 'dev'" in ps1
    assert not (shim_dir / "dapr").exists()


def test_install_into_a_directory_that_cannot_be_made_is_one_line(setup, tmp_path):
    from tests.conftest import assert_one_line_error

    aws, _, _, base_path = setup
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = _run(aws, [DAPR_AWS, "shim", "install", "dapr", "--dir", str(blocker / "shims")], base_path)
    line = assert_one_line_error(result, 78)
    assert f"cannot write {blocker / 'shims'}" in line and "check --dir" in line
