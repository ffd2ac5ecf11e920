"""Authentication comes before the request is read, on every route of every API function.

The order is always: the session (401), then the role or the anti-CSRF header (403), then the
request's path, query and body (400/404), then the use case. A caller without a session learns
nothing from validation errors (which field exists, which limit applies), and cannot make the
function parse anything. The sign-in and digest functions check the anti-CSRF header of every
POST first, sessions or not (tests/security/test_malformed_auth_upload.py): with the header,
the session comes next.

Each case sends, without a session (or with a forged one), a request wrong in every way the
route can read: a path id no object can have, a query of wrong values, a body that is not
JSON or has unknown fields.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest

from pellicule.api.operations import Operation, declared
from tests.conftest import Aws, Centre, LambdaContext, api_event
from tests.integration.staff_api import create_staff, payload, staff_session

FUNCTIONS = ("admin", "auth", "digest", "family", "gallery", "upload")
BAD_ID = "x" * 65  # longer than any id: a path parameter that cannot name anything
BAD_QUERY = {"format": "xml", "limit": "lots", "cursor": "?"}
BAD_BODIES = ["{", '{"nonsense": [1], "tenant_id": "t-other"}', "[]"]


def _authenticated() -> list[tuple[str, Operation]]:
    found = []
    for function in FUNCTIONS:
        app = importlib.import_module(f"functions.{function}.handler")._app()
        found += [(function, op) for op in declared(app) if not op.public]
    return found


AUTHENTICATED = _authenticated()


def _send(
    function: str, op: Operation, raw: str, session: str | None, *, csrf: bool = True
) -> dict[str, Any]:
    handler = importlib.import_module(f"functions.{function}.handler").handler
    path = re.sub(r"<\w+>", BAD_ID, op.path)
    event = api_event(op.method, path, session=session, csrf=csrf)
    event["body"] = raw
    if op.query is not None:
        event["queryStringParameters"] = dict(BAD_QUERY)
        event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in BAD_QUERY.items())
    response: dict[str, Any] = handler(event, LambdaContext())
    return response


def _label(case: tuple[str, Operation]) -> str:
    function, op = case
    return f"{function} {op.method} {op.path}"


def test_every_function_has_authenticated_routes() -> None:
    # The cases below cover each API function (digest: the signed-in guardian's routes).
    assert {function for function, _ in AUTHENTICATED} == set(FUNCTIONS)


@pytest.mark.parametrize("case", AUTHENTICATED, ids=[_label(case) for case in AUTHENTICATED])
def test_a_malformed_request_without_a_session_is_401_not_400(
    aws: Aws, case: tuple[str, Operation]
) -> None:
    function, op = case
    for session in (None, "forged-session-id"):
        for raw in BAD_BODIES:
            # When someone without a (live) session sends a request wrong in every way
            response = _send(function, op, raw, session)
            # Then the answer is about the session, never about the request
            assert response["statusCode"] == 401, (session, raw, response.get("body"))
            assert payload(response)["error"] == "unauthenticated"


@pytest.mark.parametrize(
    "case",
    [c for c in AUTHENTICATED if c[0] not in ("auth", "digest")],
    ids=[_label(c) for c in AUTHENTICATED if c[0] not in ("auth", "digest")],
)
def test_without_a_session_the_missing_csrf_header_is_not_what_is_answered_first(
    aws: Aws, case: tuple[str, Operation]
) -> None:
    # The session decides first; the anti-CSRF header only matters to someone signed in.
    function, op = case
    response = _send(function, op, "{", None, csrf=False)
    assert response["statusCode"] == 401, response.get("body")


STAFF_ONLY = [c for c in AUTHENTICATED if c[0] in ("admin", "gallery", "upload")]


@pytest.mark.parametrize("case", STAFF_ONLY, ids=[_label(c) for c in STAFF_ONLY])
def test_a_guardian_sending_malformed_staff_requests_is_403_not_400(
    aws: Aws, centre: Centre, case: tuple[str, Operation]
) -> None:
    function, op = case
    response = _send(function, op, '{"nonsense": [1]}', centre.guardian_session)
    assert response["statusCode"] == 403, response.get("body")
    assert payload(response)["reason"] == "staff_only"


def test_an_animator_sending_malformed_director_requests_is_403_not_400(
    aws: Aws, centre: Centre
) -> None:
    # Routes only directors may use at all answer an animator 403 before reading the request
    # (routes open to animators for part of what they do, e.g. publishing when the centre
    # trusts them, decide in the use case, after the request is read).
    animator_id = create_staff(centre.director_session, "anim@example.org", "animator")
    animator = staff_session(centre.tenant_id, animator_id, "animator")
    director_only = [
        ("PUT", "/settings"),
        ("POST", "/staff"),
        ("PATCH", "/staff/<staff_id>"),
        ("POST", "/children"),
        ("POST", "/children/<child_id>/consent"),
        ("POST", "/children/<child_id>/consent/withdraw"),
        ("PATCH", "/guardians/<guardian_id>"),
        ("GET", "/audit"),
        ("POST", "/media/<media_id>/unpublish"),
    ]
    ops = {(op.method, op.path): op for function, op in AUTHENTICATED if function == "admin"}
    for method, path in director_only:
        op = ops.get((method, f"/api/admin{path}"))
        assert op is not None, (method, path)
        response = _send("admin", op, '{"nonsense": [1]}', animator)
        assert response["statusCode"] == 403, (method, path, response.get("body"))
        assert payload(response)["reason"] == "directors_only", (method, path)
