"""A page cursor never reveals an album a family may not see (issue 13, item 4).

Without a cursor, another group's album answers 404; the same request with any well-formed
cursor must answer exactly the same, never the album's title and date.
"""

from __future__ import annotations

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


def _album_page(session: str, album_id: str, query: dict[str, str]) -> dict[str, Any]:
    from functions.family.handler import handler

    event = api_event("GET", f"/api/family/albums/{album_id}", session=session, csrf=False)
    event["queryStringParameters"] = query
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
    result: dict[str, Any] = handler(event, LambdaContext())
    return result


def test_a_cursor_does_not_open_another_groups_album(aws: Aws, centre: Centre) -> None:
    # Given two groups, one child each, both families consenting
    director = centre.director_session
    loutres = create_group(director, "Les Loutres")
    castors = create_group(director, "Les Castors")
    lea = create_child(director, loutres, "Léa", "M")
    tom = create_child(director, castors, "Tom", "B")
    lea_parent = guardian_session(
        centre.tenant_id, create_guardian(director, "lea@example.org", [lea])
    )
    tom_parent = guardian_session(
        centre.tenant_id, create_guardian(director, "tom@example.org", [tom])
    )
    give_consent(lea_parent, lea)
    give_consent(tom_parent, tom)
    # ...and the Loutres' album, with a photo of Léa published to her group's families
    album_id = create_album(director, "Sortie secrète des Loutres", loutres)
    media_id = ready_photo(aws, centre, album_id)
    tag(director, media_id, [lea])
    publish(director, media_id, ["families_of_group"])
    page = ok(_album_page(lea_parent, album_id, {"limit": "1"}))
    assert [i["media_id"] for i in page["items"]] == [media_id]

    # When Tom's family asks for that album, without and then with well-formed cursors
    cursors = ["MEDIA#000000000000#a", "MEDIA#999999999999#zzzz", f"MEDIA#000000000001#{media_id}"]
    answers = [family("GET", f"/albums/{album_id}", tom_parent)]
    answers += [_album_page(tom_parent, album_id, {"cursor": c}) for c in cursors]

    # Then every answer is the same 404, and none names the album
    for answer in answers:
        assert answer["statusCode"] == 404, answer.get("body")
        assert "secrète" not in (answer.get("body") or "")
        assert "Sortie" not in (answer.get("body") or "")


def test_a_cursor_past_the_end_of_a_visible_album_is_an_empty_page(
    aws: Aws, centre: Centre
) -> None:
    # Given an album whose one item the family may see
    director = centre.director_session
    group = create_group(director)
    lea = create_child(director, group)
    parent = guardian_session(centre.tenant_id, create_guardian(director, "p@example.org", [lea]))
    give_consent(parent, lea)
    album_id = create_album(director, "Piscine", group)
    media_id = ready_photo(aws, centre, album_id)
    tag(director, media_id, [lea])
    publish(director, media_id, ["families_of_group"])

    # When the family asks for the page after the last item
    page = ok(_album_page(parent, album_id, {"cursor": "MEDIA#999999999999#zzzz"}))

    # Then it is an empty last page, not an error
    assert page["items"] == []
    assert page["next_cursor"] is None
