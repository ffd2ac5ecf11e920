"""The readable audit log is the directors' (issue 18): animators and families are refused,
another centre's ids are never resolved, and malformed filters are 400s with a code."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Aws, Centre, LambdaContext, api_event, make_centre
from tests.integration.staff_api import (
    create_child,
    create_group,
    create_staff,
    payload,
    staff_session,
)


def _get(session: str, route: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    from urllib.parse import urlencode

    from functions.admin.handler import handler

    event = api_event("GET", f"/api/admin{route}", session=session)
    if query:
        event["rawQueryString"] = urlencode(query)
        event["queryStringParameters"] = query
    result: dict[str, Any] = handler(event, LambdaContext())
    return result


@pytest.mark.parametrize("route", ["/audit/entries", "/audit/who-saw"])
def test_an_animator_and_a_guardian_are_refused(aws: Aws, centre: Centre, route: str) -> None:
    animator_id = create_staff(centre.director_session, "anim@centre.example")
    animator = staff_session(centre.tenant_id, animator_id, "animator")
    query = {"child": "c1"} if route.endswith("who-saw") else None
    assert _get(animator, route, query)["statusCode"] == 403
    assert _get(centre.guardian_session, route, query)["statusCode"] in {401, 403}


def test_another_centres_ids_are_never_resolved(aws: Aws, centre: Centre) -> None:
    from pellicule.services import audit

    other = make_centre()
    their_child = create_child(other.director_session, create_group(other.director_session))
    # A forged entry naming the other centre's child and album in this centre's log.
    audit.append(centre.tenant_id, "view", "guardian:guardian-1", f"album:{other.album_id}", {})
    audit.append(centre.tenant_id, "erasure", "staff:staff-1", f"child:{their_child}", {})
    answer = payload(_get(centre.director_session, "/audit/entries"))
    assert answer["names"][f"child:{their_child}"]["state"] == "gone"
    assert answer["names"][f"album:{other.album_id}"]["name"] is None
    assert "Léa" not in str(answer)
    refused = _get(centre.director_session, "/audit/who-saw", {"child": their_child})
    assert refused["statusCode"] == 404


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"start": "2026-02-30"}, "invalid_request"),
        ({"start": "2026-07-15", "end": "2026-07-14"}, "audit_period_reversed"),
        ({"person": "child:abc"}, "invalid_request"),
        ({"action": "exfiltrate"}, "audit_bad_action"),
        ({"action": "DROP TABLE"}, "invalid_request"),
        ({"cursor": "-1"}, "invalid_request"),
        ({"cursor": "1e400"}, "invalid_request"),
        ({"limit": "5000"}, "invalid_request"),
        ({"child": "../x"}, "invalid_request"),
    ],
)
def test_malformed_filters_are_400s_with_a_code(
    aws: Aws, centre: Centre, query: dict[str, str], code: str
) -> None:
    response = _get(centre.director_session, "/audit/entries", query)
    assert response["statusCode"] == 400, response.get("body")
    answer = payload(response)
    assert code in {answer["error"], answer.get("reason")}, answer


def test_who_saw_needs_a_child(aws: Aws, centre: Centre) -> None:
    response = _get(centre.director_session, "/audit/who-saw")
    assert response["statusCode"] == 400
    assert payload(response)["error"] == "invalid_request"
