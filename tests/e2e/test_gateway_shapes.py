"""Pure pieces of the local runtime: event builders, response mapping, partial batch replies."""

from __future__ import annotations

import base64

import pytest

from local import events
from local.gateway import ProxyResponseError, match_route, proxy_result_to_reply, static_file
from local.lambdas import HandlerRegistry, Invoker
from local.workers import failed_message_ids
from pellicule.config import topology

NAMES = topology.local_names()
UPLOAD = next(route for route in topology.API_ROUTES if route.function == "upload")


def _event(**overrides):
    arguments = {
        "names": NAMES,
        "route": UPLOAD,
        "method": "POST",
        "raw_path": "/api/upload/x",
        "raw_query": "",
        "headers": [],
        "body": b"",
        "source_ip": "127.0.0.1",
        "proxy": "x",
        "now": 1_700_000_000.5,
    }
    arguments.update(overrides)
    return events.http_api_event(**arguments)


@pytest.mark.parametrize(
    ("content_type", "is_text"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("text/plain", True),
        ("application/problem+json", True),
        ("image/svg+xml", True),
        ("application/x-www-form-urlencoded", False),
        ("multipart/form-data; boundary=x", False),
        ("image/jpeg", False),
        (None, False),
    ],
)
def test_text_or_binary_bodies(content_type, is_text):
    headers = [("Content-Type", content_type)] if content_type else []
    event = _event(headers=headers, body='{"é": 1}'.encode())
    assert event["isBase64Encoded"] is (not is_text)
    if not is_text:
        assert base64.b64decode(event["body"]) == '{"é": 1}'.encode()


def test_invalid_utf8_text_falls_back_to_base64():
    event = _event(headers=[("Content-Type", "text/plain")], body=b"\xff\xfe")
    assert event["isBase64Encoded"] is True


def test_request_time_formats():
    context = _event()["requestContext"]
    assert context["timeEpoch"] == 1_700_000_000_500
    assert context["time"] == "14/Nov/2023:22:13:20 +0000"


def test_routes_match_their_prefix_only():
    assert match_route("/api/upload/a/b", topology.API_ROUTES) == (UPLOAD, "a/b")
    assert match_route("/api/uploads/a", topology.API_ROUTES) is None
    assert match_route("/api/upload/", topology.API_ROUTES) is None
    # An exact route matches its one path only, without a proxy value.
    openapi = next(route for route in topology.API_ROUTES if route.exact_path)
    assert match_route("/api/openapi.json", topology.API_ROUTES) == (openapi, "")
    assert match_route("/api/openapi.json/x", topology.API_ROUTES) is None


def test_proxy_result_mapping():
    reply = proxy_result_to_reply(
        {"statusCode": 302, "headers": {"Location": "/"}, "cookies": ["a=1"], "body": None}
    )
    assert reply.status == 302
    assert ("Set-Cookie", "a=1") in reply.headers
    assert reply.body == b""
    assert proxy_result_to_reply("hello").body == b'"hello"'
    assert proxy_result_to_reply(None).body == b"null"
    for bad in (
        {"statusCode": True},
        {"statusCode": 99},
        {"statusCode": 200, "body": 3},
        {"statusCode": 200, "body": "%%", "isBase64Encoded": True},
        {"statusCode": 200, "cookies": "a=1"},
    ):
        with pytest.raises(ProxyResponseError):
            proxy_result_to_reply(bad)


def test_sqs_event_shape():
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "r1",
        "Body": "{}",
        "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1", "Other": "x"},
        "MessageAttributes": {
            "kind": {"StringValue": "photo", "DataType": "String"},
            "blob": {"BinaryValue": b"\x00", "DataType": "Binary"},
        },
    }
    (record,) = events.sqs_event([message], queue_arn="arn:q", region="eu-west-3")["Records"]
    assert record["attributes"] == {"ApproximateReceiveCount": "2", "SentTimestamp": "1"}
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "photo",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["messageAttributes"]["blob"]["binaryValue"] == "AA=="
    assert record["eventSourceARN"] == "arn:q"


@pytest.mark.parametrize(
    ("response", "failed"),
    [
        (None, set()),
        ({}, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": None}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, {"b"}),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, {"a", "b"}),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, {"a", "b"}),
        ({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, {"a", "b"}),
        ({"batchItemFailures": [{"id": "a"}]}, {"a", "b"}),
        ({"batchItemFailures": "a"}, {"a", "b"}),
        ("not an object", {"a", "b"}),
    ],
)
def test_partial_batch_responses_read_like_lambda(response, failed):
    assert failed_message_ids(response, ["a", "b"]) == failed


def test_registry_overrides_and_restores():
    registry = HandlerRegistry()
    first = lambda event, context: 1  # noqa: E731
    second = lambda event, context: 2  # noqa: E731
    registry.register("upload", first)
    with registry.override("upload", second):
        assert registry.resolve("upload") is second
    assert registry.resolve("upload") is first
    registry.unregister("upload")
    with pytest.raises(ModuleNotFoundError):
        registry.resolve("no_such_function")


def test_invoker_context_for_unknown_functions_has_defaults():
    context = Invoker(NAMES, HandlerRegistry()).context("adhoc")
    assert context.function_name == NAMES.function("adhoc")
    assert context.memory_limit_in_mb == 128


def test_static_file_resolution(tmp_path):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "index.html").write_text("x")
    (tmp_path / "secret").write_text("s")
    web = tmp_path / "web"
    assert static_file(web, "/") == (web / "index.html").resolve()
    for path in ("/../secret", "/%2e%2e/secret", "/..%2fsecret", "/a\\b", "/.hidden", "/x%00"):
        assert static_file(web, path) is None, path
