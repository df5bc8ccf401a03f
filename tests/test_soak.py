"""Soak: endpoint mode through 20 refresh cycles with a real-SDK child (Go v2, what daprd
uses) polling throughout: zero failed SDK calls, every refresh seen, and the launcher's
memory growth under 5 MB."""

from __future__ import annotations

import json
import time

import psutil

from tests.conftest import helper, short_lived_profile, upstream_calls, wait_for

CYCLES = 20


def test_twenty_refresh_cycles_without_a_failed_sdk_call(aws, tmp_path, sdk_probes):
    state = tmp_path / "state"
    # 6-second credentials refreshed 2 seconds before expiry: a cycle every ~4 seconds.
    profile = short_lived_profile(aws, state, lifetime=6)
    out = tmp_path / "probe.json"
    seconds = CYCLES * 4 + 6
    samples = []  # (upstream calls so far, launcher RSS)
    with open(out, "w") as stdout:
        proc = aws.start("--profile", profile, "--mode", "endpoint", "--refresh-margin", "2s",
                         *helper("probes", str(seconds), f"go-v2={sdk_probes['go-v2']}"), stdout=stdout)
        launcher = psutil.Process(proc.pid)
        wait_for(lambda: upstream_calls(state) >= 6, timeout=30, what="two refreshes")
        deadline = time.monotonic() + seconds + 60
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                samples.append((upstream_calls(state), launcher.memory_info().rss))
            except psutil.NoSuchProcess:
                break
            time.sleep(1)  # a sampling period, not a wait for an outcome
    assert proc.wait(10) == 0, proc.stderr.read()
    report = json.loads(out.read_text().strip().splitlines()[-1])["go-v2"]
    assert report["errors"] == []
    assert len(report["pids"]) == 1
    assert len(report["keys"]) >= CYCLES, len(report["keys"])
    growth = max(rss for _, rss in samples[-10:]) - samples[0][1]
    assert growth < 5 * 2**20, f"launcher grew by {growth / 2**20:.1f} MB"
