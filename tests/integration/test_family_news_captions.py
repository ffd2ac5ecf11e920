"""What is new, what is mine, and captions, through the real handlers (issue 17, items 2 and 3).

- "new": items published since the end of the family's previous gallery visit, marked during
  the whole current visit (album list and album), recorded on the guardian's own item at most
  about once a minute;
- "mine": the filter of the items showing the family's children, paginated with its own cursors;
- captions: staff write them (roles, limits, the full-name warning, audit without the text),
  families read them.
"""

from __future__ import annotations

from typing import Any

from pellicule.config import clock
from tests.conftest import Aws, Centre
from tests.integration.staff_api import (
    admin,
    create_album,
    create_child,
    create_group,
    create_guardian,
    create_staff,
    family,
    give_consent,
    guardian_session,
    ok,
    payload,
    publish,
    ready_photo,
    staff_session,
    tag,
)

GROUP = ["families_of_group"]


def _guardian_item(tenant_id: str, guardian_id: str) -> Any:
    from pellicule.store import keys
    from pellicule.store.models import Guardian

    return Guardian.get(
        keys.tenant_pk(tenant_id), keys.guardian_sk(guardian_id), consistent_read=True
    )


def _audit_entries(tenant_id: str) -> list[dict[str, Any]]:
    from pellicule.store import keys
    from pellicule.store.models import AuditEntry

    return [
        {"action": e.action, "subject": e.subject, "details": e.details.as_dict()}
        for e in AuditEntry.query(keys.audit_pk(tenant_id))
        if e.sk != "HEAD" and e.details is not None
    ]


def _album(session: str, album_id: str, **query: str) -> dict[str, Any]:
    path = f"/albums/{album_id}"
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return family("GET", path, session)


def _page_event_query(session: str, album_id: str, query: dict[str, str]) -> dict[str, Any]:
    from functions.family.handler import handler
    from tests.conftest import LambdaContext, api_event

    event = api_event("GET", f"/api/family/albums/{album_id}", session=session, csrf=False)
    event["queryStringParameters"] = query
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
    result: dict[str, Any] = handler(event, LambdaContext())
    return result


def _family_of_two(centre: Centre) -> dict[str, Any]:
    """A group with Léa (our family) and Tom (another family), both consenting, an album."""
    director = centre.director_session
    group = create_group(director)
    lea = create_child(director, group, "Léa", "M")
    tom = create_child(director, group, "Tom", "B")
    guardian_id = create_guardian(director, "lea@example.org", [lea])
    parent = guardian_session(centre.tenant_id, guardian_id)
    tom_parent = guardian_session(
        centre.tenant_id, create_guardian(director, "tom@example.org", [tom])
    )
    give_consent(parent, lea)
    give_consent(tom_parent, tom)
    album_id = create_album(director, "Sortie au parc", group)
    return {
        "group": group,
        "lea": lea,
        "tom": tom,
        "guardian_id": guardian_id,
        "parent": parent,
        "album_id": album_id,
    }


def _published_photo(aws: Aws, centre: Centre, album_id: str, children: list[str]) -> str:
    media_id = ready_photo(aws, centre, album_id)
    tag(centre.director_session, media_id, children)
    publish(centre.director_session, media_id, GROUP)
    return media_id


