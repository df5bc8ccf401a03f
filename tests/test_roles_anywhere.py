"""IAM Roles Anywhere: the installed command against a local CreateSession that checks every signature.

Certificates and keys are made at test time (tests/pki.py); the stub
(tests/fakerolesanywhere.py) verifies each request with its own SigV4 code
and the public key of the certificate sent, and checks the chain to its CA.
"""

from __future__ import annotations

import json

import pytest

from tests import pki
from tests.conftest import DAPR_AWS, assert_one_line_error, helper, wait_for
from tests.fakerolesanywhere import PROFILE, ROLE, TRUST_ANCHOR, FakeRolesAnywhere


@pytest.fixture(scope="module")
def root():
    return pki.ca("rsa")


@pytest.fixture
def fake(root, aws):
    with FakeRolesAnywhere(root.cert) as stub:
        aws.env["AWS_ENDPOINT_URL_ROLESANYWHERE"] = stub.url
        yield stub


def arn_options(trust_anchor=TRUST_ANCHOR, profile=PROFILE, role=ROLE) -> list[str]:
    return ["--trust-anchor-arn", trust_anchor, "--profile-arn", profile, "--role-arn", role]


def file_options(paths: dict) -> list[str]:
    out = []
    for name, value in paths.items():
        out += ["--" + name.replace("_", "-"), value]
    return out


def leaf_of(root, kind="rsa", intermediate=None, **kwargs):
    return pki.issue("workload-1.example", pki.new_key(kind), intermediate or root, **kwargs)


@pytest.mark.parametrize("kind,with_intermediate,style", [
    ("rsa", False, "traditional"), ("rsa", True, "pkcs8"), ("ec", False, "pkcs8"), ("ec", True, "traditional")])
def test_certificate_gets_credentials(aws, fake, root, tmp_path, kind, with_intermediate, style):
    chain = [pki.issue("Test Intermediate CA", pki.new_key("ec"), root, ca=True)] if with_intermediate else []
    leaf = leaf_of(root, kind, chain[0] if chain else None)
    paths = pki.write_identity(tmp_path / "pki", leaf, chain, style=style)
    result = aws.run("credential-process", *file_options(paths), *arn_options())
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    [call] = fake.ok_calls()
    assert doc["AccessKeyId"] == call["key"] and doc["Version"] == 1 and doc["Expiration"][:4] == "2026"
    assert call["algorithm"] == ("AWS4-X509-RSA-SHA256" if kind == "rsa" else "AWS4-X509-ECDSA-SHA256")
    assert call["serial"] == leaf.serial and call["region"] == "eu-west-1"
    assert call["chain"] == len(chain) and call["duration"] == 3600
    assert {"host", "x-amz-date", "x-amz-x509", "content-type"} <= set(call["signed"])


def test_profile_keys_alone_and_the_region_of_the_trust_anchor(aws, fake, root, tmp_path):
    paths = pki.write_identity(tmp_path / "pki", leaf_of(root, "ec"))
    keys = "".join(f"roles_anywhere_{k} = {v}\n" for k, v in {
        **paths, "trust_anchor_arn": TRUST_ANCHOR, "profile_arn": PROFILE, "role_arn": ROLE,
        "session_duration": "2h", "role_session_name": "orders-sidecar"}.items())
    aws.config(f"[profile ra]\n{keys}")
    result = aws.run("--profile", "ra", *helper("printenv"))
    assert result.returncode == 0, result.stderr
    env = json.loads(result.stdout)["env"]
    [call] = fake.ok_calls()
    assert env["AWS_ACCESS_KEY_ID"] == call["key"] and env["AWS_SESSION_TOKEN"].startswith("ra-session-token")
    assert env["AWS_REGION"] == "eu-west-1"  # from the trust anchor ARN: the profile sets none
    assert call["duration"] == 7200 and call["session_name"] == "orders-sidecar"


