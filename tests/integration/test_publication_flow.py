"""Upload, tag, validate, publish, read through the gate, withdraw, revoke served copies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Aws, Centre
from tests.integration.helpers import call, drain, put_as_browser, request_grant
from tests.integration.scenario import Scenario, build, give
from tests.support.images import jpeg_with_metadata

GROUP = "families_of_group"
CENTRE = "all_families_of_centre"


@pytest.fixture
def centre(aws: Aws) -> Scenario:
    return build()


def upload_photo(aws: Aws, centre: Scenario) -> str:
    """A processed photo in the loutres' album, uploaded by the animator."""
    as_centre = Centre(centre.tenant_id, centre.album_id, centre.animator, "")
    data = jpeg_with_metadata((640, 480))
    grant = request_grant(as_centre, data)
    put_as_browser(aws, grant, data)
    drain(aws)
    media_id: str = grant["media_id"]
    return media_id


def media(centre: Scenario, media_id: str) -> Any:
    from pellicule.store.models import Media, tenant_pk

    return Media.get(tenant_pk(centre.tenant_id), f"MEDIA#{media_id}", consistent_read=True)


def tag(centre: Scenario, media_id: str, *children: str, session: str | None = None) -> Any:
    return centre.admin(
        "PUT",
        f"media/{media_id}/tags",
        {"child_ids": [centre.children[c] for c in children]},
        session=session or centre.animator,
    )


def approve(centre: Scenario, media_id: str, **extra: Any) -> dict[str, Any]:
    """Approve (and so publish), then deliver the change as the table's stream would."""
    before = media(centre, media_id).serialize()
    response = centre.admin("POST", f"media/{media_id}/review", {"decision": "approve", **extra})
    propagate(centre, media_id, before)
    return response


def propagate(centre: Scenario, media_id: str, old_image: dict[str, Any]) -> None:
    """The stream record of one media change, handed to the revocation function."""
    from functions.revocation.handler import handler

    result = handler(stream_event(("MODIFY", media(centre, media_id), old_image)), None)
    assert result == {"batchItemFailures": []}


def blur(aws: Aws, centre: Scenario, media_id: str, *children: str) -> None:
    response = call(
        "upload",
        _event(
            "PUT",
            f"/api/upload/media/{media_id}/faces",
            {"boxes": [[0.1, 0.1, 0.2, 0.2]], "hides": [centre.children[c] for c in children]},
            centre.animator,
        ),
    )
    assert response["statusCode"] == 200, response
    drain(aws)


def _event(method: str, path: str, payload: Any, session: str) -> dict[str, Any]:
    from tests.conftest import api_event

    return api_event(method, path, body=payload, session=session)


def stream_event(*items: tuple[str, Any, Any]) -> dict[str, Any]:
    """A DynamoDB stream event as Lambda delivers it: (eventName, new item, old item)."""
    records = []
    for number, (name, new, old) in enumerate(items, start=1):
        change: dict[str, Any] = {
            "Keys": {"pk": {"S": new.pk}, "sk": {"S": new.sk}},
            "SequenceNumber": f"{number:021d}",
            "StreamViewType": "NEW_AND_OLD_IMAGES",
            "NewImage": new.serialize(),
        }
        if old is not None:
            change["OldImage"] = old
        records.append({"eventID": str(number), "eventName": name, "dynamodb": change})
    return {"Records": records}


def latest_consent_event(centre: Scenario, child: str) -> Any:
    from pellicule.store.models import ConsentEvent, tenant_pk

    return list(
        ConsentEvent.query(
            tenant_pk(centre.tenant_id),
            ConsentEvent.sk.startswith(f"CONSENTLOG#{centre.children[child]}#"),
        )
    )[-1]


def family_album(centre: Scenario, who: str) -> dict[str, Any]:
    return centre.family(who, "GET", f"albums/{centre.album_id}")


