"""The consent campaign's routes (issue 18, item 2): directors of their own centre only (an
animator or a family is refused before anything is read or sent, no session is 401),
malformed bodies are 400 with stable codes and send nothing, another centre's group is "not
found", and one centre's campaign is invisible to another."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Aws, LambdaContext, api_event
from tests.integration.auth_helpers import SentMail
from tests.integration.scenario import Scenario, build

ROUTES = [
    ("GET", "campaign", None),
    ("POST", "campaign", {"season": "2026-2027"}),
    ("POST", "campaign/send", None),
    ("POST", "campaign/reminders", None),
    ("POST", "campaign/close", None),
]


def campaign_mail(outbox: list[SentMail]) -> list[SentMail]:
    return [m for m in outbox if "votre accord pour les photos de la saison" in m.subject]


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


@pytest.fixture
def centre(aws: Aws) -> Scenario:
    return build()


@pytest.mark.parametrize(("method", "path", "payload"), ROUTES)
def test_an_animator_and_a_family_are_refused_and_nothing_is_sent(
    centre: Scenario, outbox: list[SentMail], method: str, path: str, payload: Any
) -> None:
    as_animator = centre.admin(method, path, payload, session=centre.animator)
    assert as_animator["statusCode"] == 403, as_animator
    as_family = centre.admin(method, path, payload, session=centre.families["g1"].session)
    assert as_family["statusCode"] in (401, 403), as_family
    assert "famille.example" not in as_animator["body"] + as_family["body"]
    assert campaign_mail(outbox) == []


@pytest.mark.parametrize(("method", "path", "payload"), ROUTES)
def test_no_session_is_401(centre: Scenario, method: str, path: str, payload: Any) -> None:
    from functions.admin.handler import handler

    response = handler(api_event(method, f"/api/admin/{path}", body=payload), LambdaContext())
    assert response["statusCode"] == 401


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"season": ""},
        {"season": "x" * 61},
        {"season": 2026},
        {"season": None},
        {"season": "2026", "reminder_days": 0},
        {"season": "2026", "reminder_days": 31},
        {"season": "2026", "reminder_days": "7"},
        {"season": "2026", "reminder_days": 7.5},
        {"season": "2026", "reminder_days": True},
        {"season": "2026", "max_reminders": 6},
        {"season": "2026", "max_reminders": -1},
        {"season": "2026", "group_ids": "loutres"},
        {"season": "2026", "group_ids": ["../x"]},
        {"season": "2026", "group_ids": [1]},
        {"season": "2026", "group_ids": [f"g{n}" for n in range(101)]},
        {"season": "2026", "audience": "all"},
        ["2026"],
        "2026",
    ],
)
def test_a_malformed_start_is_400_and_sends_nothing(
    centre: Scenario, outbox: list[SentMail], payload: Any
) -> None:
    response = centre.admin("POST", "campaign", payload)
    assert response["statusCode"] == 400, response
    answer = body(response)
    expected = ("invalid_request",) if isinstance(payload, dict) else ("json_object_expected",)
    assert answer.get("reason", answer["error"]) in expected or answer["error"] in expected
    assert campaign_mail(outbox) == []
    assert body(centre.admin("GET", "campaign"))["campaign"] is None


def test_a_blank_season_is_refused_with_its_own_code(
    centre: Scenario, outbox: list[SentMail]
) -> None:
    response = centre.admin("POST", "campaign", {"season": "   "})
    assert response["statusCode"] == 400
    assert body(response)["reason"] == "campaign_season_invalid"
    assert campaign_mail(outbox) == []


def test_another_centres_group_is_not_found_and_its_campaign_is_invisible(
    centre: Scenario, outbox: list[SentMail]
) -> None:
    other = build()
    foreign = centre.admin(
        "POST", "campaign", {"season": "2026", "group_ids": [other.groups["loutres"]]}
    )
    assert foreign["statusCode"] == 404, foreign
    assert campaign_mail(outbox) == []
    assert centre.ok(centre.admin("POST", "campaign", {"season": "2026"}), 201)
    seen = body(other.admin("GET", "campaign"))
    assert seen["campaign"] is None
    assert seen["children"] == []
    # The other centre's director can neither remind nor close this centre's campaign.
    for path in ("campaign/reminders", "campaign/send", "campaign/close"):
        response = other.admin("POST", path)
        assert response["statusCode"] == 409, response
        assert body(response)["reason"] == "campaign_not_open"
    assert body(centre.admin("GET", "campaign"))["campaign"]["open"] is True
    mailed = sorted(m.to[0] for m in campaign_mail(outbox))
    assert mailed == [f"g{n}@famille.example" for n in (1, 2, 3, 4)]
    assert len(mailed) == 4  # this centre's four guardians only (both centres use the names)


def test_the_logs_carry_no_address(
    centre: Scenario, outbox: list[SentMail], capsys: pytest.CaptureFixture[str]
) -> None:
    centre.ok(centre.admin("POST", "campaign", {"season": "2026"}), 201)
    captured = capsys.readouterr()
    assert "famille.example" not in captured.out + captured.err
    assert len(campaign_mail(outbox)) == 4
