"""A local AWS for the real Dapr components: moto's server on 127.0.0.1, recording who signed what.

moto accepts any signature, so a test could not tell which credentials daprd
used; this server wraps moto's WSGI application and records, for every
request, the access key id in its SigV4 Authorization header, the service it
was scoped to and the reply's status. Resources (a DynamoDB table, an SSM
parameter, a secret, an S3 bucket) are made with throw-away keys, so the
requests that count are the ones signed by the launcher's credentials.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass

from tests.loopback import LoopbackServer

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/[^/]+/([^/]+)/aws4_request")
SETUP_KEY = "AKIALOCALSETUP000001"


@dataclass(frozen=True)
class Signed:
    at: float            # time.time() when the reply was sent
    key: str | None      # access key id that signed the request (None: unsigned)
    service: str | None  # the service of the signature's scope (dynamodb, ssm, secretsmanager, s3, sns, sqs, sts)
    status: int


class LocalAws(LoopbackServer):
    """moto behind a recording WSGI layer; use as a context manager or call close()."""

    def __init__(self):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        self.requests: list[Signed] = []
        self._lock = threading.Lock()
        moto = DomainDispatcherApplication(create_backend_app)

        def recording(environ, start_response):
            found = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
            status = []

            def start(line, headers, exc_info=None):
                status.append(int(line.split()[0]))
                return start_response(line, headers, exc_info)

            body = moto(environ, start)
            with self._lock:
                self.requests.append(Signed(time.time(), found and found.group(1), found and found.group(2),
                                            status[0] if status else 0))
            return body

        class Quiet(MotoRequestHandler):
            def log_request(self, *args, **kwargs):  # one line per request would drown the test output
                pass

        self._start(make_server("127.0.0.1", 0, recording, threaded=True, request_handler=Quiet))

    def client(self, service: str):
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id=SETUP_KEY, aws_secret_access_key="setup-secret")

    def resources(self) -> dict[str, str]:
        """A fresh table, SSM parameter, secret and bucket (one unique name), and the values stored."""
        name = "t" + uuid.uuid4().hex[:10]
        self.client("dynamodb").create_table(
            TableName=name, KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        self.client("ssm").put_parameter(Name=name, Value="param-" + name, Type="SecureString")
        self.client("secretsmanager").create_secret(Name=name, SecretString="secret-" + name)
        self.client("s3").create_bucket(Bucket=name)
        return {"table": name, "parameter": name, "bucket": name, "secret": "secret-" + name,
                "parameter_value": "param-" + name}

    def signed_since(self, since: float) -> list[Signed]:
        """Requests after `since` signed by anything but the set-up keys."""
        with self._lock:
            return [r for r in self.requests if r.at >= since and r.key != SETUP_KEY]
