"""The measurements behind scripts/bench (kept apart so that each stays readable)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HELPERS = Path(__file__).resolve().parent.parent / "tests" / "helpers"


class Report:
    """Collects printed lines, and the markdown tables for docs/benchmarks.md."""

    def __init__(self):
        self.lines: list[str] = []
        self.sections: list[tuple[str, list[str]]] = []

    def line(self, text: str) -> None:
        print(text, flush=True)
        self.lines.append(text)

    def table(self, title: str, header: list[str], rows: list[list[str]]) -> None:
        self.line(title)
        widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
        for row in [header, *rows]:
            self.line("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
        md = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        md += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
        self.sections.append((title, md))

    def write_markdown(self, path: Path, machine: str, command: str, reading: str = "") -> None:
        out = ["# Benchmarks", "", f"Measured on {time.strftime('%Y-%m-%d')}: {machine}.", "",
               f"Reproduce with `{command}` (a fresh run prints the same tables).", ""]
        if reading:
            out += [reading.strip(), ""]
        for title, md in self.sections:
            out += [f"## {title.rstrip(':')}", "", *md, ""]
        others = [line for line in self.lines if not line.startswith("  ") and not line.endswith(":")]
        out += ["## Other figures", "", *[f"- {line}" for line in others], "", "![soak](soak.png)", ""]
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(out))
        print(f"wrote {path}")


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def make_home(home: Path) -> dict:
    """A temp HOME with a static profile and credential_process profiles (1 h, 5 min, 10 s)."""
    aws = home / ".aws"
    aws.mkdir(parents=True, exist_ok=True)
    (aws / "credentials").write_text("[static]\naws_access_key_id = AKIABENCHSTATIC001\n"
                                     "aws_secret_access_key = benchsecret0123456789\n")
    config = "[profile static]\nregion = us-east-1\n"
    for name, lifetime in (("process", 3600), ("p3600", 3600), ("p300", 300), ("p10", 10)):
        config += (f"[profile {name}]\nregion = us-east-1\ncredential_process = {sys.executable} "
                   f"{HELPERS / 'credproc.py'} {home / ('state-' + name)} --lifetime {lifetime}\n")
    (aws / "config").write_text(config)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DAPR_AWS_"))}
    env.update(HOME=str(home), AWS_CONFIG_FILE=str(aws / "config"), AWS_SHARED_CREDENTIALS_FILE=str(aws / "credentials"),
               AWS_EC2_METADATA_DISABLED="true", NO_PROXY="127.0.0.1")
    return env


def calls(home: Path, profile: str) -> int:
    path = home / f"state-{profile}" / "calls"
    return int(path.read_text()) if path.exists() else 0


def interleaved_medians(commands: list[list[str]], env: dict, runs: int) -> list[float]:
    """Median wall time of each command; runs interleaved so that drift hits all alike."""
    for argv in commands:
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for i, argv in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def startup(report: Report, env: dict, runs: int, launcher: str, peer: str | None, cli: str | None) -> None:
    py = sys.executable
    rows = []
    for profile in ("static", "process"):
        named = [("python -c pass", [py, "-c", "pass"]), ("/bin/true", ["/bin/true"]),
                 ("python -c 'import botocore.session'", [py, "-c", "import botocore.session"]),
                 ("dapr-aws", [launcher, "--profile", profile, "--mode", "env", "--", "/bin/true"])]
        if peer:
            named.append(("aws-export-credentials --exec", [peer, "--profile", profile, "--exec", "/bin/true"]))
        if cli:
            named.append(("aws configure export-credentials + exec",
                          ["sh", "-c", f'eval "$({cli} configure export-credentials --profile {profile} '
                                       f'--format env)" && exec /bin/true']))
        medians = dict(zip([n for n, _ in named], interleaved_medians([a for _, a in named], env, runs)))
        ours = medians["dapr-aws"]
        for name, value in medians.items():
            ratio = f"{value / ours:.2f}x dapr-aws" if name != "dapr-aws" else ""
            rows.append([profile, name, f"{value * 1000:.1f} ms", ratio])
    report.table(f"start-up to child exec, median of {runs} interleaved runs:",
                 ["profile", "command", "median", "relative"], rows)


def memory(report: Report, env: dict, launcher: str) -> None:
    import psutil

    proc = subprocess.Popen([launcher, "--profile", "static", "--", "sleep", "60"], env=env)
    try:
        me = psutil.Process(proc.pid)
        deadline = time.monotonic() + 10
        while not me.children() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # let it settle into its wait
        rss = me.memory_info().rss / 2**20
        before = sum(me.cpu_times()[:2])
        time.sleep(2)
        idle = sum(me.cpu_times()[:2]) - before
        report.line(f"launcher while supervising (env mode): RSS {rss:.1f} MB (goal <= 40 MB), "
                    f"CPU over 2 s idle {idle * 1000:.0f} ms")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


def imds_give_up(report: Report, env: dict, launcher: str) -> None:
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(16)
    env = dict(env, AWS_EC2_METADATA_SERVICE_ENDPOINT=f"http://127.0.0.1:{blackhole.getsockname()[1]}/",
               AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_CONFIG_FILE=os.devnull)
    env.pop("AWS_EC2_METADATA_DISABLED")
    start = time.perf_counter()
    result = subprocess.run([launcher, "--", "/bin/true"], env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    blackhole.close()
    report.line(f"IMDS that never answers: gave up after {elapsed:.2f} s with exit code {result.returncode}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def _served_vars(proc) -> dict:
    """The variables `dapr-aws serve --format env-no-export` prints, up to the token."""
    values = {}
    while "AWS_CONTAINER_AUTHORIZATION_TOKEN" not in values:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("dapr-aws serve printed no token")
        name, _, value = line.strip().partition("=")
        values[name] = value
    return values


def _wrk(url: str, token: str, seconds: int, slow_client: bool) -> dict:
    port = int(url.split("/")[2].split(":")[1])
    slow = socket.create_connection(("127.0.0.1", port)) if slow_client else None
    if slow is not None:
        slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # a slow client that never finishes
    try:
        out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-H", f"Authorization: {token}", url],
                             capture_output=True, text=True, check=True).stdout
    finally:
        if slow is not None:
            slow.close()
    figures = {"non2xx": "0", "rps": 0.0}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "99%"):
            figures[parts[0]] = parts[1]
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(parts[1])
        if "Non-2xx" in line:
            figures["non2xx"] = parts[-1]
    return figures


def endpoint_load(report: Report, env: dict, home: Path, launcher: str, peer: str | None, lifetime: int,
                  seconds: int) -> None:
    import psutil

    if shutil.which("wrk") is None:
        report.line("endpoint load: wrk is not installed (apt-get install wrk); skipped")
        return
    profile = f"p{lifetime}"
    servers = [("dapr-aws (endpoint)", None)]
    if peer:
        servers.append(("aws-export-credentials --container", peer))
    rows = []
    for name, binary in servers:
        if binary is None:
            proc = subprocess.Popen([launcher, "serve", "--profile", profile, "--format", "env-no-export"],
                                    env=env, stdout=subprocess.PIPE, text=True)
            values = _served_vars(proc)
            url, token = values["AWS_CONTAINER_CREDENTIALS_FULL_URI"], values["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        else:
            port, token = _free_port(), "bench-token-0123456789abcdef"
            proc = subprocess.Popen([binary, "--profile", profile, "--container", f"127.0.0.1:{port}", token],
                                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _wait_listening(port)
            url = f"http://127.0.0.1:{port}/"
        try:
            before = calls(home, profile)
            figures = _wrk(url, token, seconds, slow_client=False)
            upstream = calls(home, profile) - before
            stalled = _wrk(url, token, min(seconds, 3), slow_client=True)
            rss = psutil.Process(proc.pid).memory_info().rss / 2**20
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        rows.append([name, f"{figures['rps']:,.0f}", figures.get("50%", "?"), figures.get("99%", "?"),
                     figures["non2xx"], str(upstream), f"{stalled['rps']:,.0f}", f"{rss:.1f} MB"])
    report.table(f"credential endpoint, credentials living {lifetime // 60} min, wrk -t2 -c8 -d{seconds}s:",
                 ["server", "requests/s", "p50", "p99", "non-2xx", "upstream calls",
                  "requests/s with one slow client connected", "RSS after"], rows)


def soak_chart(env: dict, home: Path, launcher: str, path: Path, seconds: int = 60) -> None:
    """Lifetime left on the child's credentials over time: endpoint refreshes and env restarts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    endpoint = _soak_endpoint(env, home, launcher, seconds)
    restarts = _soak_env(env, home, launcher, seconds)
    fig, axes = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for ax, (title, samples, events, label) in zip(axes, [
            ("endpoint mode: the SDK re-fetches, no restart", *endpoint, "upstream refresh"),
            ("env mode: the child is restarted before expiry", *restarts, "restart")]):
        ax.plot([t for t, _ in samples], [left for _, left in samples], color="tab:blue",
                label="lifetime left on the child's credentials (s)")
        for i, t in enumerate(events):
            ax.axvline(t, color="tab:orange", linestyle="--", linewidth=0.8, label=label if i == 0 else None)
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.set_title(title)
        ax.set_ylabel("seconds left")
        ax.legend(loc="upper right", fontsize=8)
    axes[-1].set_xlabel("time (s); credentials live 10 s, --refresh-margin 3s")
    fig.tight_layout()
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, dpi=100)