def test_options_win_over_profile_keys_and_mirrors_work(aws, fake, root, tmp_path):
    good = pki.write_identity(tmp_path / "good", leaf_of(root))
    aws.config("[profile ra]\nregion = ap-south-1\nroles_anywhere_certificate = /nonexistent/cert.pem\n"
               f"roles_anywhere_private_key = {good['private_key']}\nroles_anywhere_session_duration = 12h\n")
    env = {"DAPR_AWS_CERTIFICATE": good["certificate"], "DAPR_AWS_TRUST_ANCHOR_ARN": TRUST_ANCHOR,
           "DAPR_AWS_PROFILE_ARN": PROFILE, "DAPR_AWS_ROLE_ARN": ROLE}
    result = aws.run("--profile", "ra", "--session-duration", "15m", "env", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["Region"] == "ap-south-1"  # the profile's region is the child's; the API's is the anchor's
    assert [c["duration"] for c in fake.ok_calls()] == [900]


def test_a_tampered_signature_is_refused_with_the_services_message(aws, fake, root, tmp_path):
    fake.tamper = True
    paths = pki.write_identity(tmp_path / "pki", leaf_of(root))
    result = aws.run(*file_options(paths), *arn_options(), "--", "true")
    line = assert_one_line_error(result, 77)
    assert "AccessDeniedException: Signature validation failed" in line, line


def test_an_expired_certificate_is_refused_before_any_call(aws, fake, root, tmp_path):
    import datetime

    ended = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    leaf = pki.issue("old-workload", pki.new_key("rsa"), root, not_after=ended)
    paths = pki.write_identity(tmp_path / "pki", leaf)
    line = assert_one_line_error(aws.run(*file_options(paths), *arn_options(), "--", "true"), 77)
    assert "expired at 2026-01-02T03:04:05Z (notAfter)" in line and paths["certificate"] in line
    assert fake.calls == []


def test_a_key_that_does_not_match_the_certificate(aws, fake, root, tmp_path):
    leaf = leaf_of(root)
    paths = pki.write_identity(tmp_path / "pki", leaf, key=pki.new_key("rsa"))
    line = assert_one_line_error(aws.run(*file_options(paths), *arn_options(), "--", "true"), 78)
    assert "does not match the certificate" in line
    assert fake.calls == []


def test_an_untrusted_certificate_is_refused_with_the_services_message(aws, fake, tmp_path):
    stranger = pki.ca("ec", "Some Other CA")
    paths = pki.write_identity(tmp_path / "pki", leaf_of(stranger))
    line = assert_one_line_error(aws.run(*file_options(paths), *arn_options(), "--", "true"), 77)
    assert "Untrusted certificate" in line and "trust anchor trusts the certificate's CA" in line


def test_wrong_region(aws, fake, root, tmp_path):
    paths = pki.write_identity(tmp_path / "pki", leaf_of(root))
    elsewhere = [arn.replace(":eu-west-1:", ":us-east-1:") for arn in (TRUST_ANCHOR, PROFILE)]
    line = assert_one_line_error(aws.run(*file_options(paths), *arn_options(*elsewhere), "--", "true"), 77)
    assert "Credential should be scoped to a valid region, not 'us-east-1'" in line
    line = assert_one_line_error(
        aws.run(*file_options(paths), *arn_options(TRUST_ANCHOR, elsewhere[1]), "--", "true"), 78)
    assert "profile ARN is in region us-east-1 but the trust anchor in eu-west-1" in line


@pytest.mark.parametrize("args,code,expected", [
    (["--certificate", "c.pem"], 78, "needs --private-key, --trust-anchor-arn, --profile-arn, --role-arn"),
    (["--certificate", "/nonexistent/c.pem", "--private-key", "k.pem", *arn_options()], 78,
     "cannot read the certificate file /nonexistent/c.pem: No such file or directory"),
    (["--certificate", "c.pem", "--private-key", "k.pem", *arn_options(trust_anchor="arn:aws:iam::1:role/x")], 78,
     "--trust-anchor-arn 'arn:aws:iam::1:role/x' is not a Roles Anywhere trust-anchor ARN"),
    (["--certificate", "c.pem", "--private-key", "k.pem", *arn_options(), "--session-duration", "5m"], 78,
     "outside what Roles Anywhere accepts"),
])
def test_configuration_mistakes_are_one_line(aws, fake, args, code, expected):
    result = aws.run(*args, "--", "true")
    assert expected in assert_one_line_error(result, code)
    assert fake.calls == []


def test_a_session_duration_that_is_no_duration_is_a_usage_error(aws, fake):
    result = aws.run("--session-duration", "soon", "--", "true")
    assert result.returncode == 2 and "'soon' is not a duration" in result.stderr, result.stderr


def test_encrypted_key_with_the_passphrase_from_the_environment(aws, fake, root, tmp_path):
    phrase = "correct horse battery staple 42"
    paths = pki.write_identity(tmp_path / "pki", leaf_of(root, "ec"), passphrase=phrase.encode())
    args = [*file_options(paths), *arn_options()]
    result = aws.run("--log-level", "debug", *args, *helper("printenv"),
                     env={"DAPR_AWS_PRIVATE_KEY_PASSPHRASE": phrase})
    assert result.returncode == 0, result.stderr
    child = json.loads(result.stdout)["env"]
    assert "DAPR_AWS_PRIVATE_KEY_PASSPHRASE" not in child and phrase not in result.stdout + result.stderr
    assert child["AWS_ACCESS_KEY_ID"] == fake.ok_calls()[0]["key"]
    assert child["AWS_SECRET_ACCESS_KEY"] not in result.stderr
    line = assert_one_line_error(aws.run(*args, "--", "true"), 75)
    assert "is encrypted and no passphrase was given" in line and "DAPR_AWS_PRIVATE_KEY_PASSPHRASE" in line
    line = assert_one_line_error(aws.run(*args, "--", "true", env={"DAPR_AWS_PRIVATE_KEY_PASSPHRASE": "wrong"}), 78)
    assert "passphrase does not open the private key" in line


def test_encrypted_key_passphrase_asked_on_the_terminal_before_the_child(aws, fake, root, tmp_path):
    from tests import ptyrun

    phrase = "typed-at-the-prompt"
    paths = pki.write_identity(tmp_path / "pki", leaf_of(root, "rsa"), passphrase=phrase.encode())
    status, out = ptyrun.run([DAPR_AWS, *file_options(paths), *arn_options(), *helper("printenv")], aws.env,
                             [("Passphrase for", phrase + "\n")], cwd=aws.root)
    assert status == 0, out
    assert out.index("Passphrase for") < out.index('"AWS_ACCESS_KEY_ID"'), out
    assert phrase not in out.split("<answered>", 1)[1]  # not echoed, not passed on


def test_whoami_and_doctor_show_the_certificate(aws, fake, root, tmp_path, sts_url):
    leaf = leaf_of(root)
    paths = pki.write_identity(tmp_path / "pki", leaf)
    args = [*file_options(paths), *arn_options()]
    result = aws.run("whoami", "--json", *args, env={"AWS_ENDPOINT_URL_STS": sts_url})
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    expected = leaf.cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert doc["Source"] == "roles-anywhere" and doc["Region"] == "eu-west-1"
    assert doc["Certificate"] == {"File": paths["certificate"], "Subject": "O=dapr-aws tests,CN=workload-1.example",
                                  "Serial": str(leaf.serial), "NotAfter": expected}
    text = aws.run("whoami", *args, env={"AWS_ENDPOINT_URL_STS": sts_url}).stdout
    assert f"serial   {leaf.serial}\n" in text and f"cert end {expected}\n" in text
    report = aws.run("doctor", "--offline", *args).stdout
    assert (f"ok    certificate: O=dapr-aws tests,CN=workload-1.example, serial {leaf.serial}, expires {expected}"
            in report), report


def test_doctor_warns_about_a_certificate_about_to_expire(aws, fake, root, tmp_path):
    paths = pki.write_identity(tmp_path / "pki", leaf_of(root, days=2))
    report = aws.run("doctor", "--offline", *file_options(paths), *arn_options()).stdout
    assert "warn  certificate: " in report and "renew it before then" in report, report


def _replace(path: str, data: bytes) -> None:
    """Write then rename, as cert-manager or an ACME client rotates a file."""
    import os

    tmp = path + ".new"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


SDKS = ("go-v1", "go-v2", "js-v3", "botocore")  # what daprd uses (Go), and two more real SDKs


def test_rotated_certificate_is_used_at_the_next_refresh_and_real_sdk_children_see_new_keys(
        aws, root, tmp_path, sdk_probes):
    # Credentials live 8 s and the margin is 3 s: a refresh about every 5 s,
    # each one reading the certificate and key files again.
    with FakeRolesAnywhere(root.cert, lifetime=8) as stub:
        aws.env["AWS_ENDPOINT_URL_ROLESANYWHERE"] = stub.url
        first, second = leaf_of(root, "rsa"), leaf_of(root, "ec")
        paths = pki.write_identity(tmp_path / "pki", first)
        proc = aws.start("--mode", "endpoint", "--refresh-margin", "3s", *file_options(paths), *arn_options(),
                         *helper("probes", "13", *[f"{name}={sdk_probes[name]}" for name in SDKS]))
        try:
            wait_for(lambda: stub.ok_calls(), timeout=30, what="the first CreateSession")
            _replace(paths["private_key"], pki.key_pem(second.key))
            _replace(paths["certificate"], pki.pem(second.cert))
            out, err = proc.communicate(timeout=90)
        finally:
            proc.kill()
        assert proc.returncode == 0, err
        serials = [call["serial"] for call in stub.ok_calls()]
        assert serials[0] == first.serial and len(serials) >= 2, serials
        assert set(serials[1:]) == {second.serial}, serials
        assert stub.ok_calls()[-1]["algorithm"] == "AWS4-X509-ECDSA-SHA256"
        report = json.loads(out.strip().splitlines()[-1])
        for name in SDKS:
            seen = report[name]
            assert seen["errors"] == [] and len(seen["pids"]) == 1, (name, seen)
            assert len(seen["keys"]) >= 2 and all(key.startswith("ASIARA") for key in seen["keys"]), (name, seen)
        assert "restarting" not in err


def _other_second(stamp: str) -> str:
    return stamp[:-3] + ("01" if stamp[-3:-1] != "01" else "02") + "Z"


def test_the_stub_refuses_what_it_should(root, tmp_path):
    """Our signer against the stub's own SigV4 code: accepted as signed, refused once anything changes."""
    from botocore.awsrequest import AWSRequest

    from launcher.sources.anywhere import certfiles, signing
    from tests.fakerolesanywhere import Refused, verify

    paths = pki.write_identity(tmp_path / "pki", leaf_of(root, "ec"))
    identity = certfiles.load(paths["certificate"], paths["private_key"], None, interactive=False)
    target = "/sessions?profileArn=p%3Ax&roleArn=r&trustAnchorArn=t"
    request = AWSRequest(method="POST", url="http://127.0.0.1:9/" + target.lstrip("/"),
                         data=b'{"durationSeconds": 900}', headers={"Content-Type": "application/json"})
    signing.sign(request, identity, "eu-west-1")
    headers = {k.lower(): [v] for k, v in request.headers.items()}
    headers["host"] = ["127.0.0.1:9"]
    assert verify("POST", target, headers, request.body, root.cert)["serial"] == identity.certificate.serial_number
    changes = {
        "body": lambda h, b, t: (h, b.replace(b"900", b"901"), t),
        "query": lambda h, b, t: (h, b, t.replace("roleArn=r", "roleArn=s")),
        "signed header": lambda h, b, t: ({**h, "content-type": ["text/plain"]}, b, t),
        "date": lambda h, b, t: ({**h, "x-amz-date": [_other_second(h["x-amz-date"][0])]}, b, t),
    }
    for name, change in changes.items():
        h, b, t = change(dict(headers), request.body, target)
        with pytest.raises(Refused, match="Signature validation failed"):
            verify("POST", t, h, b, root.cert)
    with pytest.raises(Refused, match="Signature validation failed"):
        verify("POST", target, headers, request.body, root.cert, tamper=True)
    with pytest.raises(Refused, match="not 'eu-west-1'"):
        verify("POST", target, headers, request.body, root.cert, region="us-east-1")
    with pytest.raises(Refused, match="Untrusted certificate"):
        verify("POST", target, headers, request.body, pki.ca("rsa", "Another CA").cert)


@pytest.mark.parametrize("status,body,code,expected", [
    (200, "<html><body>captive portal</body></html>", 77, "sent a reply without credentials"),
    (201, '{"credentialSet": []}', 77, "sent a reply without credentials"),
    (201, '{"credentialSet": [{"credentials": {"accessKeyId": "ASIAX", "secretAccessKey": "s", '
          '"sessionToken": "t", "expiration": "2030-01-01T00:00:00"}}]}', 77, "has no time zone"),
    (503, '{"message": "try later"}', 69, "unavailable (HTTP 503): try later"),
])
def test_garbage_and_failing_replies_are_one_line(aws, fake, root, tmp_path, status, body, code, expected):
    fake.reply = (status, body)
    paths = pki.write_identity(tmp_path / "pki", leaf_of(root))
    line = assert_one_line_error(aws.run(*file_options(paths), *arn_options(), "--", "true"), code)
    assert expected in line, line


def test_an_unreachable_service_is_one_line(aws, root, tmp_path):
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    paths = pki.write_identity(tmp_path / "pki", leaf_of(root))
    result = aws.run(*file_options(paths), *arn_options(), "--", "true",
                     env={"AWS_ENDPOINT_URL_ROLESANYWHERE": f"http://127.0.0.1:{port}"})
    assert f"cannot reach IAM Roles Anywhere at http://127.0.0.1:{port}" in assert_one_line_error(result, 69)


def test_a_certificate_that_expires_on_disk_fails_refreshes_until_renewed(aws, root, tmp_path):
    import datetime

    with FakeRolesAnywhere(root.cert, lifetime=6) as stub:
        aws.env["AWS_ENDPOINT_URL_ROLESANYWHERE"] = stub.url
        good = leaf_of(root)
        paths = pki.write_identity(tmp_path / "pki", good)
        log = tmp_path / "launcher.log"
        with open(log, "w") as err:
            proc = aws.start("--mode", "endpoint", "--refresh-margin", "2s", *file_options(paths), *arn_options(),
                             *helper("sigchild", tmp_path / "signals"), stderr=err)
        try:
            wait_for(lambda: stub.ok_calls(), timeout=30, what="the first CreateSession")
            ended = datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)
            expired = pki.issue("workload-1.example", good.key, root, not_after=ended)
            _replace(paths["certificate"], pki.pem(expired.cert))
            wait_for(lambda: "credential refresh failed" in log.read_text(), timeout=30, what="a failed refresh")
            assert "expired at 2026-01-02T00:00:00Z (notAfter)" in log.read_text()
            assert proc.poll() is None  # the child keeps its current credentials
            renewed = pki.issue("workload-1.example", good.key, root)
            _replace(paths["certificate"], pki.pem(renewed.cert))
            wait_for(lambda: "recovered" in log.read_text(), timeout=60, what="the recovery")
            assert stub.ok_calls()[-1]["serial"] == renewed.serial
        finally:
            proc.terminate()
            proc.wait(15)