def test_new_marks_last_the_whole_next_visit_and_are_written_sparingly(
    aws: Aws, centre: Centre
) -> None:
    f = _family_of_two(centre)
    seen_before = _published_photo(aws, centre, f["album_id"], [f["lea"]])
    # Given a first visit: nothing to compare with, nothing is new
    first = ok(family("GET", "/albums", f["parent"]))["albums"]
    assert [(a["items"], a["new"]) for a in first] == [(1, 0)]
    item = _guardian_item(centre.tenant_id, f["guardian_id"])
    first_seen = int(item.gallery_seen_at)
    assert item.gallery_new_since is None
    # ...during which a request a few seconds later writes nothing
    clock.advance(20)
    ok(_album(f["parent"], f["album_id"]))
    assert int(_guardian_item(centre.tenant_id, f["guardian_id"]).gallery_seen_at) == first_seen

    # When, once the visit is over, two photos are published, one of Tom only
    clock.advance(5 * 60)
    fresh = _published_photo(aws, centre, f["album_id"], [f["lea"]])
    toms = _published_photo(aws, centre, f["album_id"], [f["tom"]])
    clock.advance(45 * 60)  # more than 30 minutes later: a new visit (and a new session)
    parent = guardian_session(centre.tenant_id, f["guardian_id"])

    # Then the album list says how many are new and how many show Léa
    [card] = ok(family("GET", "/albums", parent))["albums"]
    assert (card["items"], card["new"], card["mine"]) == (3, 2, 2)
    # ...and opening the album (the same visit) still marks them, item by item
    for minutes in (1, 10, 25):
        clock.advance(60 * minutes)
        page = ok(_album(parent, f["album_id"]))
        marks = {i["media_id"]: (i["new"], i["mine"]) for i in page["items"]}
        assert marks == {
            seen_before: (False, True),
            fresh: (True, True),
            toms: (True, False),
        }, minutes
        assert page["counts"] == {"all": 3, "mine": 2, "new": 2}
    # ...and the visit recorded its start: new since the end of the previous visit
    assert int(_guardian_item(centre.tenant_id, f["guardian_id"]).gallery_new_since) == first_seen

    # When the family comes back after another long absence, nothing new was published
    clock.advance(31 * 60)
    parent = guardian_session(centre.tenant_id, f["guardian_id"])
    [card] = ok(family("GET", "/albums", parent))["albums"]
    assert card["new"] == 0


def test_the_mine_filter_pages_with_its_own_cursors(aws: Aws, centre: Centre) -> None:
    f = _family_of_two(centre)
    lea_1 = _published_photo(aws, centre, f["album_id"], [f["lea"]])
    _published_photo(aws, centre, f["album_id"], [f["tom"]])
    lea_and_tom = _published_photo(aws, centre, f["album_id"], [f["lea"], f["tom"]])
    _published_photo(aws, centre, f["album_id"], [])  # no identifiable child

    # The filter keeps Léa's items, one page at a time
    first = ok(_page_event_query(f["parent"], f["album_id"], {"limit": "1", "filter": "mine"}))
    assert len(first["items"]) == 1
    assert first["filter"] == "mine"
    assert first["children"] == 1
    assert first["counts"] == {"all": 4, "mine": 2, "new": 0}
    assert first["next_cursor"].startswith("MINE#MEDIA#")
    second = ok(
        _page_event_query(
            f["parent"],
            f["album_id"],
            {"limit": "1", "filter": "mine", "cursor": first["next_cursor"]},
        )
    )
    # (items uploaded within the same second come in id order)
    pages = [i["media_id"] for i in first["items"] + second["items"]]
    assert sorted(pages) == sorted([lea_1, lea_and_tom])
    assert second["next_cursor"] is None
    assert all(i["mine"] for i in first["items"] + second["items"])

    # "Tout" shows everything, with cursors of its own
    every = ok(_page_event_query(f["parent"], f["album_id"], {"limit": "2"}))
    assert len(every["items"]) == 2
    assert not every["next_cursor"].startswith("MINE#")

    # A cursor of one filter is refused by the other
    for query in (
        {"filter": "all", "cursor": first["next_cursor"]},
        {"filter": "mine", "cursor": every["next_cursor"]},
        {"cursor": first["next_cursor"]},
    ):
        refused = _page_event_query(f["parent"], f["album_id"], query)
        assert refused["statusCode"] == 400, query
        assert payload(refused)["reason"] == "album_cursor_filter_mismatch"


