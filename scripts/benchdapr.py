"""The real-daprd figures of scripts/bench: time to healthy, and memory beside daprd's.

daprd (the newest release tests/builds built, with the tests' AWS components against
the tests' local AWS, tests/localaws.py) is started alone with static keys in its
environment, and under dapr-aws in `env` mode (static profile) and in `endpoint` mode
(a credential_process profile, so daprd's first AWS call during its components' Init
fetches from the endpoint). The time is from the exec of the first process to the
first 204 of daprd's /v1.0/healthz, polled every 10 ms.
"""

from __future__ import annotations

import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import benchlib

ROOT = Path(__file__).resolve().parent.parent
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _daprd() -> tuple[str, str] | None:
    sys.path.insert(0, str(ROOT))
    from tests.builds import all_artifacts
    from tests.builds.dapr import DAPRD_VERSIONS

    version = DAPRD_VERSIONS[0]
    path = all_artifacts()[f"daprd-{version}"].cached()
    return (version, str(path)) if path is not None and path.exists() else None


def _healthy(port: int) -> bool:
    try:
        with _OPENER.open(f"http://127.0.0.1:{port}/v1.0/healthz", timeout=1) as reply:
            return reply.status == 204
    except OSError:
        return False


def _one_run(argv: list[str], env: dict, port: int) -> tuple[float, float, float]:
    """(seconds to healthy, launcher RSS MB or 0, daprd RSS MB) for one start."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = start + 60
        while not _healthy(port):
            if time.perf_counter() > deadline or proc.poll() is not None:
                raise RuntimeError(f"daprd never became healthy: {' '.join(argv[:4])} ...")
            time.sleep(0.01)
        took = time.perf_counter() - start
        me = psutil.Process(proc.pid)
        daprds = [p for p in [me, *me.children(recursive=True)] if p.name() == "daprd"]
        launcher = 0.0 if me.name() == "daprd" else me.memory_info().rss / 2**20
        return took, launcher, daprds[0].memory_info().rss / 2**20
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def startup(report: benchlib.Report, env: dict, runs: int, launcher: str) -> None:
    found = _daprd()
    if found is None:
        report.line("daprd to healthy: no daprd built (scripts/test builds it), skipped")
        return
    version, daprd = found
    from tests.localaws import LocalAws
    from tests.realdapr import Sidecar, daprd_env

    with LocalAws() as local, tempfile.TemporaryDirectory() as folder:
        sidecar = Sidecar(local, Path(folder), version)
        args = [daprd, *sidecar.daprd_args()]
        env = {**env, **daprd_env(local.url)}
        named = [
            ("daprd alone (static keys in its environment)",
             args, {**env, "AWS_ACCESS_KEY_ID": "AKIABENCHSTATIC001", "AWS_SECRET_ACCESS_KEY": "benchsecret"}),
            ("dapr-aws --mode env -- daprd (static profile)",
             [launcher, "--profile", "static", "--mode", "env", "--", *args], env),
            ("dapr-aws --mode endpoint -- daprd (credential_process)",
             [launcher, "--profile", "p3600", "--mode", "endpoint", "--", *args], env),
        ]
        results: list[list[tuple[float, float, float]]] = [[] for _ in named]
        _one_run(named[0][1], named[0][2], sidecar.http_port)  # warm the page cache
        for _ in range(runs):
            for i, (_, argv, run_env) in enumerate(named):
                results[i].append(_one_run(argv, run_env, sidecar.http_port))
    base = statistics.median(r[0] for r in results[0])
    rows = []
    for i, ((name, _, _), runs_of) in enumerate(zip(named, results)):
        took = statistics.median(r[0] for r in runs_of)
        launcher_rss = statistics.median(r[1] for r in runs_of)
        rows.append([name, f"{took * 1000:.0f} ms", f"{(took - base) * 1000:+.0f} ms" if i else "",
                     f"{launcher_rss:.1f} MB" if launcher_rss else "-",
                     f"{statistics.median(r[2] for r in runs_of):.1f} MB"])
    report.table(f"daprd {version} to healthy (/v1.0/healthz 204), with DynamoDB, Secrets Manager, SSM and S3 "
                 f"components on a local AWS, median of {runs} interleaved runs:",
                 ["command", "to healthy", "over daprd alone", "launcher RSS", "daprd RSS"], rows)
