"""The one redaction function: known secrets and secret-shaped assignments."""

import logging

from launcher import redact


def test_registered_values_are_masked_anywhere():
    redact.register("registeredsecret0123456789")
    assert redact.redact("x registeredsecret0123456789 y") == "x **** y"


def test_short_values_are_not_registered():
    redact.register("abc")
    assert redact.redact("abc") == "abc"


def test_secret_shaped_assignments_are_masked():
    cases = {
        '"SecretAccessKey": "abc/def+ghi"': '"SecretAccessKey": "****"',
        "aws_secret_access_key = abc/def": "aws_secret_access_key = ****",
        "AWS_SESSION_TOKEN=FwoGZXIvYXdz": "AWS_SESSION_TOKEN=****",
        "Authorization: Bearer-abc": "Authorization: ****",
        '{"accessToken": "eyJraWQi"}': '{"accessToken": "****"}',
    }
    for text, expected in cases.items():
        assert redact.redact(text) == expected


def test_identifiers_are_kept():
    text = "AccessKeyId ASIAEXAMPLE profile dev region eu-west-1"
    assert redact.redact(text) == text


def test_logging_filter_redacts_arguments():
    redact.register("filtersecret0123456789")
    record = logging.LogRecord("dapr-aws", logging.INFO, __file__, 1, "got %s", ("filtersecret0123456789",), None)
    assert redact.RedactingFilter().filter(record)
    assert record.getMessage() == "got ****"
