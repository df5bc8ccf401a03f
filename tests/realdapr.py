"""Helpers for the tests on the real daprd and dapr CLI: components, ports, traffic, logs.

daprd's AWS components are pointed at the local AWS (tests/localaws.py) through
their `endpoint` metadata. The SSM parameter store has none (in every release):
on aws-sdk-go-v2 (daprd 1.17+) AWS_ENDPOINT_URL in daprd's environment reaches
it, but daprd 1.16's is on aws-sdk-go v1, which ignores that variable, so
there it is left out (`parameters=False`) rather than let it ask the real AWS.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from tests.conftest import wait_for
from tests.loopback import free_ports

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# The lines daprd logs (text format, every release tested) when a stop signal arrives and when it is done.
SIGNAL_LINE = re.compile(r"Received signal '(\w+)'; beginning shutdown")
GRACEFUL_LINE = "Daprd shutdown gracefully"
RUNNING_LINE = "dapr initialized. Status: Running"


def reaches_ssm(version: str) -> bool:
    """daprd 1.17+ (aws-sdk-go-v2) sends its parameter store to AWS_ENDPOINT_URL; 1.16 (v1) cannot be pointed."""
    return tuple(map(int, version.split(".")[:2])) >= (1, 17)


def daprd_env(aws_url: str) -> dict[str, str]:
    """What daprd needs in its environment to send everything to the local AWS."""
    return {"AWS_ENDPOINT_URL": aws_url}


def write_components(folder: Path, aws_url: str, res: dict[str, str], parameters: bool = True) -> Path:
    """A state store (DynamoDB), secret stores (Secrets Manager, SSM) and an output binding (S3), none with keys."""
    folder.mkdir(parents=True, exist_ok=True)
    region = {"name": "region", "value": "us-east-1"}
    endpoint = {"name": "endpoint", "value": aws_url}
    docs = [
        ("statestore", "state.aws.dynamodb", [{"name": "table", "value": res["table"]}, region, endpoint]),
        ("secrets", "secretstores.aws.secretmanager", [region, endpoint]),
        ("objects", "bindings.aws.s3", [{"name": "bucket", "value": res["bucket"]}, region, endpoint,
                                        {"name": "forcePathStyle", "value": "true"}]),
    ]
    if parameters:
        docs.append(("parameters", "secretstores.aws.parameterstore", [region]))
    for name, ctype, metadata in docs:
        doc = {"apiVersion": "dapr.io/v1alpha1", "kind": "Component", "metadata": {"name": name},
               "spec": {"type": ctype, "version": "v1", "metadata": metadata}}
        (folder / f"{name}.yaml").write_text(json.dumps(doc))  # JSON is YAML
    return folder


class Sidecar:
    """What one daprd needs: fresh AWS resources, its components folder, two free ports."""

    def __init__(self, local_aws, folder: Path, version: str):
        self.res = local_aws.resources()
        self.parameters = reaches_ssm(version)
        self.components = write_components(folder / "components", local_aws.url, self.res, self.parameters)
        self.http_port, self.grpc_port = free_ports(2)

    def daprd_args(self, app_id: str = "orders") -> list[str]:
        return ["--app-id", app_id, "--dapr-http-port", str(self.http_port), "--dapr-grpc-port", str(self.grpc_port),
                "--resources-path", str(self.components), "--enable-metrics=false", "--log-level", "info"]

    def traffic(self, period: float = 1.0) -> "Traffic":
        return Traffic(self.http_port, self.res, period, parameters=self.parameters)

    def wait_healthy(self, timeout: float = 30.0) -> None:
        wait_healthy(self.http_port, timeout)


def http(method: str, url: str, body: bytes | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"Content-Type": "application/json"} if body else {})
    try:
        with _OPENER.open(request, timeout=timeout) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError as e:
        return 0, str(e).encode()


def wait_healthy(port: int, timeout: float = 30.0) -> None:
    wait_for(lambda: http("GET", f"http://127.0.0.1:{port}/v1.0/healthz", timeout=1)[0] == 204,
             timeout=timeout, interval=0.1, what=f"daprd healthy on :{port}")


@dataclass
class Outcome:
    at: float
    op: str
    status: int
    detail: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Traffic:
    """A client of daprd's HTTP API: each round saves and reads state, reads secrets, writes an object."""

    port: int
    res: dict[str, str]
    period: float = 1.0
    parameters: bool = True  # also read the SSM parameter (see write_components)
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._round = 0

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(30)

    def _loop(self):
        while not self._stop.is_set():
            self.one_round()
            self._stop.wait(self.period)

    def one_round(self) -> None:
        self._round += 1
        base = f"http://127.0.0.1:{self.port}/v1.0"
        key, value = f"k{self._round}", f"v{self._round}"
        calls = [
            ("save", "POST", f"{base}/state/statestore", json.dumps([{"key": key, "value": value}]).encode(), None),
            ("get", "GET", f"{base}/state/statestore/{key}", None, value),
            ("secret", "GET", f"{base}/secrets/secrets/{self.res['parameter']}", None,
             {self.res["parameter"]: self.res["secret"]}),
            ("object", "POST", f"{base}/bindings/objects",
             json.dumps({"operation": "create", "data": value, "metadata": {"key": key}}).encode(), None),
        ]
        if self.parameters:
            calls.append(("parameter", "GET", f"{base}/secrets/parameters/{self.res['parameter']}", None,
                          {self.res["parameter"]: self.res["parameter_value"]}))
        for op, method, url, body, expected in calls:
            status, reply = http(method, url, body)
            if 200 <= status < 300 and expected is not None and _json(reply) != expected:
                status = 600  # answered, but not what was stored
            self.outcomes.append(Outcome(time.time(), op, status, reply[:200].decode(errors="replace")))

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def name_of(p: psutil.Process) -> str:
    try:
        return p.name()
    except psutil.NoSuchProcess:
        return ""


def alive(processes: list[psutil.Process]) -> list[str]:
    """The ones still running (zombies count as gone), as "pid name"."""
    out = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(f"{p.pid} {p.name()}")
        except psutil.NoSuchProcess:
            continue
    return out


def _json(data: bytes):
    try:
        return json.loads(data)
    except ValueError:
        return None


def daprd_log_times(text: str, pattern: str) -> list[float]:
    """The times (epoch seconds) of daprd log lines matching `pattern` (time="...Z" stamps)."""
    import datetime

    out = []
    for line in text.splitlines():
        if re.search(pattern, line):
            stamp = re.search(r'time="([^"]+)"', line)
            if stamp:
                t = stamp.group(1).rstrip("Z")
                whole, _, frac = t.partition(".")
                when = datetime.datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
                out.append(when.timestamp() + float("0." + (frac or "0")))
    return out