def test_an_item_is_publishable_only_when_the_gate_allows_it(aws: Aws, centre: Scenario) -> None:
    media_id = upload_photo(aws, centre)
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    # An untagged item is not publishable
    refused = approve(centre, media_id)
    assert refused["statusCode"] == 409
    answer = json.loads(refused["body"])
    assert answer["reason"] == "publication_refused"
    assert "untagged_without_flag" in answer["params"]["problems"]
    # said in words, never as the gate's code
    assert "aucun enfant identifié" in answer["message"]["fr"]
    assert "untagged" not in answer["message"]["fr"] + answer["message"]["en"]
    # Tagged with Noah (consent) and Zoé (none): refused, no blurred variant
    centre.ok(tag(centre, media_id, "noah", "zoe"))
    refused = approve(centre, media_id)
    assert refused["statusCode"] == 409
    answer = json.loads(refused["body"])
    assert answer["reason"] == "publication_refused"
    assert f"no_consent:{centre.children['zoe']}" in answer["params"]["problems"]
    assert media(centre, media_id).state == "ready"
    # Zoé's face blurred: published, served blurred
    blur(aws, centre, media_id, "zoe")
    published = centre.ok(approve(centre, media_id))
    assert published["state"] == "published"
    assert published["published_audiences"] == [GROUP]
    assert published["gate"][GROUP]["visibility"] == "blurred"


def test_no_identifiable_child_flag_publishes_to_the_whole_centre(
    aws: Aws, centre: Scenario
) -> None:
    media_id = upload_photo(aws, centre)
    centre.ok(
        centre.admin(
            "PUT",
            f"media/{media_id}/tags",
            {"no_identifiable_child": True},
            session=centre.animator,
        )
    )
    centre.ok(approve(centre, media_id, audiences=[CENTRE]))
    # Zoé's guardian (another group) sees it: it was published to every family
    album = centre.ok(family_album(centre, "g4"))
    assert [i["media_id"] for i in album["items"]] == [media_id]
    assert album["items"][0]["blurred"] is False


def test_flag_and_tags_together_are_refused(aws: Aws, centre: Scenario) -> None:
    media_id = upload_photo(aws, centre)
    response = centre.admin(
        "PUT",
        f"media/{media_id}/tags",
        {"child_ids": [centre.children["noah"]], "no_identifiable_child": True},
    )
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["reason"] == "tags_with_no_identifiable_child"
    assert not media(centre, media_id).tagged_child_ids


def test_reject_needs_a_reason_and_keeps_the_item_from_families(aws: Aws, centre: Scenario) -> None:
    media_id = upload_photo(aws, centre)
    assert (
        centre.admin("POST", f"media/{media_id}/review", {"decision": "reject"})["statusCode"]
        == 400
    )
    rejected = centre.ok(
        centre.admin("POST", f"media/{media_id}/review", {"decision": "reject", "reason": "floue"})
    )
    assert rejected["state"] == "rejected"
    assert rejected["rejection_reason"] == "floue"
    queue = centre.ok(centre.admin("GET", "queue"))
    assert media_id not in [i["media_id"] for i in queue["items"]]


def test_the_queue_lists_processed_items_with_the_gate_preview(aws: Aws, centre: Scenario) -> None:
    media_id = upload_photo(aws, centre)
    centre.ok(tag(centre, media_id, "noah"))
    queue = centre.ok(centre.admin("GET", "queue", session=centre.animator))
    [item] = [i for i in queue["items"] if i["media_id"] == media_id]
    assert item["gate"][GROUP]["uncovered_child_ids"] == [centre.children["noah"]]
    assert item["gate"][GROUP]["visibility"] == "hidden"


