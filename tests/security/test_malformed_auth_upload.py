"""Typed requests of the upload, sign-in and digest APIs: malformed bodies (wrong types, too
long, unknown fields, huge lists, non-ASCII digits) get a 400 naming the field, before any
logic runs, never a 5xx; the sign-in and unsubscribe routes keep their one answer for every
token or code that cannot work."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Aws, Centre, LambdaContext, api_event
from tests.integration.staff_api import payload

HUGE = "1" + "0" * 400  # a JSON integer no float holds


def _send(function: str, method: str, path: str, raw: str, **kw: Any) -> dict[str, Any]:
    import importlib

    handler = importlib.import_module(f"functions.{function}.handler").handler
    event = api_event(method, path, **kw)
    event["body"] = raw
    result: dict[str, Any] = handler(event, LambdaContext())
    assert result["statusCode"] < 500, result
    return result


def _named(response: dict[str, Any], field: str) -> None:
    assert response["statusCode"] == 400, response.get("body")
    answer = payload(response)
    assert answer["error"] == "invalid_request"
    assert answer["reason"].startswith("field_")
    assert answer["params"]["field"] == field


FILE = {"name": "a.jpg", "type": "image/jpeg", "size": 10}
UPLOAD_CASES = [
    ("POST", "/api/upload/grants", {"album_id": 12, "files": [FILE]}, "album_id"),
    ("POST", "/api/upload/grants", {"album_id": "x" * 65, "files": [FILE]}, "album_id"),
    ("POST", "/api/upload/grants", {"album_id": "a", "files": [FILE] * 500}, "files"),
    ("POST", "/api/upload/grants", {"album_id": "a", "files": {"0": FILE}}, "files"),
    ("POST", "/api/upload/grants", {"album_id": "a", "files": [FILE], "owner": "x"}, "owner"),
    (
        "POST",
        "/api/upload/grants",
        {"album_id": "a", "files": [{**FILE, "size": "١٠"}]},
        "files[0].size",
    ),
    (
        "POST",
        "/api/upload/grants",
        {"album_id": "a", "files": [{**FILE, "name": "é" * 5000}]},
        "files[0].name",
    ),
    (
        "POST",
        "/api/upload/grants",
        {"album_id": "a", "files": [{**FILE, "key": "ingest/x"}]},
        "files[0].key",
    ),
    ("POST", "/api/upload/multipart/AAAA/parts", {"part_numbers": [1] * 5000}, "part_numbers"),
    ("POST", "/api/upload/multipart/AAAA/parts", {"part_numbers": ["1"]}, "part_numbers[0]"),
    ("POST", "/api/upload/multipart/AAAA/parts", {"part_numbers": [True]}, "part_numbers[0]"),
    ("PUT", "/api/upload/media/AAAA/faces", {"boxes": [[0, 0, 1, 1]] * 5000}, "boxes"),
    ("PUT", "/api/upload/media/AAAA/faces", {"boxes": [[0, 0, 1, 1]], "hides": "c1"}, "hides"),
    ("PUT", "/api/upload/media/AAAA/faces", {"hides": []}, "boxes"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), UPLOAD_CASES)
def test_malformed_upload_requests_name_the_field(
    aws: Aws, centre: Centre, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    response = _send("upload", method, path, json.dumps(body), session=centre.director_session)
    _named(response, field)


def test_numbers_no_float_holds_in_face_boxes_are_a_400(aws: Aws, centre: Centre) -> None:
    raw = '{"boxes": [[0, 0, ' + HUGE + ", 1]]}"
    response = _send(
        "upload", "PUT", "/api/upload/media/AAAA/faces", raw, session=centre.director_session
    )
    _named(response, "boxes[0][2]")


AUTH_CASES = [
    ("/api/auth/link", {"email": 42}, "email"),
    ("/api/auth/link", {"email": "a@" + "b" * 400}, "email"),
    ("/api/auth/link", {"email": "a@b.fr", "tenant_id": "t1"}, "tenant_id"),
    ("/api/auth/link", {}, "email"),
    ("/api/auth/session", {"token": "A" * 43, "role": "director"}, "role"),
    ("/api/auth/totp/verify", {"code": ["123456"]}, "code"),
    ("/api/auth/totp/verify", {"code": "1" * 10_000}, "code"),
    ("/api/auth/totp/confirm", {}, "code"),
    ("/api/auth/totp/confirm", {"code": "123456", "secret": "x"}, "secret"),
    ("/api/auth/totp/renew", {"code": 123456}, "code"),
    ("/api/auth/totp/renew/confirm", {"code": None}, "code"),
    ("/api/auth/totp/recovery-codes", {"code": {"a": 1}}, "code"),
]


@pytest.mark.parametrize(("path", "body", "field"), AUTH_CASES)
def test_malformed_sign_in_requests_name_the_field(
    aws: Aws, centre: Centre, path: str, body: dict[str, Any], field: str
) -> None:
    response = _send("auth", "POST", path, json.dumps(body), session=centre.director_session)
    _named(response, field)


@pytest.mark.parametrize(
    "body",
    [
        {"token": "A" * 10_000},
        {"token": ["A" * 43]},
        {"token": "é" * 43},
        {"email": "a@b.fr", "code": "١٢٣٤٥٦"},  # Arabic-Indic digits
        {"email": "a@b.fr", "code": "１２３４５６"},  # full-width digits
        {"email": "a@b.fr", "code": 123456},
        {"email": "x" * 1000, "code": "123456"},
    ],
)
def test_a_malformed_token_or_code_gets_the_one_sign_in_answer(
    aws: Aws, body: dict[str, Any]
) -> None:
    from pellicule.services import magic_links

    response = _send("auth", "POST", "/api/auth/session", json.dumps(body))
    assert response["statusCode"] == 401
    answer = payload(response)
    assert (answer["error"], answer["reason"]) == ("invalid_link", magic_links.INVALID)


def test_the_csrf_header_is_checked_before_the_body_is_read(aws: Aws, centre: Centre) -> None:
    for function, path in (
        ("auth", "/api/auth/link"),
        ("auth", "/api/auth/session"),
        ("auth", "/api/auth/totp/verify"),
        ("digest", "/api/digest/unsubscribe"),
    ):
        response = _send(function, "POST", path, '{"nonsense": [1]}', csrf=False)
        assert response["statusCode"] == 403, path
        assert payload(response)["reason"] == "csrf_header_missing", path


@pytest.mark.parametrize("token", [12, ["x"], "x" * 5000, {"a": "b"}])
def test_a_malformed_unsubscribe_token_gets_the_one_unsubscribe_answer(
    aws: Aws, token: Any
) -> None:
    response = _send("digest", "POST", "/api/digest/unsubscribe", json.dumps({"token": token}))
    assert response["statusCode"] == 400
    assert payload(response)["error"] == "invalid_unsubscribe_link"


def test_unknown_fields_on_the_unsubscribe_route_are_named(aws: Aws) -> None:
    raw = json.dumps({"token": "a.b.c", "guardian_id": "g1"})
    _named(_send("digest", "POST", "/api/digest/unsubscribe", raw), "guardian_id")
