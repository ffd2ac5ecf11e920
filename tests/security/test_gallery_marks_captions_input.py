"""Hostile input to the gallery's filter and to the caption routes (issue 17, items 2 and 3).

Malformed filters, cursors and caption bodies get a 4xx with a stable code, never a 5xx; a
filter or a cursor never opens an album the family may not see; another centre's album or item
is "not found" to staff; a caption is stored and answered as the text it is.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Aws, Centre, LambdaContext, api_event, make_centre
from tests.integration.staff_api import (
    admin,
    create_album,
    create_child,
    create_group,
    create_guardian,
    give_consent,
    guardian_session,
    ok,
    payload,
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


def test_the_mine_filter_never_opens_another_groups_album(aws: Aws, centre: Centre) -> None:
    director = centre.director_session
    loutres = create_group(director, "Les Loutres")
    castors = create_group(director, "Les Castors")
    lea = create_child(director, loutres, "Léa", "M")
    tom = create_child(director, castors, "Tom", "B")
    lea_parent = guardian_session(
        centre.tenant_id, create_guardian(director, "l@example.org", [lea])
    )
    tom_parent = guardian_session(
        centre.tenant_id, create_guardian(director, "t@example.org", [tom])
    )
    give_consent(lea_parent, lea)
    give_consent(tom_parent, tom)
    album_id = create_album(director, "Sortie secrète des Loutres", loutres)
    media_id = ready_photo(aws, centre, album_id)
    tag(director, media_id, [lea])
    publish(director, media_id, ["families_of_group"])
    assert ok(_album_page(lea_parent, album_id, {"filter": "mine"}))["counts"]["mine"] == 1

    queries = [
        {"filter": "mine"},
        {"filter": "mine", "cursor": "MINE#MEDIA#000000000000#a"},
        {"filter": "all", "cursor": "MINE#MEDIA#000000000000#a"},  # mismatched, still 404
        {"filter": "mine", "cursor": f"MINE#MEDIA#000000000001#{media_id}"},
    ]
    for query in queries:
        answer = _album_page(tom_parent, album_id, query)
        assert answer["statusCode"] == 404, (query, answer.get("body"))
        assert "secrète" not in (answer.get("body") or "")


@pytest.mark.parametrize(
    "query",
    [
        {"filter": "MINE"},
        {"filter": "tout"},
        {"filter": ""},
        {"filter": "mine%00"},
        {"filter": "mine", "cursor": "MINE#MINE#MEDIA#000000000000#a"},
        {"filter": "mine", "cursor": "mine#MEDIA#000000000000#a"},
        {"cursor": "MINE#" + "M" * 200},
    ],
)
def test_malformed_filters_and_cursors_are_400(
    aws: Aws, centre: Centre, query: dict[str, str]
) -> None:
    director = centre.director_session
    group = create_group(director)
    lea = create_child(director, group)
    parent = guardian_session(centre.tenant_id, create_guardian(director, "p@example.org", [lea]))
    answer = _album_page(parent, centre.album_id, query)
    assert answer["statusCode"] == 400, answer.get("body")
    assert payload(answer)["error"] == "invalid_request"


HOSTILE_BODIES: list[Any] = [
    {},
    {"caption": None},
    {"caption": 12},
    {"caption": ["x"]},
    {"caption": {"fr": "x"}},
    {"caption": "x" * 2001},
    {"caption": "x", "confirm_names": "yes"},
    {"caption": "x", "confirm_names": 1},
    {"caption": "x", "tenant_id": "another"},
    {"caption": "\ud800"},  # a lone surrogate, as JSON may carry it
    {"caption": "\x00"},
    {"caption": "a\u2028b"},
    [],
    "caption",
]


@pytest.mark.parametrize("body", HOSTILE_BODIES)
def test_malformed_caption_bodies_are_4xx(aws: Aws, centre: Centre, body: Any) -> None:
    media_id = ready_photo(aws, centre)
    for path in (f"/albums/{centre.album_id}/caption", f"/media/{media_id}/caption"):
        answer = admin("PUT", path, centre.director_session, body)
        assert 400 <= answer["statusCode"] < 500, (path, body, answer.get("body"))
        assert payload(answer)["reason"], answer.get("body")


def test_another_centres_album_and_item_are_not_found(aws: Aws, centre: Centre) -> None:
    other = make_centre()
    media_id = ready_photo(aws, other)
    for path in (f"/albums/{other.album_id}/caption", f"/media/{media_id}/caption"):
        answer = admin("PUT", path, centre.director_session, {"caption": "Intrus"})
        assert answer["statusCode"] == 404, answer.get("body")
    assert ok(admin("GET", f"/media/{media_id}/caption", other.director_session))["caption"] is None
    refused = admin("GET", f"/media/{media_id}/caption", centre.director_session)
    assert refused["statusCode"] == 404
