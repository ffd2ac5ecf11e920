"""API Gateway's answers at the edges of HTTP (issue 14 item 6): methods no route has, and bodies
that are not what their headers say, get API Gateway's 4xx JSON, never a 5xx or the standard
library's HTML error page, and the gateway keeps serving afterwards."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
import requests

from local.runtime import LocalRuntime

pytestmark = pytest.mark.e2e


@pytest.fixture
def short_body_timeout(runtime: LocalRuntime) -> Iterator[None]:
    saved = runtime.gateway.body_timeout
    runtime.gateway.body_timeout = 1.0
    yield
    runtime.gateway.body_timeout = saved


def _exchange(runtime: LocalRuntime, raw: bytes, *, half_close: bool = False) -> bytes:
    """Send ``raw`` on a fresh connection; everything the gateway answers before closing."""
    with socket.create_connection(("127.0.0.1", runtime.gateway.port), timeout=15) as sock:
        sock.sendall(raw)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def _status_and_json(answer: bytes) -> tuple[int, object]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    headers = head.decode("latin-1").lower()
    assert "content-type: application/json" in headers, head
    return status, json.loads(body)


def _still_serving(runtime: LocalRuntime) -> None:
    assert requests.get(f"{runtime.base_url}/_dev/health", timeout=10).status_code == 200
    answer = requests.get(f"{runtime.base_url}/api/auth/status", timeout=10)
    assert answer.status_code < 500


@pytest.mark.parametrize("method", ["TRACE", "FOO", "CONNECT", "PROPFIND"])
@pytest.mark.parametrize("path", ["/api/auth/status", "/", "/media/t/x.jpg", "/_dev/health"])
def test_a_method_no_route_has_gets_api_gateways_not_found(
    runtime: LocalRuntime, method: str, path: str
) -> None:
    answer = requests.request(method, f"{runtime.base_url}{path}", timeout=10)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"message": "Not Found"}
    _still_serving(runtime)


CSRF = "X-Requested-With: pellicule\r\n"


@pytest.mark.parametrize(
    "framing",
    [
        # a chunk size that is not hexadecimal
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        # a chunk longer than its data, then the end of the stream
        b"Transfer-Encoding: chunked\r\n\r\n10\r\n{}\r\n",
        # a chunk not followed by CRLF
        b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
        # both framings at once (request smuggling)
        b"Transfer-Encoding: chunked\r\nContent-Length: 7\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        # a Content-Length that is not a number
        b"Content-Length: ten\r\n\r\n{}",
        # a Content-Length longer than the body, then the end of the stream
        b"Content-Length: 100\r\n\r\n{}",
    ],
    ids=["bad-size", "short-chunk", "no-crlf", "te-and-cl", "nan-length", "lying-length"],
)
def test_a_malformed_body_gets_a_400_json(runtime: LocalRuntime, framing: bytes) -> None:
    raw = (
        b"POST /api/auth/link HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
        b"Content-Type: application/json\r\n%s" % (runtime.gateway.port, CSRF.encode())
    ) + framing
    status, body = _status_and_json(_exchange(runtime, raw, half_close=True))
    assert status == 400
    assert body == {"message": "Bad Request"}
    _still_serving(runtime)


def test_a_content_length_that_lies_on_an_open_connection_gets_a_400(
    runtime: LocalRuntime, short_body_timeout: None
) -> None:
    # The client announces 100 bytes, sends 2 and waits: the gateway gives up, not hangs
    raw = (
        b"POST /api/auth/link HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{}" % runtime.gateway.port
    )
    status, body = _status_and_json(_exchange(runtime, raw))
    assert status == 400
    assert body == {"message": "Bad Request"}
    _still_serving(runtime)


@pytest.mark.parametrize(
    "request_line",
    [b"GET / HTTP/2.0", b"GET / HTTP/x.y", b"GARBAGE", b"GET /" + b"a" * 70000 + b" HTTP/1.1"],
    ids=["version", "bad-version", "garbage", "too-long"],
)
def test_a_malformed_request_line_gets_a_4xx_json(
    runtime: LocalRuntime, request_line: bytes
) -> None:
    answer = _exchange(runtime, request_line + b"\r\nHost: 127.0.0.1\r\n\r\n", half_close=True)
    status, body = _status_and_json(answer)
    assert 400 <= status < 500
    assert isinstance(body, dict)
    assert set(body) == {"message"}
    _still_serving(runtime)
