"""``GET /api/admin/home`` (issue 18, item 4): directors only, their own centre only - another
centre's items, erasure requests, consents and purge runs are never counted nor named - hostile
query strings and bodies change nothing, and the route reads the centre's partition in a few
bounded queries, never a Scan (DESIGN "Scale targets")."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from pynamodb.connection.base import Connection

from pellicule.config import clock
from tests.conftest import Aws, Centre, LambdaContext, api_event
from tests.integration.helpers import drain, put_as_browser, request_grant
from tests.integration.purge_helpers import move_clock_to, purge
from tests.integration.scenario import Scenario, build, consent_text_hash
from tests.support.images import jpeg_with_metadata

ROUTE = "/api/admin/home"
DAY = 24 * 3600


def call(session: str | None, **extra: Any) -> dict[str, Any]:
    from functions.admin.handler import handler

    event = api_event("GET", ROUTE, session=session)
    event.update(extra)
    result: dict[str, Any] = handler(event, LambdaContext())
    return result


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


@pytest.fixture
def centre(aws: Aws) -> Scenario:
    """A centre with a waiting item, an open erasure request, a consent ending in 10 days and
    a purge run."""
    move_clock_to("2026-12-02T10:00:00")
    scenario = build()
    as_centre = Centre(scenario.tenant_id, scenario.album_id, scenario.animator, "")
    data = jpeg_with_metadata((320, 240))
    grant = request_grant(as_centre, data)
    put_as_browser(aws, grant, data)
    drain(aws)
    scenario.ok(
        scenario.family(
            "g4",
            "POST",
            f"children/{scenario.children['zoe']}/consent",
            {
                "audiences": ["families_of_group"],
                "media_kinds": ["photo"],
                "text_sha256": consent_text_hash(),
                "valid_until": int(clock.now()) + 10 * DAY,
            },
        )
    )
    scenario.ok(
        scenario.family(
            "g3",
            "POST",
            f"children/{scenario.children['noah']}/erasure-request",
            {"confirm": True},
        )
    )
    purge()
    return scenario


def test_the_director_sees_their_centre(centre: Scenario) -> None:
    found = body(call(centre.director))
    assert found["waiting"]["count"] == 1
    assert [e["child_name"] for e in found["erasures"]] == ["Noah X."]
    assert [c["child_name"] for c in found["consents_ending"]["first"]] == ["Zoe X."]
    assert found["last_purge"]["status"] == "done"


@pytest.mark.parametrize("who", ["animator", "guardian"])
def test_animators_and_families_are_refused(centre: Scenario, who: str) -> None:
    session = centre.animator if who == "animator" else centre.families["g3"].session
    response = call(session)
    assert response["statusCode"] == 403
    assert "Noah" not in response["body"]
    assert "Zoe" not in response["body"]


def test_no_session_is_401(centre: Scenario) -> None:
    assert call(None)["statusCode"] == 401


def test_another_centre_never_counts_this_one(centre: Scenario) -> None:
    other = build()
    response = call(other.director)
    found = body(response)
    assert found["waiting"] == {"count": 0, "oldest_at": None, "complete": True}
    assert found["erasures"] == []
    assert found["consents_ending"]["count"] == 0
    assert found["consents_ending"]["first"] == []
    for child_id in centre.children.values():
        assert child_id not in response["body"]
    assert found["last_purge"] is None  # created after the purge ran: no run of its own


@pytest.mark.parametrize(
    "extra",
    [
        {"rawQueryString": "tenant=x&centre=y", "queryStringParameters": {"tenant": "x"}},
        {"body": '{"tenant_id": "t0000000000"}'},
        {"body": "\x00" * 5000},
        {"rawQueryString": "a=" + "%" * 3000, "queryStringParameters": {"a": "%" * 3000}},
    ],
)
def test_hostile_queries_and_bodies_change_nothing(centre: Scenario, extra: dict) -> None:
    expected = body(call(centre.director))
    response = call(centre.director, **extra)
    assert response["statusCode"] == 200
    found = body(response)
    assert found["waiting"] == expected["waiting"]
    assert [e["child_id"] for e in found["erasures"]] == [
        e["child_id"] for e in expected["erasures"]
    ]
    assert found["consents_ending"]["count"] == expected["consents_ending"]["count"]


def test_the_home_reads_in_bounded_queries_never_a_scan(
    centre: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: Counter[str] = Counter()
    real = Connection.dispatch

    def dispatch(self: Connection, operation: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        calls[operation] += 1
        if operation == "Query":
            # Every query names one centre's partition (or the caller's session)
            values = json.dumps(kwargs.get("ExpressionAttributeValues", {}))
            assert centre.tenant_id in values or "SESSION" in values, kwargs
            assert "IndexName" not in kwargs, kwargs
        response: dict[str, Any] = real(self, operation, kwargs)
        return response

    with monkeypatch.context() as patch:
        patch.setattr(Connection, "dispatch", dispatch)
        assert call(centre.director)["statusCode"] == 200
    assert calls["Scan"] == 0
    assert calls["Query"] <= 6, calls
