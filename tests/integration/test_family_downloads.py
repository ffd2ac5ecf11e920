""" "Mes téléchargements" (issue 17, item 8): what a family member downloaded, newest first.

The single-item download route records an entry beside its audit entry; the list is one query
on the family member's own prefix; a thumbnail is shown only while the publication gate lets
them see the item now; an album archive (recorded by the archive route) is listed too.
"""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import Aws, Centre, LambdaContext, api_event
from tests.integration.staff_api import (
    create_album,
    create_child,
    create_group,
    create_guardian,
    family,
    give_consent,
    guardian_session,
    ok,
    publish,
    ready_photo,
    tag,
)


def _family_with_a_photo(aws: Aws, centre: Centre) -> tuple[str, str, str, str, str]:
    """A group, Léa, her guardian (consenting), an album with one published photo of her."""
    director = centre.director_session
    group = create_group(director)
    lea = create_child(director, group, "Léa", "M")
    guardian_id = create_guardian(director, "lea@example.org", [lea])
    parent = guardian_session(centre.tenant_id, guardian_id)
    give_consent(parent, lea)
    album_id = create_album(director, "Sortie au parc", group)
    media_id = ready_photo(aws, centre, album_id)
    tag(director, media_id, [lea])
    publish(director, media_id, ["families_of_group"])
    return parent, guardian_id, lea, album_id, media_id


def _downloads(session: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    from functions.family.handler import handler

    event = api_event("GET", "/api/family/downloads", session=session, csrf=False)
    if query:
        event["queryStringParameters"] = query
        event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
    answer: dict[str, Any] = ok(handler(event, LambdaContext()))
    return answer


def test_a_download_is_listed_for_its_family_member_only(aws: Aws, centre: Centre) -> None:
    # Given a guardian who downloads a photo of their child
    parent, _, lea, album_id, media_id = _family_with_a_photo(aws, centre)
    other = guardian_session(
        centre.tenant_id, create_guardian(centre.director_session, "other@example.org", [lea])
    )
    assert _downloads(parent) == {"downloads": [], "next_cursor": None}
    ok(family("GET", f"/media/{media_id}/download", parent))

    # When they open "Mes téléchargements"
    listed = _downloads(parent)

    # Then the photo is there, with its album and a thumbnail they may see now
    [entry] = listed["downloads"]
    assert entry["kind"] == "item"
    assert entry["media_id"] == media_id
    assert entry["album_id"] == album_id
    assert entry["album_title"] == "Sortie au parc"
    assert entry["media_kind"] == "photo"
    assert entry["blurred"] is False
    assert abs(entry["at"] - time.time()) < 60
    assert entry["thumbnail"]["url"].startswith("http")
    assert listed["next_cursor"] is None
    # ...and the other guardian of the same child, who downloaded nothing, sees nothing
    assert _downloads(other)["downloads"] == []


def test_an_item_no_longer_visible_is_listed_without_an_image(aws: Aws, centre: Centre) -> None:
    # Given a downloaded photo
    parent, _, lea, _, media_id = _family_with_a_photo(aws, centre)
    ok(family("GET", f"/media/{media_id}/download", parent))
    assert _downloads(parent)["downloads"][0]["thumbnail"] is not None

    # When the consent is withdrawn (the gate hides the photo from this family)
    ok(family("POST", f"/children/{lea}/consent/withdraw", parent))

    # Then the entry stays, by its album and date, but with no image URL at all
    [entry] = _downloads(parent)["downloads"]
    assert entry["media_id"] == media_id
    assert entry["thumbnail"] is None
    assert "http" not in str(entry)


def test_archives_and_pages_newest_first(aws: Aws, centre: Centre) -> None:
    from pellicule.store import downloads

    # Given an item download, then five album archives recorded later by the archive route
    parent, guardian_id, _, album_id, media_id = _family_with_a_photo(aws, centre)
    ok(family("GET", f"/media/{media_id}/download", parent))
    start = time.time() + 10
    for n in range(5):
        downloads.record(
            centre.tenant_id,
            guardian_id,
            kind="archive",
            album_id=album_id,
            album_title="Sortie au parc",
            name=f"sortie-au-parc-{n}.zip",
            at=start + n,
        )

    # When the list is read two entries at a time
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(5):
        query = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = _downloads(parent, query)
        seen += page["downloads"]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    # Then every entry comes once, newest first, the archives named, the item last
    assert [e["name"] for e in seen[:5]] == [f"sortie-au-parc-{n}.zip" for n in range(4, -1, -1)]
    assert all(e["kind"] == "archive" and e["thumbnail"] is None for e in seen[:5])
    assert [e["kind"] for e in seen] == ["archive"] * 5 + ["item"]
    assert len({e["download_id"] for e in seen}) == 6


def test_entries_expire_after_twelve_months(aws: Aws, centre: Centre) -> None:
    from pellicule.store import downloads
    from pellicule.store.models import Download

    parent, guardian_id, _, album_id, media_id = _family_with_a_photo(aws, centre)
    ok(family("GET", f"/media/{media_id}/download", parent))
    [entry] = list(
        Download.query(f"TENANT#{centre.tenant_id}", Download.sk.startswith("DOWNLOAD#"))
    )
    assert entry.guardian_id == guardian_id
    assert abs(int(entry.expires_at) - (time.time() + 365 * 24 * 3600)) < 60
    # An entry past its time is not listed, even before DynamoDB deletes it
    downloads.record(
        centre.tenant_id,
        guardian_id,
        kind="archive",
        album_id=album_id,
        at=time.time() - 366 * 86400,
    )
    assert [e["kind"] for e in _downloads(parent)["downloads"]] == ["item"]
