"""``GET /api/admin/reports/weekly-coverage`` (issue 18, item 9): directors only, their own
centre only, a malformed or future week is a 400; and the report it answers is the one the
directors receive by e-mail (per group, children tagged on at most one of the week's items)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Aws, LambdaContext, api_event
from tests.integration.coverage_helpers import NEXT_MONDAY, fresh_sessions, published_week
from tests.integration.purge_helpers import move_clock_to
from tests.integration.scenario import Scenario, build

ROUTE = "/api/admin/reports/weekly-coverage"


def call(session: str, week: str | None = None) -> dict[str, Any]:
    from functions.admin.handler import handler

    event = api_event("GET", ROUTE, session=session)
    if week is not None:
        event["queryStringParameters"] = {"week": week}
        event["rawQueryString"] = f"week={week}"
    result: dict[str, Any] = handler(event, LambdaContext())
    return result


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


@pytest.fixture
def centre(aws: Aws) -> Scenario:
    scenario = published_week(aws)
    move_clock_to(NEXT_MONDAY)
    return fresh_sessions(scenario)


def test_the_director_sees_the_weeks_report_per_group(centre: Scenario) -> None:
    for week in (None, "2026-W49"):
        response = call(centre.director, week)
        assert response["statusCode"] == 200, response
        found = body(response)
        assert found["week"] == "2026-W49"
        assert found["first_day"] == "2026-11-30"
        assert found["last_day"] == "2026-12-06"
        assert found["items"] == 2
        assert found["previous_week"] == "2026-W48"
        assert found["next_week"] == "2026-W50"
        listed = {
            g["name"]: [(c["name"], c["items"]) for c in g["children"]] for g in found["groups"]
        }
        assert listed == {"loutres": [("Lea X.", 0)], "renards": [("Zoe X.", 1)]}
    # The current week: nothing published yet, everyone listed; no next week
    current = body(call(centre.director, "2026-W50"))
    assert current["items"] == 0
    assert current["next_week"] is None


def test_an_animator_is_refused(centre: Scenario) -> None:
    response = call(centre.animator)
    assert response["statusCode"] == 403
    assert "Lea" not in response["body"]


def test_another_centre_never_sees_this_one(centre: Scenario) -> None:
    other = build()
    found = body(call(other.director, "2026-W49"))
    assert found["items"] == 0
    names = {c["child_id"] for g in found["groups"] for c in g["children"]}
    assert names.isdisjoint(set(centre.children.values()))
    assert names == set(other.children.values())


def test_no_session_is_401(centre: Scenario) -> None:
    from functions.admin.handler import handler

    response = handler(api_event("GET", ROUTE), LambdaContext())
    assert response["statusCode"] == 401


@pytest.mark.parametrize(
    "week",
    ["2026-W54", "2025-W53", "2026-W00", "2026W49", "2026-w49", "x" * 300, "2026-W5", "2027-W01"],
)
def test_a_malformed_missing_or_future_week_is_400(centre: Scenario, week: str) -> None:
    response = call(centre.director, week)
    assert response["statusCode"] == 400, response
