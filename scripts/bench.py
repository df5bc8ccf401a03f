"""Benchmarks of dapr-aws, printed as figures (medians over several runs).

* start-up: `dapr-aws --profile static -- /bin/true` next to `python -c pass`
  and `python -c "import botocore.session"` run by the same interpreter;
* resident memory of the launcher while it supervises a sleeping child;
* how long resolution takes to give up on an IMDS that never answers;
* the credential endpoint under load: requests/s and p50/p99 latency from
  8 concurrent keep-alive clients (wrk), with one slow client holding a
  half-sent request open, upstream calls during the run, and the launcher's
  resident memory in endpoint mode.
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


def interleaved_medians(commands, env, runs) -> list[float]:
    """Median wall time of each command; runs interleaved so that drift hits all alike."""
    for argv in commands:
        subprocess.run(argv, env=env, check=True)  # warm the page cache
    times = [[] for _ in commands]
    for _ in range(runs):
        for i, argv in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(argv, env=env, check=True)
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def startup(env, runs, launcher):
    py = sys.executable
    base, boto, ours = interleaved_medians(
        [[py, "-c", "pass"], [py, "-c", "import botocore.session"],
         [launcher, "--profile", "static", "--", "/bin/true"]], env, runs)
    print(f"start-up, median of {runs} interleaved runs:")
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


def endpoint_load(env, launcher, home: Path, seconds: int):
    import psutil

    wrk = shutil.which("wrk")
    if wrk is None:
        print("endpoint load: wrk is not installed (apt-get install wrk); skipped")
        return
    state = home / "credproc-state"
    helper = Path(__file__).resolve().parent.parent / "tests" / "helpers" / "credproc.py"
    with open(home / ".aws" / "config", "a") as f:
        f.write(f"[profile temp]\nregion = us-east-1\ncredential_process = {sys.executable} {helper} {state} "
                f"--lifetime 3600\n")
    printenv = ("import os, time; print(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], "
                "os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN'], flush=True); time.sleep(600)")
    proc = subprocess.Popen([launcher, "--profile", "temp", "--mode", "endpoint", "--", sys.executable, "-c",
                             printenv], env=env, stdout=subprocess.PIPE, text=True)
    try:
        url, token = proc.stdout.readline().split()
        calls_before = int((state / "calls").read_text())
        host, port = url.split("/")[2].split(":")
        slow = socket.create_connection((host, int(port)))
        slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
        out = subprocess.run([wrk, "-t2", "-c8", f"-d{seconds}s", "--latency", "-H", f"Authorization: {token}", url],
                             capture_output=True, text=True, check=True).stdout
        slow.close()
        calls_after = int((state / "calls").read_text())
        rss = psutil.Process(proc.pid).memory_info().rss / 2**20
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    figures = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "99%"):
            figures[parts[0]] = parts[1]
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(parts[1])
        if "Non-2xx" in line:
            figures["non2xx"] = parts[-1]
    print(f"endpoint, wrk -t2 -c8 -d{seconds}s with one slow client connected:")
    print(f"  {figures.get('rps', 0):,.0f} requests/s (goal >= 5,000), p50 {figures.get('50%')}, "
          f"p99 {figures.get('99%')} (goal < 5 ms), non-2xx replies: {figures.get('non2xx', 0)}")
    print(f"  upstream calls during the run: {calls_after - calls_before} (goal 0)")
    print(f"  launcher RSS in endpoint mode after the load: {rss:.1f} MB (goal <= 45 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--load-seconds", type=int, default=10)
    args = parser.parse_args()
    launcher = shutil.which("dapr-aws", path=os.path.dirname(sys.executable))
    with tempfile.TemporaryDirectory() as home:
        env = _env(Path(home))
        startup(env, args.runs, launcher)
        memory(env, launcher)
        imds_give_up(env, launcher)
        endpoint_load(env, launcher, Path(home), args.load_seconds)


if __name__ == "__main__":
    main()