def test_families_see_only_what_the_gate_allows_on_every_read(aws: Aws, centre: Scenario) -> None:
    media_id = upload_photo(aws, centre)
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    centre.ok(tag(centre, media_id, "noah"))
    centre.ok(approve(centre, media_id))
    # Noah's and Léa's families (same group) see it clean; Zoé's (another group) do not
    for who in ("g3", "g1"):
        album = centre.ok(family_album(centre, who))
        assert [i["media_id"] for i in album["items"]] == [media_id]
        assert album["items"][0]["blurred"] is False
        assert "web" in album["items"][0]["renditions"]
    assert family_album(centre, "g4")["statusCode"] == 404
    assert centre.family("g4", "GET", f"media/{media_id}/download")["statusCode"] == 404
    # When Noah's guardian withdraws, the very next read hides it (before any propagation)
    centre.ok(centre.family("g3", "POST", f"children/{centre.children['noah']}/consent/withdraw"))
    assert family_album(centre, "g1")["statusCode"] == 404
    assert centre.family("g1", "GET", f"media/{media_id}/download")["statusCode"] == 404
    assert centre.ok(centre.family("g1", "GET", "albums"))["albums"] == []


def test_a_blurred_item_never_hands_out_clean_keys(aws: Aws, centre: Scenario) -> None:
    media_id = upload_photo(aws, centre)
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    centre.ok(tag(centre, media_id, "noah", "lea"))
    blur(aws, centre, media_id, "lea")
    centre.ok(approve(centre, media_id))
    item = media(centre, media_id)
    clean_keys = {v["key"] for v in item.renditions.as_dict().values()}
    album = centre.ok(family_album(centre, "g3"))
    served = str(album)
    assert album["items"][0]["blurred"] is True
    assert not any(key in served for key in clean_keys)
    download = centre.ok(centre.family("g3", "GET", f"media/{media_id}/download"))
    assert download["blurred"] is True
    assert not any(key in download["url"] for key in clean_keys)


def test_an_album_cover_is_never_a_blurred_item(aws: Aws, centre: Scenario) -> None:
    from urllib.parse import urlsplit

    # Given an album whose only item reaches Noah's family blurred (Léa is hidden)
    blurred = upload_photo(aws, centre)
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    centre.ok(tag(centre, blurred, "noah", "lea"))
    blur(aws, centre, blurred, "lea")
    centre.ok(approve(centre, blurred))

    def cover() -> Any:
        [album] = centre.ok(centre.family("g3", "GET", "albums"))["albums"]
        return album["cover"]

    # Then the album has no cover rather than a blurred one
    assert cover() is None
    # When an item shown as it is joins the album, it is the cover, wherever it is listed
    clear = upload_photo(aws, centre)
    centre.ok(tag(centre, clear, "noah"))
    centre.ok(approve(centre, clear))
    items = {i["media_id"]: i for i in centre.ok(family_album(centre, "g3"))["items"]}
    assert (items[blurred]["blurred"], items[clear]["blurred"]) == (True, False)
    path = urlsplit(cover()["url"]).path
    assert path == urlsplit(items[clear]["renditions"]["thumb"]["url"]).path


def object_versions(aws: Aws, key: str) -> list[Any]:
    listed = aws.client("s3").list_object_versions(Bucket=aws.names.media_bucket, Prefix=key)
    return [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]


def invalidation_ids(aws: Aws) -> set[str]:
    """Every invalidation ever created on the account's distribution (moto keeps them)."""
    listed = aws.client("cloudfront").list_invalidations(DistributionId=aws.distribution_id)
    return {summary["Id"] for summary in listed["InvalidationList"].get("Items", [])}


def served_keys(centre: Scenario, media_id: str) -> list[str]:
    from pellicule.services import publication

    entries = publication.served(media(centre, media_id))
    return sorted(key for entry in entries.values() for key in publication.served_keys(entry))


