"""Benchmarks of dapr-aws, printed as figures (medians over several runs).

* start-up: `dapr-aws --profile static -- /bin/true` next to `python -c pass`
  and `python -c "import botocore.session"` run by the same interpreter;
* resident memory of the launcher while it supervises a sleeping child;
* how long resolution takes to give up on an IMDS that never answers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DAPR_AWS_"))}
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    (home / ".aws" / "credentials").write_text(
        "[static]\naws_access_key_id = AKIABENCHSTATIC001\naws_secret_access_key = benchsecret0123456789\n")
    (home / ".aws" / "config").write_text("[profile static]\nregion = us-east-1\n")
    env.update(HOME=str(home), AWS_CONFIG_FILE=str(home / ".aws" / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"), AWS_EC2_METADATA_DISABLED="true")
    return env


def median_seconds(argv, env, runs) -> float:
    subprocess.run(argv, env=env, check=True)  # warm the page cache and .pyc files
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def startup(env, runs, launcher):
    py = sys.executable
    base = median_seconds([py, "-c", "pass"], env, runs)
    boto = median_seconds([py, "-c", "import botocore.session"], env, runs)
    ours = median_seconds([launcher, "--profile", "static", "--", "/bin/true"], env, runs)
    print(f"start-up, median of {runs} runs:")
    print(f"  python -c pass                          {base * 1000:7.1f} ms")
    print(f"  python -c 'import botocore.session'     {boto * 1000:7.1f} ms")
    print(f"  dapr-aws --profile static -- /bin/true  {ours * 1000:7.1f} ms"
          f"  = {ours / boto:.2f}x the botocore import (goal <= 1.30x)")


def memory(env, launcher):
    import psutil

    proc = subprocess.Popen([launcher, "--profile", "static", "--", "sleep", "60"], env=env)
    try:
        deadline = time.monotonic() + 10
        me = psutil.Process(proc.pid)
        while not me.children() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # let the launcher settle into its wait
        rss = me.memory_info().rss / 2**20
        cpu_before = sum(me.cpu_times()[:2])
        time.sleep(2)
        cpu_idle = sum(me.cpu_times()[:2]) - cpu_before
        print(f"launcher while supervising (env mode): RSS {rss:.1f} MB (goal <= 40 MB), "
              f"CPU over 2 s idle {cpu_idle * 1000:.0f} ms")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


def imds_give_up(env, launcher):
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(16)
    env = dict(env, AWS_EC2_METADATA_SERVICE_ENDPOINT=f"http://127.0.0.1:{blackhole.getsockname()[1]}/")
    env.pop("AWS_EC2_METADATA_DISABLED")
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    start = time.perf_counter()
    result = subprocess.run([launcher, "--", "/bin/true"], env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    blackhole.close()
    print(f"IMDS that never answers: gave up after {elapsed:.2f} s with exit code {result.returncode} (goal ~3 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    launcher = shutil.which("dapr-aws", path=os.path.dirname(sys.executable))
    with tempfile.TemporaryDirectory() as home:
        env = _env(Path(home))
        startup(env, args.runs, launcher)
        memory(env, launcher)
        imds_give_up(env, launcher)


if __name__ == "__main__":
    main()
