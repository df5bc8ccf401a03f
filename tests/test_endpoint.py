"""The credential endpoints, driven through `dapr-aws serve` with real HTTP on 127.0.0.1:
the container-credentials protocol, IMDSv2 emulation, every rejection, no upstream call
per request, a slow client, and port conflicts."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import time
import urllib.parse

import pytest

from tests.conftest import assert_one_line_error, helper, upstream_calls, wait_for


class Served:
    def __init__(self, proc, variables):
        self.proc = proc
        self.vars = variables

    def request(self, method, path, headers=None, host=None):
        url = urllib.parse.urlsplit(self.vars.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
                                    or self.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"])
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
        conn.putrequest(method, path, skip_host=host is not None)
        if host is not None:
            conn.putheader("Host", host)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        reply = conn.getresponse()
        body = reply.read()
        conn.close()
        return reply.status, body, reply

    @property
    def path(self):
        return urllib.parse.urlsplit(self.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"]).path

    @property
    def token(self):
        return self.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"]


def _serve(aws, tmp_path, *args, lifetime=3600, env=None):
    state = tmp_path / "state"
    aws.config(f"[profile src]\nregion = eu-west-1\n"
               f"credential_process = {' '.join(helper('credproc', state, '--lifetime', str(lifetime)))}\n")
    proc = aws.start("serve", "--profile", "src", *args, env=env)
    variables = {}
    deadline = time.monotonic() + 20
    while not any(k in variables for k in ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")):
        assert time.monotonic() < deadline, "serve printed nothing"
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        name, _, value = line.strip().removeprefix("export ").partition("=")
        variables[name] = value
    return Served(proc, variables), state


@pytest.fixture
def container(aws, tmp_path):
    served, state = _serve(aws, tmp_path)
    yield served, state
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(10) == 0


def test_serve_prints_what_a_client_needs_and_botocore_uses_it(aws, container):
    served, _ = container
    assert served.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith("http://127.0.0.1:")
    assert len(served.token) >= 32 and len(served.path) >= 16
    env = dict(served.vars, DAPR_AWS_ACTIVE="1")  # as a child of ours would have it
    result = aws.run("env", "--format", "json", env={**env, "AWS_EC2_METADATA_DISABLED": "true"})
    # A nested dapr-aws resolves through the endpoint like any botocore program.
    assert json.loads(result.stdout)["Source"] == "container-role", result.stderr


def test_good_request(container):
    served, _ = container
    status, body, _ = served.request("GET", served.path, {"Authorization": served.token})
    assert status == 200
    doc = json.loads(body)
    assert set(doc) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
    assert doc["AccessKeyId"].startswith("ASIAPROC") and doc["Expiration"].endswith("Z")


@pytest.mark.parametrize("case,status", [
    ("missing token", 401), ("wrong token", 403), ("other path", 404), ("POST", 405),
    ("foreign host", 403), ("rebinding host with port", 403)])
def test_rejections(container, case, status):
    served, _ = container
    headers, path, method, host = {"Authorization": served.token}, served.path, "GET", None
    if case == "missing token":
        headers = {}
    elif case == "wrong token":
        headers = {"Authorization": served.token[:-1] + ("A" if served.token[-1] != "A" else "B")}
    elif case == "other path":
        path = "/latest/meta-data/"
    elif case == "POST":
        method = "POST"
    elif case == "foreign host":
        host = "attacker.example"
    else:
        host = "rebind.attacker.example:8080"
    got, body, _ = served.request(method, path, headers, host=host)
    assert got == status
    assert "message" in json.loads(body)
    assert served.token.encode() not in body


def test_a_host_with_a_non_ascii_digit_is_refused_without_a_traceback(aws, tmp_path):
    # "\xb2" (superscript two) counts as a digit to str.isdigit, but int() refuses it: that was
    # a 503 and a traceback per request, unauthenticated.
    served, _ = _serve(aws, tmp_path)
    try:
        assert served.request("GET", served.path, {"Authorization": served.token}, host="127.0.0.\xb2")[0] == 403
        assert served.request("GET", served.path, {"Authorization": served.token})[0] == 200
    finally:
        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(10) == 0
    assert "Traceback" not in served.proc.stderr.read()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost:1234", "127.0.0.5"])
def test_loopback_hosts_are_accepted(container, host):
    served, _ = container
    assert served.request("GET", served.path, {"Authorization": served.token}, host=host)[0] == 200


def test_a_thousand_requests_cause_no_upstream_call(container):
    served, state = container
    before = upstream_calls(state)
    url = urllib.parse.urlsplit(served.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    for _ in range(1000):
        conn.request("GET", served.path, headers={"Authorization": served.token})
        reply = conn.getresponse()
        reply.read()
        assert reply.status == 200
    conn.close()
    assert upstream_calls(state) == before


def test_a_slow_client_does_not_stall_others(container):
    served, _ = container
    url = urllib.parse.urlsplit(served.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
    slow = socket.create_connection((url.hostname, url.port))
    slow.sendall(b"GET " + served.path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never finishes
    try:
        started = time.monotonic()
        for _ in range(20):
            assert served.request("GET", served.path, {"Authorization": served.token})[0] == 200
        assert time.monotonic() - started < 5
    finally:
        slow.close()


def test_no_secret_in_the_launcher_log(aws, tmp_path):
    served, _ = _serve(aws, tmp_path, env={"DAPR_AWS_LOG_LEVEL": "debug"})
    status, body, _ = served.request("GET", served.path, {"Authorization": served.token})
    secret = json.loads(body)["SecretAccessKey"]
    served.proc.send_signal(signal.SIGTERM)
    served.proc.wait(10)
    log = served.proc.stderr.read()
    assert secret not in log and served.token not in log


def test_expired_credentials_give_503(aws, tmp_path):
    served, state = _serve(aws, tmp_path, "--refresh-margin", "1s", lifetime=3)
    (state / "fail").write_text("down\n")
    try:
        wait_for(lambda: served.request("GET", served.path, {"Authorization": served.token})[0] == 503,
                 timeout=15, what="503 after expiry")
    finally:
        served.proc.send_signal(signal.SIGTERM)
        served.proc.wait(10)


def test_port_in_use_is_one_line_and_exit_78(aws, tmp_path):
    aws.static_default()
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        result = aws.run("--region", "us-east-1", "--mode", "endpoint", "--endpoint-port",
                         busy.getsockname()[1], "--", "true")
    finally:
        busy.close()
    line = assert_one_line_error(result, 78)
    assert "already in use" in line


# -- IMDSv2 emulation ------------------------------------------------------

@pytest.fixture
def imds(aws, tmp_path):
    served, state = _serve(aws, tmp_path, "--mode", "imds")
    yield served
    served.proc.send_signal(signal.SIGTERM)
    served.proc.wait(10)


def _token(imds, ttl="60"):
    status, body, reply = imds.request("PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": ttl})
    assert status == 200
    assert reply.getheader("X-aws-ec2-metadata-token-ttl-seconds") == ttl
    return body.decode()


def test_imds_environment(imds):
    assert imds.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"].startswith("http://127.0.0.1:")
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" not in imds.vars


def test_imds_full_flow(imds):
    token = _token(imds)
    status, role, _ = imds.request("GET", "/latest/meta-data/iam/security-credentials/",
                                   {"X-aws-ec2-metadata-token": token})
    assert status == 200 and role
    status, body, _ = imds.request("GET", "/latest/meta-data/iam/security-credentials/" + role.decode(),
                                   {"X-aws-ec2-metadata-token": token})
    doc = json.loads(body)
    assert doc["Code"] == "Success" and doc["Type"] == "AWS-HMAC"
    assert doc["Expiration"].endswith("Z") and doc["LastUpdated"].endswith("Z")
    assert doc["AccessKeyId"].startswith("ASIAPROC")
    status, region, _ = imds.request("GET", "/latest/meta-data/placement/region", {"X-aws-ec2-metadata-token": token})
    assert (status, region) == (200, b"eu-west-1")


def test_imds_takes_repeated_slashes_as_one_as_real_imds_does(imds):
    # The variable ends in "/" (the AWS CLI v2 appends "latest/..."), so clients that append
    # "/latest/..." send "//latest/...": the AWS SDK for Java v2 and the JS SDK v2 among them.
    status, token, _ = imds.request("PUT", "//latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60"})
    assert status == 200
    status, role, _ = imds.request("GET", "//latest/meta-data//iam/security-credentials/",
                                   {"X-aws-ec2-metadata-token": token.decode()})
    assert (status, role) == (200, b"dapr-aws")
    assert imds.request("GET", "//latest/meta-data/nothing", {"X-aws-ec2-metadata-token": token.decode()})[0] == 404


@pytest.mark.parametrize("ttl", [None, "0", "21601", "abc"])
def test_imds_token_ttl_must_be_1_to_21600(imds, ttl):
    headers = {} if ttl is None else {"X-aws-ec2-metadata-token-ttl-seconds": ttl}
    assert imds.request("PUT", "/latest/api/token", headers)[0] == 400


def test_imds_refuses_forwarded_token_requests(imds):
    headers = {"X-aws-ec2-metadata-token-ttl-seconds": "60", "X-Forwarded-For": "10.0.0.1"}
    assert imds.request("PUT", "/latest/api/token", headers)[0] == 403


@pytest.mark.parametrize("token", [None, "made-up-token"])
def test_imds_without_a_valid_token_is_401_no_imdsv1(imds, token):
    headers = {} if token is None else {"X-aws-ec2-metadata-token": token}
    assert imds.request("GET", "/latest/meta-data/iam/security-credentials/", headers)[0] == 401


def test_imds_refuses_foreign_host(imds):
    assert imds.request("PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60"},
                        host="169.254.169.254.nip.example")[0] == 403


def _raw(served, data: bytes) -> bytes:
    url = urllib.parse.urlsplit(served.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
    with socket.create_connection((url.hostname, url.port), timeout=5) as s:
        s.sendall(data)
        reply = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return reply
            reply += chunk


def test_hostile_requests_are_refused_and_the_server_stays_up(container):
    served, _ = container
    huge_header = b"GET " + served.path.encode() + b" HTTP/1.1\r\nX-Junk: " + b"a" * 20000 + b"\r\n\r\n"
    assert _raw(served, huge_header).startswith(b"HTTP/1.1 431")
    huge_body = (b"POST " + served.path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n")
    assert _raw(served, huge_body).startswith(b"HTTP/1.1 413")
    assert _raw(served, b"\x16\x03\x01\x02\x00garbage\r\n\r\n").startswith(b"HTTP/1.1 400")
    for path in ("/../../etc/passwd", served.path + "/../x", served.path + "%00", "/" + "a" * 4000):
        assert served.request("GET", path, {"Authorization": served.token})[0] == 404
    for i in range(1000):
        assert served.request("GET", served.path, {"Authorization": f"guess-{i:04d}"})[0] == 403
    assert served.request("GET", served.path, {"Authorization": served.token})[0] == 200


def test_a_slow_refresh_never_blocks_requests_or_signals(aws, tmp_path):
    served, state = _serve(aws, tmp_path)
    (state / "slow").write_text("10")
    served.proc.send_signal(signal.SIGHUP)  # a refresh that will take 10 seconds
    started = time.monotonic()
    for _ in range(50):
        assert served.request("GET", served.path, {"Authorization": served.token})[0] == 200
    assert time.monotonic() - started < 6  # far less than the refresh takes, even on a loaded machine
    served.proc.send_signal(signal.SIGTERM)
    stop_started = time.monotonic()
    assert served.proc.wait(10) == 0
    assert time.monotonic() - stop_started < 6


def test_a_half_sent_request_head_is_dropped_after_the_header_timeout(container):
    served, _ = container
    url = urllib.parse.urlsplit(served.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
    with socket.create_connection((url.hostname, url.port), timeout=15) as slow:
        slow.sendall(b"GET " + served.path.encode() + b" HTTP/1.1\r\n")
        started = time.monotonic()
        assert slow.recv(100) == b""  # closed by the server
        assert 4 < time.monotonic() - started < 10
    assert served.request("GET", served.path, {"Authorization": served.token})[0] == 200


def test_serve_prints_only_what_a_client_needs(container):
    served, _ = container
    assert set(served.vars) == {"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
                                "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN"}
