"""The real AWS SDKs as children: Go v1 and v2 (pinned to what daprd uses), Java v2, JS v3 and botocore.

Each probe polls its SDK's default credential chain and prints the access key
id it sees. Credentials from the fake upstream live 8 seconds and the margin
is 3 seconds, so an upstream refresh happens about 5 seconds in, with 3
seconds to spare before the served credentials would expire.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import helper, short_lived_profile

SECONDS = "9"


def _run_probes(aws, tmp_path, sdk_probes, mode, names):
    profile = short_lived_profile(aws, tmp_path / "state", lifetime=8)
    specs = [f"{name}={sdk_probes[name]}" for name in names]
    result = aws.run("--profile", profile, "--mode", mode, "--refresh-margin", "3s",
                     *helper("probes", SECONDS, *specs), timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


@pytest.mark.parametrize("mode", ["endpoint", "imds"])
def test_sdks_see_new_keys_without_restart(aws, tmp_path, sdk_probes, mode):
    names = ["go-v1", "go-v2", "java-v2", "js-v3", "botocore"]
    report, stderr = _run_probes(aws, tmp_path, sdk_probes, mode, names)
    for name in names:
        seen = report[name]
        assert seen["errors"] == [], (name, seen)
        assert len(seen["pids"]) == 1 and seen["code"] == 0, (name, seen)
        assert all(key.startswith("ASIAPROC") for key in seen["keys"]), (name, seen)
        if mode == "imds" and name == "botocore":
            # botocore stretches IMDS credentials that expire within ~17-25
            # minutes instead of asking again (its static stability), so within
            # seconds it keeps the first key; it still read them from our IMDS.
            assert len(seen["keys"]) >= 1, seen
        else:
            assert len(seen["keys"]) >= 2, (name, seen)
    assert "restarting" not in stderr


def test_env_mode_restarts_the_go_v2_child_with_new_keys(aws, tmp_path, sdk_probes):
    # In env mode the SDK reads its keys from the environment; the launcher
    # restarts the child (a new pid) with new keys before the old ones expire.
    from tests.conftest import wait_for

    profile = short_lived_profile(aws, tmp_path / "state", lifetime=6)
    out_path = tmp_path / "child.out"

    def seen():
        pids, keys = [], []
        for line in out_path.read_text().splitlines():
            kind, _, value = line.partition(" ")
            if kind == "pid":
                pids.append(value)
            elif kind == "key" and value not in keys:
                keys.append(value)
            elif kind == "error":
                raise AssertionError(line)
        return (pids, keys) if len(pids) >= 2 and len(keys) >= 2 else None

    with open(out_path, "w") as out:
        proc = aws.start("--profile", profile, "--mode", "env", "--refresh-margin", "1s", "--stop-timeout", "5s",
                         *sdk_probes["go-v2"].split(","), "60", stdout=out)
        try:
            pids, keys = wait_for(seen, timeout=30, what="a restart with new keys")
        finally:
            proc.terminate()
            proc.wait(10)
    assert len(set(pids)) == len(pids)
    assert "restarting" in proc.stderr.read()
