"""Malformed staff API input is a 400 naming the field at fault, never a 5xx (issue 15).

Every body and query of ``/api/admin`` is parsed into its declared type before any logic runs:
wrong types, values past their limits, unknown fields and huge lists are refused with the code
``invalid_request``, a ``field_*`` reason and the field at fault in its parameters, and nothing
is written.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Aws, Centre, LambdaContext, api_event
from tests.integration.staff_api import payload, snapshot

ID = "a1b2c3d4e5f60718"
SCAN = "AbCdEfGhIjKlMnOp_-12.pdf"
HUGE = 10**400  # a JSON integer no float holds
STAFF = {"role": "animator", "email": "anim@example.org", "display_name": "Sam"}
CHILD = {"first_name": "Léa", "initial": "M", "group_id": ID}
TERMS = {"audiences": ["families_of_group"], "media_kinds": ["photo"]}
PAPER = {**TERMS, "signed_by": [ID], "scan_id": SCAN}

CASES: list[tuple[str, str, Any, str]] = [
    ("POST", "/staff", {**STAFF, "role": "boss"}, "role"),
    ("POST", "/staff", {**STAFF, "trusted": "yes"}, "trusted"),
    ("POST", "/staff", {**STAFF, "display_name": "x" * 81}, "display_name"),
    ("POST", "/staff", {**STAFF, "email": 7}, "email"),
    ("POST", "/staff", {**STAFF, "email": "a@b"}, "email"),
    ("POST", "/staff", {**STAFF, "tenant_id": "t-other"}, "tenant_id"),
    ("PATCH", f"/staff/{ID}", {"role": None, "display_name": ["Sam"]}, "display_name"),
    ("POST", "/sites", {"name": {"fr": "Site"}}, "name"),
    ("POST", "/groups", {"name": "G", "site_id": "../x"}, "site_id"),
    ("PATCH", f"/groups/{ID}", {"site_id": 5}, "site_id"),
    ("POST", "/children", {**CHILD, "surprise": 1}, "surprise"),
    ("POST", "/children", {**CHILD, "first_name": ["Léa"]}, "first_name"),
    ("POST", "/children", {**CHILD, "initial": "x" * 61}, "initial"),
    ("PATCH", f"/children/{ID}", {"group_id": None}, "group_id"),
    ("POST", "/guardians", {"email": "p@example.org", "child_ids": [ID] * 10_000}, "child_ids"),
    ("POST", "/guardians", {"email": "p@example.org", "child_ids": ["a b"]}, "child_ids[0]"),
    ("POST", "/guardians", {"email": "p@example.org", "child_ids": ID}, "child_ids"),
    ("PATCH", f"/guardians/{ID}", {"child_ids": []}, "child_ids"),
    ("POST", f"/children/{ID}/consent/scan", {"type": "image/svg+xml", "size": 10}, "type"),
    ("POST", f"/children/{ID}/consent/scan", {"type": "application/pdf", "size": HUGE}, "size"),
    ("POST", f"/children/{ID}/consent/scan", {"type": "application/pdf", "size": True}, "size"),
    ("POST", f"/children/{ID}/consent/scan", {"type": "image/png", "size": 0}, "size"),
    ("POST", f"/children/{ID}/consent", {**PAPER, "audiences": ["everyone"]}, "audiences[0]"),
    ("POST", f"/children/{ID}/consent", {**PAPER, "valid_from": "9999-12-31"}, "valid_from"),
    ("POST", f"/children/{ID}/consent", {**PAPER, "valid_until": HUGE}, "valid_until"),
    ("POST", f"/children/{ID}/consent", {**PAPER, "scan_id": "../../x.pdf"}, "scan_id"),
    (
        "POST",
        f"/children/{ID}/consent",
        {k: v for k, v in PAPER.items() if k != "scan_id"},
        "scan_id",
    ),
    ("POST", f"/children/{ID}/consent/withdraw", {"requested_by": ID}, "requested_by"),
    ("POST", f"/children/{ID}/erasure-request", {"confirm": "yes"}, "confirm"),
    ("POST", f"/children/{ID}/erasure-request", {"confirm": True, "mode": "burn"}, "mode"),
    ("PATCH", f"/children/{ID}/erasure-request", {}, "mode"),
    ("POST", "/albums", {"title": "Piscine", "date": "2026-02-30"}, "date"),
    ("POST", "/albums", {"title": "x" * 121, "date": "2026-07-08"}, "title"),
    ("PATCH", f"/albums/{ID}", {"group_id": 5}, "group_id"),
    ("PUT", f"/media/{ID}/tags", {"child_ids": [f"c{i}" for i in range(61)]}, "child_ids"),
    ("PUT", f"/media/{ID}/tags", {"child_ids": [], "version": "3"}, "version"),
    ("PUT", f"/media/{ID}/tags", {"child_ids": [], "version": HUGE}, "version"),
    ("PUT", f"/media/{ID}/tags", {"no_identifiable_child": 1}, "no_identifiable_child"),
    ("POST", f"/media/{ID}/review", {"decision": "maybe"}, "decision"),
    ("POST", f"/media/{ID}/review", {"decision": "reject", "reason": "x" * 301}, "reason"),
    ("POST", f"/media/{ID}/publish", {"audiences": []}, "audiences"),
    ("POST", f"/media/{ID}/publish", {"audiences": "all"}, "audiences"),
    ("POST", f"/media/{ID}/publish", {"audiences": [None]}, "audiences[0]"),
    # Approve in bulk: at most 50 items, each an id, audiences as a single approval's
    ("POST", "/review/approve-batch", {}, "items"),
    ("POST", "/review/approve-batch", {"items": []}, "items"),
    ("POST", "/review/approve-batch", {"items": [{"media_id": ID}] * 51}, "items"),
    ("POST", "/review/approve-batch", {"items": [ID]}, "items[0]"),
    ("POST", "/review/approve-batch", {"items": [{"media_id": "../x"}]}, "items[0].media_id"),
    ("POST", "/review/approve-batch", {"items": [{"media_id": ID, "x": 1}]}, "items[0].x"),
    (
        "POST",
        "/review/approve-batch",
        {"items": [{"media_id": ID, "audiences": ["everyone"]}]},
        "items[0].audiences[0]",
    ),
    ("POST", "/review/approve-batch", {"items": [{"media_id": ID}], "audiences": []}, "audiences"),
]


def _label(case: tuple[str, str, Any, str]) -> str:
    method, path, _, field = case
    return f"{method} {path.replace(ID, 'id')} {field}"


def _refused(response: dict[str, Any], field: str) -> None:
    assert response["statusCode"] == 400, response.get("body")
    answer = payload(response)
    assert answer["error"] == "invalid_request"
    assert answer["reason"].startswith("field_")
    assert answer["params"]["field"] == field


@pytest.mark.parametrize("case", CASES, ids=[_label(case) for case in CASES])
def test_a_malformed_staff_body_is_a_400_naming_the_field(
    aws: Aws, centre: Centre, case: tuple[str, str, Any, str]
) -> None:
    from functions.admin.handler import handler

    method, path, body, field = case
    before = snapshot(aws, centre.tenant_id)
    event = api_event(method, f"/api/admin{path}", session=centre.director_session)
    event["body"] = json.dumps(body)
    # When a director's browser (or anyone with the session) sends it
    response = handler(event, LambdaContext())
    # Then it is refused before any logic runs, naming the field, and nothing changes
    _refused(response, field)
    assert snapshot(aws, centre.tenant_id) == before


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "null", "{", '{"a":' * 40 + "1" + "}" * 40])
def test_a_staff_body_that_is_no_json_object_is_a_400(aws: Aws, centre: Centre, raw: str) -> None:
    from functions.admin.handler import handler

    event = api_event("POST", "/api/admin/children", session=centre.director_session)
    event["body"] = raw
    response = handler(event, LambdaContext())
    assert response["statusCode"] == 400, response.get("body")
    answer = payload(response)
    assert answer["message"]["fr"]
    assert answer["message"]["en"]


def test_an_unknown_audit_format_is_a_400_naming_the_parameter(aws: Aws, centre: Centre) -> None:
    from functions.admin.handler import handler

    event = api_event("GET", "/api/admin/audit", session=centre.director_session)
    event["rawQueryString"] = "format=xml"
    event["queryStringParameters"] = {"format": "xml"}
    _refused(handler(event, LambdaContext()), "format")


@pytest.mark.parametrize("path", [f"/media/{ID}/publish", f"/children/{ID}/consent/withdraw"])
def test_an_optional_body_may_be_left_out(aws: Aws, centre: Centre, path: str) -> None:
    from functions.admin.handler import handler

    # A body left out means {}: the route answers about the item (unknown here), not the body
    event = api_event("POST", f"/api/admin{path}", session=centre.director_session)
    assert event["body"] is None
    assert handler(event, LambdaContext())["statusCode"] == 404