def test_families_are_served_copies_never_the_staff_keys(aws: Aws, centre: Scenario) -> None:
    media_id = upload_photo(aws, centre)
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    centre.ok(tag(centre, media_id, "noah"))
    centre.ok(approve(centre, media_id))
    item = media(centre, media_id)
    staff_keys = {v["key"] for v in item.renditions.as_dict().values()}
    album = centre.ok(family_album(centre, "g1"))
    urls = [r["url"] for r in album["items"][0]["renditions"].values()]
    prefix = f"/media/t/{centre.tenant_id}/s/{centre.album_id}/g.{centre.groups['loutres']}/"
    assert urls
    assert all(prefix in url for url in urls)
    assert not any(key in url for key in staff_keys for url in urls)
    # Every served copy is a byte-for-byte copy of the rendition it stands for
    s3 = aws.client("s3")
    for name, info in publication_entry(centre, media_id)["r"].items():
        copy = s3.get_object(Bucket=aws.names.media_bucket, Key=info["key"])["Body"].read()
        original = item.renditions.as_dict()[name]["key"]
        source = s3.get_object(Bucket=aws.names.media_bucket, Key=original)["Body"].read()
        assert copy == source


def publication_entry(centre: Scenario, media_id: str) -> dict[str, Any]:
    from pellicule.services import publication

    [entry] = publication.served(media(centre, media_id)).values()
    return entry


def test_withdrawal_deletes_served_copies_without_invalidating(aws: Aws, centre: Scenario) -> None:
    from functions.revocation.handler import handler
    from pellicule.services import audit

    media_id = upload_photo(aws, centre)
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    centre.ok(tag(centre, media_id, "noah"))
    centre.ok(approve(centre, media_id))
    staff_keys = [v["key"] for v in media(centre, media_id).renditions.as_dict().values()]
    old_keys = served_keys(centre, media_id)
    assert old_keys
    centre.ok(family_album(centre, "g1"))  # a family received signed links to those copies
    invalidations_before = invalidation_ids(aws)
    centre.ok(centre.family("g3", "POST", f"children/{centre.children['noah']}/consent/withdraw"))
    # When the stream delivers the history entry
    result = handler(stream_event(("INSERT", latest_consent_event(centre, "noah"), None)), None)
    assert result == {"batchItemFailures": []}
    # Then the item is hidden, no version of the served copies is left (the edge forgets them
    # within its TTL: no CDN invalidation); staff keep the item (it may be blurred and
    # published again)
    item = media(centre, media_id)
    assert item.state == "hidden"
    assert served_keys(centre, media_id) == []
    for key in old_keys:
        assert object_versions(aws, key) == []
    for key in staff_keys:
        assert object_versions(aws, key)
    assert invalidation_ids(aws) == invalidations_before
    assert [r for r in audit.export_rows(centre.tenant_id) if r["action"] == "unpublication"]
    # A second delivery of the same record changes nothing
    before = media(centre, media_id).serialize()
    handler(stream_event(("INSERT", latest_consent_event(centre, "noah"), None)), None)
    assert media(centre, media_id).serialize() == before


def withdraw_and_propagate(centre: Scenario, who: str, child: str) -> None:
    """A guardian withdraws, and the stream delivers the history entry."""
    from functions.revocation.handler import handler

    centre.ok(centre.family(who, "POST", f"children/{centre.children[child]}/consent/withdraw"))
    result = handler(stream_event(("INSERT", latest_consent_event(centre, child), None)), None)
    assert result == {"batchItemFailures": []}


def give_and_propagate(centre: Scenario, who: str, child: str, audiences: list[str]) -> None:
    """A guardian gives consent, and the stream delivers the history entry."""
    from functions.revocation.handler import handler

    centre.ok(give(centre, who, child, audiences))
    result = handler(stream_event(("INSERT", latest_consent_event(centre, child), None)), None)
    assert result == {"batchItemFailures": []}