def test_files_that_hold_no_certificate_or_key(aws, fake, root, tmp_path):
    paths = pki.write_identity(tmp_path / "pki", leaf_of(root))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN NOTHING-----\nhello\n-----END NOTHING-----\n")
    line = assert_one_line_error(aws.run(*file_options({**paths, "certificate": str(garbage)}), *arn_options(),
                                         "--", "true"), 78)
    assert f"the certificate file {garbage} holds no X.509 certificate" in line
    line = assert_one_line_error(aws.run(*file_options({**paths, "private_key": str(garbage)}), *arn_options(),
                                         "--", "true"), 78)
    assert f"cannot parse the private key {garbage}" in line
    line = assert_one_line_error(aws.run(*file_options({**paths, "private_key": paths["certificate"]}),
                                         *arn_options(), "--", "true"), 78)
    assert "cannot parse the private key" in line
    assert fake.calls == []


def test_serve_with_der_files_hands_out_roles_anywhere_credentials(aws, fake, root, tmp_path):
    import http.client
    import signal
    import urllib.parse

    from cryptography.hazmat.primitives import serialization

    leaf = leaf_of(root, "ec")
    der = {"certificate": tmp_path / "cert.der", "private_key": tmp_path / "key.der"}
    der["certificate"].write_bytes(leaf.cert.public_bytes(serialization.Encoding.DER))
    der["private_key"].write_bytes(leaf.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    proc = aws.start("serve", *file_options({k: str(v) for k, v in der.items()}), *arn_options())
    try:
        served = {}
        while "AWS_CONTAINER_AUTHORIZATION_TOKEN" not in served:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            name, _, value = line.strip().removeprefix("export ").partition("=")
            served[name] = value
        url = urllib.parse.urlsplit(served["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
        conn.request("GET", url.path, headers={"Authorization": served["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
        doc = json.loads(conn.getresponse().read())
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    [call] = fake.ok_calls()
    assert doc["AccessKeyId"] == call["key"] and call["serial"] == leaf.serial
