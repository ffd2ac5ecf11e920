"""Attacks on a child's souvenir pack link (``POST /api/family/souvenir``): a wrong, forged,
expired or someone else's token, malformed bodies, no anti-CSRF header, a GET, too many
tries - each gets a stable 4xx, never the zip; only the token's SHA-256 is stored and no token
reaches the logs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Aws, api_event
from tests.integration.auth_helpers import SentMail
from tests.integration.helpers import body, call
from tests.integration.scenario import Scenario, build, give
from tests.integration.test_album_archive import build_archives, published
from tests.integration.test_child_souvenir import packs_mailed

GROUP = "families_of_group"
INVALID = "invalid_souvenir_link"


def send(raw: str, *, csrf: bool = True, method: str = "POST") -> dict[str, Any]:
    event = api_event(method, "/api/family/souvenir", csrf=csrf)
    event["body"] = raw
    return call("family", event)


def redeem(token: Any) -> dict[str, Any]:
    return send(json.dumps({"token": token}))


@pytest.fixture
def tokens(aws: Aws, outbox: list[SentMail]) -> dict[str, Any]:
    """Léa (two guardians, g1 and g2) leaves: one pack each, built."""
    centre: Scenario = build()
    centre.ok(give(centre, "g1", "lea", [GROUP]))
    centre.ok(give(centre, "g2", "lea", [GROUP]))
    published(aws, centre, "lea")
    centre.ok(centre.admin("POST", f"children/{centre.children['lea']}/archive"))
    build_archives(aws)
    mailed = packs_mailed(outbox)
    return {"g1": mailed["g1@famille.example"], "g2": mailed["g2@famille.example"], "c": centre}


def refused(response: dict[str, Any]) -> None:
    assert response["statusCode"] == 400, response
    assert body(response)["error"] == INVALID
    assert "url" not in body(response)


def test_each_guardian_gets_their_own_pack_and_nothing_else(tokens: dict[str, Any]) -> None:
    first, second = body(redeem(tokens["g1"])), body(redeem(tokens["g2"]))
    assert first["status"] == second["status"] == "ready"
    assert first["url"] != second["url"]


def test_forged_swapped_and_truncated_tokens_get_the_one_answer(tokens: dict[str, Any]) -> None:
    tenant, pack, secret = tokens["g1"].split(".")
    _, other_pack, other_secret = tokens["g2"].split(".")
    for forged in (
        f"{tenant}.{pack}.{other_secret}",  # another guardian's secret on this pack
        f"{tenant}.{other_pack}.{secret}",  # this secret on another guardian's pack
        f"{tenant}.{pack}.{'A' * 43}",  # a made-up secret
        f"tother.{pack}.{secret}",  # another centre
        f"{tenant}.{pack}.{secret[:-1]}",  # truncated
        f"{tenant}.{pack}.{secret}x",
        f"{tenant}.{pack}",
        "",
    ):
        refused(redeem(forged))


def test_an_expired_token_no_longer_works(tokens: dict[str, Any]) -> None:
    from pellicule.config import clock, topology

    assert redeem(tokens["g1"])["statusCode"] == 200
    clock.advance(topology.ARCHIVE_EXPIRATION_DAYS * 24 * 3600 + 1)
    refused(redeem(tokens["g1"]))


@pytest.mark.parametrize("token", [12, ["x"], "x" * 5000, {"a": "b"}, None, True])
def test_a_malformed_token_gets_the_one_answer(aws: Aws, token: Any) -> None:
    refused(redeem(token))


def test_malformed_bodies_get_stable_4xx(aws: Aws) -> None:
    for raw in ("{", "[]", '"token"', "null", '{"token": "a.b.c", "guardian_id": "g1"}'):
        response = send(raw)
        assert 400 <= response["statusCode"] < 500, (raw, response)
        assert body(response)["error"] in ("bad_request", "invalid_request", INVALID), raw


def test_without_the_anti_csrf_header_or_by_get_nothing_is_answered(
    tokens: dict[str, Any],
) -> None:
    response = send(json.dumps({"token": tokens["g1"]}), csrf=False)
    assert response["statusCode"] == 403
    assert body(response)["reason"] == "csrf_header_missing"
    opened = send("", method="GET")  # a mail scanner following a link reaches no route
    assert opened["statusCode"] in (404, 405)


def test_only_the_hash_is_stored_and_no_token_is_logged(
    tokens: dict[str, Any], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    from pellicule.store import archives

    centre: Scenario = tokens["c"]
    for who in ("g1", "g2"):
        _, pack, secret = tokens[who].split(".")
        job = archives.get(centre.tenant_id, pack)
        assert job is not None
        assert secret not in json.dumps(job.attribute_values, default=str)
        redeem(tokens[who])
    redeem(f"{centre.tenant_id}.{pack}.{'B' * 43}")
    logged = capsys.readouterr().out + caplog.text
    for who in ("g1", "g2"):
        assert tokens[who].split(".")[2] not in logged
        assert f"{who}@famille.example" not in logged
    assert "B" * 43 not in logged


def test_too_many_tries_from_one_address_are_refused(aws: Aws) -> None:
    answers = [redeem(f"t1.p1.{'C' * 43}")["statusCode"] for _ in range(31)]
    assert answers[:30] == [400] * 30
    assert answers[30] == 429