def _left(expiration: str) -> float:
    return time.mktime(time.strptime(expiration, "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(time.gmtime())


def _soak_endpoint(env, home, launcher, seconds):
    proc = subprocess.Popen([launcher, "serve", "--profile", "p10", "--refresh-margin", "3s",
                             "--format", "env-no-export"], env=env, stdout=subprocess.PIPE, text=True)
    values = _served_vars(proc)
    request = urllib.request.Request(values["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
                                     headers={"Authorization": values["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    samples, events, seen = [], [], calls(home, "p10")
    start = time.monotonic()
    try:
        while time.monotonic() - start < seconds:
            now = time.monotonic() - start
            with opener.open(request, timeout=2) as reply:
                samples.append((now, _left(json.load(reply)["Expiration"])))
            if calls(home, "p10") != seen:
                seen = calls(home, "p10")
                events.append(now)
            time.sleep(0.25)  # the sampling period
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    return samples, events


def _soak_env(env, home, launcher, seconds):
    record = home / "env-soak.txt"
    child = f'echo "$AWS_CREDENTIAL_EXPIRATION" >> {record}; exec sleep 600'
    proc = subprocess.Popen([launcher, "--profile", "p10", "--mode", "env", "--refresh-margin", "3s",
                             "--stop-timeout", "2s", "--", "sh", "-c", child], env=env, stderr=subprocess.DEVNULL)
    samples, events, starts = [], [], 0
    start = time.monotonic()
    try:
        while time.monotonic() - start < seconds:
            now = time.monotonic() - start
            lines = record.read_text().split() if record.exists() else []
            if len(lines) > starts:
                if starts:
                    events.append(now)
                starts = len(lines)
            if lines:
                samples.append((now, _left(lines[-1])))
            time.sleep(0.25)  # the sampling period
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    return samples, events
