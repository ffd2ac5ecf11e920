"""Malformed input gets a 400 with a clear message, never a crash (issue 13, item 5).

Each case crashed a handler before (a 500 on AWS): a body nested 1,000 deep on a public
route, consent dates past the calendar, face boxes with integers too large for a float, and
page sizes written with Unicode digits that ``str.isdigit`` accepts and ``int`` refuses.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Aws, Centre, LambdaContext, api_event
from tests.integration.staff_api import (
    consent_text_hash,
    create_album,
    create_child,
    create_group,
    create_guardian,
    guardian_session,
    payload,
)


def _call(handler: Any, method: str, path: str, raw_body: str | None, **kw: Any) -> dict[str, Any]:
    event = api_event(method, path, **kw)
    event["body"] = raw_body
    result: dict[str, Any] = handler(event, LambdaContext())
    return result


def _bad_request(response: dict[str, Any]) -> dict[str, Any]:
    """The response is a 400 with a reason and a message in both languages; returns it."""
    assert response["statusCode"] == 400, response.get("body")
    answer: dict[str, Any] = payload(response)
    assert answer["message"]["fr"]
    assert answer["message"]["en"]
    return answer


@pytest.mark.parametrize("depth", [17, 1_000, 30_000])
@pytest.mark.parametrize("container", ["[", '{"a":'])
def test_a_deeply_nested_body_on_a_public_route_is_a_400(
    aws: Aws, depth: int, container: str
) -> None:
    from functions.auth.handler import handler

    closing = "]" if container == "[" else "}"
    raw = '{"email":' + container * depth + "1" + closing * depth + "}"
    # When someone posts it to "send me a link", which needs no session
    response = _call(handler, "POST", "/api/auth/link", raw)
    # Then it is refused with a clear message, before anything is done
    assert _bad_request(response)["reason"] == "json_too_deep"


def test_an_ordinary_nested_body_is_still_accepted(aws: Aws, centre: Centre) -> None:
    from functions.auth.handler import handler as auth
    from functions.upload.handler import handler as upload

    # A body whose values nest a little (lists in an object) parses as before: face boxes
    # are lists of lists; the item is unknown, so the answer comes from the use case (404)
    response = _call(
        upload,
        "PUT",
        "/api/upload/media/AAAAAAAAAAAAAAAAAAAAAA/faces",
        json.dumps({"boxes": [[0.1, 0.1, 0.2, 0.2]], "hides": []}),
        session=centre.director_session,
    )
    assert response["statusCode"] == 404, response.get("body")
    # On the public route, a nested value in a field it does not have is named (typed
    # requests refuse unknown fields), not taken for a body nested too deep
    answer = _bad_request(
        _call(auth, "POST", "/api/auth/link", json.dumps({"email": "x@example.org", "x": [[1]]}))
    )
    assert (answer["reason"], answer["params"]) == ("field_unknown", {"field": "x"})
    response = _call(auth, "POST", "/api/auth/link", json.dumps({"email": "x@example.org"}))
    assert response["statusCode"] == 202, response.get("body")


@pytest.fixture
def family_child(aws: Aws, centre: Centre) -> tuple[str, str]:
    director = centre.director_session
    child = create_child(director, create_group(director))
    parent = guardian_session(
        centre.tenant_id, create_guardian(director, "parent@example.org", [child])
    )
    return parent, child


@pytest.mark.parametrize(
    "dates",
    [
        {"valid_from": "9999-12-31"},
        {"valid_from": 100000000000000000000},
        {"valid_from": -100000000000000000000},
        {"valid_from": 253402300799},  # 9999-12-31T23:59:59 in seconds
        {"valid_until": "9999-12-31"},
        {"valid_until": 100000000000000000000},
        {"valid_from": "0001-01-01"},
    ],
)
def test_consent_dates_past_the_calendar_are_a_400(
    aws: Aws, family_child: tuple[str, str], dates: dict[str, Any]
) -> None:
    from functions.family.handler import handler

    parent, child = family_child
    body = {
        "audiences": ["families_of_group"],
        "media_kinds": ["photo"],
        "text_sha256": consent_text_hash(parent),
        **dates,
    }
    response = _call(
        handler,
        "POST",
        f"/api/family/children/{child}/consent",
        json.dumps(body),
        session=parent,
    )
    assert "valid_" in _bad_request(response)["message"]["fr"]


def test_face_boxes_with_numbers_too_large_for_a_float_are_a_400(aws: Aws, centre: Centre) -> None:
    from functions.upload.handler import handler

    huge = "1" + "0" * 400  # a JSON integer: finite, but no float can hold it
    for boxes in (
        f"[[{huge}, 0, 0.1, 0.1]]",
        f"[[0, 0, {huge}, 0.1]]",
        f"[[-{huge}, -{huge}, {huge}, {huge}]]",
        "[[1e400, 0, 0.1, 0.1]]",  # parses to infinity
    ):
        response = _call(
            handler,
            "PUT",
            "/api/upload/media/AAAAAAAAAAAAAAAAAAAAAA/faces",
            '{"boxes": ' + boxes + "}",
            session=centre.director_session,
        )
        # Refused by the request's type (api/schema.py), naming the box
        assert _bad_request(response)["params"]["field"].startswith("boxes[0][")


@pytest.mark.parametrize("limit", ["²", "①", "٣", "１", "9" * 5000, "-1", "1.5", "", " 2"])
def test_a_page_size_that_is_not_plain_digits_is_a_400(
    aws: Aws, centre: Centre, family_child: tuple[str, str], limit: str
) -> None:
    from functions.family.handler import handler

    parent, _ = family_child
    album_id = create_album(centre.director_session, "Piscine")
    event = api_event("GET", f"/api/family/albums/{album_id}", session=parent, csrf=False)
    event["queryStringParameters"] = {"limit": limit}
    response: dict[str, Any] = handler(event, LambdaContext())
    assert "limit" in _bad_request(response)["message"]["fr"]