def test_consent_given_again_brings_the_items_back(aws: Aws, centre: Scenario) -> None:
    """Issue 13, item 7: restoring a consent restores what its withdrawal hid, through the
    gate and the same reconciliation."""
    from pellicule.services import audit

    # Given a photo of Noah published to his group, seen by the families of the group
    media_id = upload_photo(aws, centre)
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    centre.ok(tag(centre, media_id, "noah"))
    centre.ok(approve(centre, media_id))
    assert [i["media_id"] for i in centre.ok(family_album(centre, "g3"))["items"]] == [media_id]
    # When Noah's guardian withdraws: the item is hidden by the gate, its copies gone
    withdraw_and_propagate(centre, "g3", "noah")
    assert media(centre, media_id).state == "hidden"
    assert family_album(centre, "g3")["statusCode"] == 404
    hidden = centre.ok(centre.admin("GET", "queue"))["hidden"]
    assert [(i["media_id"], i["hidden_by"]) for i in hidden] == [(media_id, "gate")]
    # When the guardian gives consent again (and the stream delivers it)
    give_and_propagate(centre, "g3", "noah", [GROUP])
    # Then the item is published again with fresh served copies, and both families of the
    # group see it again, clean, through the read-path gate
    item = media(centre, media_id)
    assert item.state == "published"
    assert item.hidden_by is None
    copies = served_keys(centre, media_id)
    assert copies
    for key in copies:
        assert object_versions(aws, key)
    for who in ("g3", "g1"):
        album = centre.ok(family_album(centre, who))
        assert [i["media_id"] for i in album["items"]] == [media_id]
        assert album["items"][0]["blurred"] is False
        assert "web" in album["items"][0]["renditions"]
    assert family_album(centre, "g4")["statusCode"] == 404  # another group: still nothing
    assert centre.ok(centre.admin("GET", "queue"))["hidden"] == []
    restored = [
        r
        for r in audit.export_rows(centre.tenant_id)
        if r["action"] == "publication" and r["actor"] == "system:revocation"
    ]
    assert len(restored) == 1


def test_consent_given_again_for_another_audience_keeps_the_item_hidden(
    aws: Aws, centre: Scenario
) -> None:
    """Only the gate brings an item back: a consent that does not cover the audiences the
    item was published to leaves it hidden."""
    media_id = upload_photo(aws, centre)
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    centre.ok(tag(centre, media_id, "noah"))
    centre.ok(approve(centre, media_id))
    withdraw_and_propagate(centre, "g3", "noah")
    give_and_propagate(centre, "g3", "noah", ["public_communication"])
    assert media(centre, media_id).state == "hidden"
    assert served_keys(centre, media_id) == []
    assert family_album(centre, "g3")["statusCode"] == 404


def test_an_item_the_director_took_down_stays_down_when_consent_is_given_again(
    aws: Aws, centre: Scenario
) -> None:
    media_id = upload_photo(aws, centre)
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    centre.ok(tag(centre, media_id, "noah"))
    centre.ok(approve(centre, media_id))
    old_image = media(centre, media_id).serialize()
    centre.ok(centre.admin("POST", f"media/{media_id}/unpublish"))
    propagate(centre, media_id, old_image)
    withdraw_and_propagate(centre, "g3", "noah")
    give_and_propagate(centre, "g3", "noah", [GROUP])
    assert media(centre, media_id).state == "hidden"
    assert served_keys(centre, media_id) == []
    assert family_album(centre, "g3")["statusCode"] == 404
    hidden = centre.ok(centre.admin("GET", "queue"))["hidden"]
    assert [(i["media_id"], i["hidden_by"]) for i in hidden] == [(media_id, "director")]


def test_an_item_retagged_while_hidden_waits_for_the_director(aws: Aws, centre: Scenario) -> None:
    """Nothing reaches families unvalidated: an animator's edit of a hidden item is not
    published by the gate alone."""
    media_id = upload_photo(aws, centre)
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    centre.ok(tag(centre, media_id, "noah"))
    centre.ok(approve(centre, media_id))
    withdraw_and_propagate(centre, "g3", "noah")
    # When an animator marks it "no identifiable child" (the gate would allow it)
    centre.ok(
        centre.admin(
            "PUT",
            f"media/{media_id}/tags",
            {"no_identifiable_child": True},
            session=centre.animator,
        )
    )
    # Then no reconciliation (the stream's or the purge's) puts it back: a director decides
    from pellicule.services import publication

    assert publication.reconcile(centre.tenant_id, media_id, reason="purge").outcome == (
        "unchanged"
    )
    assert media(centre, media_id).state == "hidden"
    assert family_album(centre, "g1")["statusCode"] == 404


