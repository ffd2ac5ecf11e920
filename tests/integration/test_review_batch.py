"""Approve in bulk (issue 18, item 5): the items that pass the gate are published, each with
its audit entry; the others stay waiting and the answer says why, item by item."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Aws
from tests.integration.scenario import Scenario, build, give
from tests.integration.test_publication_flow import GROUP, media, tag, upload_photo


@pytest.fixture
def centre(aws: Aws) -> Scenario:
    return build()


def batch(centre: Scenario, payload: Any, session: str | None = None) -> dict[str, Any]:
    return centre.admin("POST", "review/approve-batch", payload, session=session)


def publications(centre: Scenario) -> list[dict[str, Any]]:
    from pellicule.services import audit

    return [r for r in audit.export_rows(centre.tenant_id) if r["action"] == "publication"]


def test_a_batch_publishes_what_is_ready_and_says_why_for_the_rest(
    aws: Aws, centre: Scenario
) -> None:
    from pellicule.services import audit

    centre.ok(give(centre, "g3", "noah", [GROUP]))
    noah = upload_photo(aws, centre)
    centre.ok(tag(centre, noah, "noah"))
    nobody = upload_photo(aws, centre)
    centre.ok(
        centre.admin(
            "PUT", f"media/{nobody}/tags", {"no_identifiable_child": True}, session=centre.animator
        )
    )
    untagged = upload_photo(aws, centre)
    zoe = upload_photo(aws, centre)  # Zoé has no consent, her face is not blurred
    centre.ok(tag(centre, zoe, "zoe"))
    ids = [noah, untagged, nobody, zoe, "nosuchitem"]

    answer = centre.ok(batch(centre, {"items": [{"media_id": i} for i in ids]}))

    outcomes = {r["media_id"]: (r["outcome"], r["reason"]) for r in answer["results"]}
    assert [r["media_id"] for r in answer["results"]] == ids  # in the order sent
    assert outcomes == {
        noah: ("approved", None),
        nobody: ("approved", None),
        untagged: ("refused", "publication_refused"),
        zoe: ("refused", "publication_refused"),
        "nosuchitem": ("refused", "media_not_found"),
    }
    assert (answer["approved"], answer["unchanged"], answer["refused"]) == (2, 0, 3)
    [refused] = [r for r in answer["results"] if r["media_id"] == untagged]
    assert "untagged_without_flag" in refused["params"]["problems"]
    # the words, never the code
    assert "aucun enfant identifié" in refused["message"]["fr"]
    assert "untagged" not in refused["message"]["fr"] + refused["message"]["en"]
    assert refused["item"] is None
    assert [media(centre, i).state for i in (noah, nobody, untagged, zoe)] == [
        "published",
        "published",
        "ready",
        "ready",
    ]
    # one audit entry per approval, like a single approval's, and the chain holds
    entries = publications(centre)
    assert sorted(e["subject"] for e in entries) == sorted([f"media:{noah}", f"media:{nobody}"])
    assert all(e["actor"] == "staff:dir-1" for e in entries)
    assert audit.verify(centre.tenant_id).ok


def test_sending_a_batch_again_changes_nothing(aws: Aws, centre: Scenario) -> None:
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    noah = upload_photo(aws, centre)
    centre.ok(tag(centre, noah, "noah"))
    payload = {"items": [{"media_id": noah}], "audiences": [GROUP]}
    first = centre.ok(batch(centre, payload))
    assert first["results"][0]["outcome"] == "approved"
    assert first["results"][0]["item"]["published_audiences"] == [GROUP]
    count = len(publications(centre))
    again = centre.ok(batch(centre, payload))
    assert again["results"][0]["outcome"] == "unchanged"
    assert (again["approved"], again["unchanged"], again["refused"]) == (0, 1, 0)
    assert len(publications(centre)) == count


def test_a_rejected_item_and_an_id_sent_twice(aws: Aws, centre: Scenario) -> None:
    rejected = upload_photo(aws, centre)
    centre.ok(
        centre.admin("POST", f"media/{rejected}/review", {"decision": "reject", "reason": "floue"})
    )
    answer = centre.ok(batch(centre, {"items": [{"media_id": rejected}, {"media_id": rejected}]}))
    assert [(r["outcome"], r["reason"]) for r in answer["results"]] == [
        ("refused", "media_not_awaiting_review")
    ]
    assert media(centre, rejected).state == "rejected"


def test_per_item_audiences_win_over_the_batch_default(aws: Aws, centre: Scenario) -> None:
    nobody = upload_photo(aws, centre)
    centre.ok(centre.admin("PUT", f"media/{nobody}/tags", {"no_identifiable_child": True}))
    answer = centre.ok(
        batch(
            centre,
            {
                "items": [{"media_id": nobody, "audiences": ["all_families_of_centre"]}],
                "audiences": [GROUP],
            },
        )
    )
    assert answer["results"][0]["item"]["published_audiences"] == ["all_families_of_centre"]


def test_an_animator_may_not_approve_in_bulk(aws: Aws, centre: Scenario) -> None:
    nobody = upload_photo(aws, centre)
    centre.ok(centre.admin("PUT", f"media/{nobody}/tags", {"no_identifiable_child": True}))
    response = batch(centre, {"items": [{"media_id": nobody}]}, session=centre.animator)
    assert response["statusCode"] == 403
    assert json.loads(response["body"])["reason"] == "validation_directors_only"
    assert media(centre, nobody).state == "ready"
    assert publications(centre) == []


def test_a_long_batch_leaves_what_it_had_no_time_for_as_it_was(
    aws: Aws, centre: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.admin import review_batch

    ids = [upload_photo(aws, centre) for _ in range(2)]
    for media_id in ids:
        centre.ok(centre.admin("PUT", f"media/{media_id}/tags", {"no_identifiable_child": True}))
    monkeypatch.setattr(review_batch, "BUDGET_SECONDS", -1.0)  # no time after the first item
    answer = centre.ok(batch(centre, {"items": [{"media_id": i} for i in ids]}))
    assert [(r["outcome"], r["reason"]) for r in answer["results"]] == [
        ("approved", None),
        ("refused", "review_batch_not_reached"),
    ]
    assert "Relancez" in answer["results"][1]["message"]["fr"]
    assert [media(centre, i).state for i in ids] == ["published", "ready"]
    # sent again, it goes through
    monkeypatch.setattr(review_batch, "BUDGET_SECONDS", 10.0)
    again = centre.ok(batch(centre, {"items": [{"media_id": i} for i in ids]}))
    assert [r["outcome"] for r in again["results"]] == ["unchanged", "approved"]