def test_staff_caption_albums_and_items_and_families_read_them(aws: Aws, centre: Centre) -> None:
    f = _family_of_two(centre)
    director = centre.director_session
    animator = staff_session(centre.tenant_id, create_staff(director, "anim@example.org"))
    waiting = ready_photo(aws, centre, f["album_id"])
    tag(director, waiting, [f["lea"]])
    published = _published_photo(aws, centre, f["album_id"], [f["lea"]])
    audit_before = len(_audit_entries(centre.tenant_id))

    # An animator captions the album and the item awaiting validation
    album = ok(
        admin("PUT", f"/albums/{f['album_id']}/caption", animator, {"caption": "  Au parc 🌳 "})
    )
    assert album["caption"] == "Au parc 🌳"
    answer = ok(admin("PUT", f"/media/{waiting}/caption", animator, {"caption": "Le toboggan"}))
    assert answer == {"media_id": waiting, "caption": "Le toboggan", "may_edit": True}
    # ...but not a published one (it would reach families without validation): the director does
    assert ok(admin("GET", f"/media/{published}/caption", animator))["may_edit"] is False
    refused = admin("PUT", f"/media/{published}/caption", animator, {"caption": "Goûter"})
    assert (refused["statusCode"], payload(refused)["reason"]) == (403, "caption_directors_only")
    xss = '<img src=x onerror="alert(1)">'
    ok(admin("PUT", f"/media/{published}/caption", director, {"caption": xss}))

    # A full name asks for confirmation; nothing is saved before it
    named = {"caption": "Léa Martin sur le toboggan"}
    warned = admin("PUT", f"/media/{published}/caption", director, named)
    assert (warned["statusCode"], payload(warned)["reason"]) == (409, "caption_full_name")
    assert ok(admin("GET", f"/media/{published}/caption", director))["caption"] == xss
    for body in ({"caption": "MARTIN lea"}, {"caption": "léa m."}):
        again = admin("PUT", f"/albums/{f['album_id']}/caption", director, body)
        assert (again["statusCode"], payload(again)["reason"]) == (409, "caption_full_name")
    # Limits and control characters: clear 400 codes
    for body, reason in (
        ({"caption": "x" * 201}, "caption_too_long"),
        ({"caption": "Ligne\nsuivante"}, "caption_control_character"),
        ({"caption": "abc\u202edcba"}, "caption_control_character"),
    ):
        bad = admin("PUT", f"/media/{published}/caption", director, body)
        assert (bad["statusCode"], payload(bad)["reason"]) == (400, reason)
    assert ok(admin("PUT", f"/albums/{f['album_id']}/caption", director, {"caption": "é" * 300}))
    too_long = admin("PUT", f"/albums/{f['album_id']}/caption", director, {"caption": "é" * 301})
    assert payload(too_long)["params"] == {"maximum": 300, "length": 301}
    ok(admin("PUT", f"/albums/{f['album_id']}/caption", director, {"caption": "Au parc 🌳"}))

    # Then the audit log records each change, never the text
    entries = _audit_entries(centre.tenant_id)[audit_before:]
    captions = [e for e in entries if e["action"] == "caption_changed"]
    assert [e["subject"] for e in captions] == [
        f"album:{f['album_id']}",
        f"media:{waiting}",
        f"media:{published}",
        f"album:{f['album_id']}",
        f"album:{f['album_id']}",
    ]
    assert "Au parc" not in str(entries)
    assert "toboggan" not in str(entries)
    assert "onerror" not in str(entries)

    # The family sees the album's caption and the item's, as text (the page renders it so)
    [card] = ok(family("GET", "/albums", f["parent"]))["albums"]
    assert card["caption"] == "Au parc 🌳"
    page = ok(_album(f["parent"], f["album_id"]))
    assert page["album"]["caption"] == "Au parc 🌳"
    assert [(i["media_id"], i["caption"]) for i in page["items"]] == [(published, xss)]

    # An empty caption removes it
    removed = ok(admin("PUT", f"/media/{published}/caption", director, {"caption": "  "}))
    assert removed["caption"] is None
    assert ok(_album(f["parent"], f["album_id"]))["items"][0]["caption"] is None


def test_a_confirmed_full_name_is_kept_and_the_confirmation_audited(
    aws: Aws, centre: Centre
) -> None:
    f = _family_of_two(centre)
    body = {"caption": "Tom Bernard a gagné", "confirm_names": True}
    album = ok(admin("PUT", f"/albums/{f['album_id']}/caption", centre.director_session, body))
    assert album["caption"] == "Tom Bernard a gagné"
    [entry] = [e for e in _audit_entries(centre.tenant_id) if e["action"] == "caption_changed"]
    assert entry["details"] == {
        "change": "captioned",
        "length": 19,
        "names_confirmed": "true",
    }
    # A family member cannot caption anything
    refused = admin("PUT", f"/albums/{f['album_id']}/caption", f["parent"], {"caption": "x"})
    assert refused["statusCode"] == 403