def test_the_director_publishes_a_hidden_item_again(aws: Aws, centre: Scenario) -> None:
    """Issue 13, item 7: a hidden item is listed for review and a director re-publishes it."""
    media_id = upload_photo(aws, centre)
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    centre.ok(tag(centre, media_id, "noah"))
    centre.ok(approve(centre, media_id))
    withdraw_and_propagate(centre, "g3", "noah")
    # Given the item hidden, then found to show no identifiable child after all
    centre.ok(centre.admin("PUT", f"media/{media_id}/tags", {"no_identifiable_child": True}))
    [listed] = centre.ok(centre.admin("GET", "queue", session=centre.animator))["hidden"]
    assert listed["media_id"] == media_id
    assert listed["gate"][GROUP]["visibility"] == "clean"
    # An animator may not publish it; the director may
    assert (
        centre.admin("POST", f"media/{media_id}/publish", {}, session=centre.animator)["statusCode"]
        == 403
    )
    before = media(centre, media_id).serialize()
    view = centre.ok(centre.admin("POST", f"media/{media_id}/publish", {"audiences": [GROUP]}))
    assert view["state"] == "published"
    assert view["hidden_by"] is None
    propagate(centre, media_id, before)
    album = centre.ok(family_album(centre, "g1"))
    assert [i["media_id"] for i in album["items"]] == [media_id]
    assert centre.ok(centre.admin("GET", "queue"))["hidden"] == []


def test_a_blurred_alternative_replaces_the_clean_copies(aws: Aws, centre: Scenario) -> None:
    from functions.revocation.handler import handler

    media_id = upload_photo(aws, centre)
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    centre.ok(tag(centre, media_id, "noah"))
    blur(aws, centre, media_id, "noah")
    centre.ok(approve(centre, media_id))
    clean_copies = served_keys(centre, media_id)
    assert publication_entry(centre, media_id)["v"] == "clean"
    centre.ok(centre.family("g3", "POST", f"children/{centre.children['noah']}/consent/withdraw"))
    handler(stream_event(("INSERT", latest_consent_event(centre, "noah"), None)), None)
    item = media(centre, media_id)
    assert item.state == "published"
    entry = publication_entry(centre, media_id)
    assert entry["v"] == "blurred"
    blurred_sources = {v["key"] for v in item.blurred.as_dict().values()}
    assert {i["src"] for i in entry["r"].values()} <= blurred_sources
    for key in clean_copies:
        assert object_versions(aws, key) == []
    album = centre.ok(family_album(centre, "g1"))
    assert album["items"][0]["blurred"] is True


def test_unpublishing_deletes_the_served_copies(aws: Aws, centre: Scenario) -> None:
    media_id = upload_photo(aws, centre)
    centre.ok(centre.admin("PUT", f"media/{media_id}/tags", {"no_identifiable_child": True}))
    centre.ok(approve(centre, media_id))
    old_image = media(centre, media_id).serialize()
    old_keys = served_keys(centre, media_id)
    assert old_keys
    centre.ok(centre.admin("POST", f"media/{media_id}/unpublish"))
    assert (
        centre.admin("POST", f"media/{media_id}/unpublish", session=centre.animator)["statusCode"]
        == 403
    )
    propagate(centre, media_id, old_image)
    assert served_keys(centre, media_id) == []
    for key in old_keys:
        assert object_versions(aws, key) == []


def test_a_lapsed_consent_is_caught_by_the_read_path(aws: Aws, centre: Scenario) -> None:
    """No event is written when a consent's end date passes: the read path notices the copy
    that shows too much, never signs its scope, and asks for a reconciliation."""
    from unittest import mock

    from pellicule.config import clock
    from tests.integration.scenario import consent_text_hash

    media_id = upload_photo(aws, centre)
    # Given a consent that ends in ten minutes
    terms = {
        "audiences": [GROUP],
        "media_kinds": ["photo"],
        "valid_until": int(clock.now()) + 600,
        "text_sha256": consent_text_hash(),
    }
    centre.ok(centre.family("g3", "POST", f"children/{centre.children['noah']}/consent", terms))
    centre.ok(tag(centre, media_id, "noah"))
    centre.ok(approve(centre, media_id))
    copies = served_keys(centre, media_id)
    assert centre.ok(family_album(centre, "g1"))["items"]
    # When a family reads the album twenty minutes later
    later = clock.now() + 1200
    with mock.patch.object(clock, "now", return_value=later):
        old_image = media(centre, media_id).serialize()
        # Then the family sees nothing, and the item is marked for reconciliation
        assert family_album(centre, "g1")["statusCode"] == 404
        assert media(centre, media_id).stale_at == int(later)
        # When the stream delivers that mark, the copies are deleted
        propagate(centre, media_id, old_image)
    assert served_keys(centre, media_id) == []
    for key in copies:
        assert object_versions(aws, key) == []


def test_the_revocation_function_ignores_unrelated_records(aws: Aws, centre: Scenario) -> None:
    from functions.revocation.handler import handler

    media_id = upload_photo(aws, centre)
    item = media(centre, media_id)
    keys = item.renditions.as_dict()
    result = handler(stream_event(("MODIFY", item, item.serialize())), None)
    assert result == {"batchItemFailures": []}
    assert media(centre, media_id).renditions.as_dict() == keys
    assert media(centre, media_id).served is None


def test_an_album_is_read_one_page_at_a_time(aws: Aws, centre: Scenario) -> None:
    published = []
    for _ in range(3):
        media_id = upload_photo(aws, centre)
        centre.ok(centre.admin("PUT", f"media/{media_id}/tags", {"no_identifiable_child": True}))
        centre.ok(approve(centre, media_id))
        published.append(media_id)
    hidden = upload_photo(aws, centre)  # never validated: never listed
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        path = f"albums/{centre.album_id}?limit=2" + (f"&cursor={cursor}" if cursor else "")
        event = _event("GET", f"/api/family/{path}", None, centre.families["g1"].session)
        event["rawPath"] = f"/api/family/albums/{centre.album_id}"
        event["requestContext"]["http"]["path"] = event["rawPath"]
        event["queryStringParameters"] = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = centre.ok(call("family", event))
        pages += 1
        seen += [i["media_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 2
    assert len(seen) == len(set(seen))  # no item twice across pages
    assert sorted(seen) == sorted(published)  # upload order (same second: by id)
    assert hidden not in seen
    bad = _event(
        "GET", f"/api/family/albums/{centre.album_id}", None, centre.families["g1"].session
    )
    bad["queryStringParameters"] = {"cursor": "ALBUM#x"}
    assert call("family", bad)["statusCode"] == 400


def test_a_centre_may_turn_family_downloads_off(aws: Aws, centre: Scenario) -> None:
    media_id = upload_photo(aws, centre)
    centre.ok(centre.admin("PUT", f"media/{media_id}/tags", {"no_identifiable_child": True}))
    centre.ok(approve(centre, media_id))
    centre.ok(centre.family("g1", "GET", f"media/{media_id}/download"))
    centre.ok(centre.admin("PUT", "settings", {"allow_downloads": False}))
    refused = centre.family("g1", "GET", f"media/{media_id}/download")
    assert refused["statusCode"] == 403
    assert centre.ok(family_album(centre, "g1"))["downloads"] is False
