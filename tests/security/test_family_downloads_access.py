""" "Mes téléchargements" shows a family member their own downloads only, and refuses
malformed cursors and limits with a 400 (never a 5xx, never another person's entries)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Aws, Centre, LambdaContext, api_event
from tests.integration.staff_api import (
    create_album,
    create_child,
    create_group,
    create_guardian,
    guardian_session,
)


def _downloads(session: str | None, query: dict[str, str] | None = None) -> dict[str, Any]:
    from functions.family.handler import handler

    event = api_event("GET", "/api/family/downloads", session=session, csrf=False)
    if query:
        event["queryStringParameters"] = query
        event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
    result: dict[str, Any] = handler(event, LambdaContext())
    return result


@pytest.mark.parametrize(
    "query",
    [
        {"cursor": "x"},
        {"cursor": "0000000000000-zzzzzzzz"},
        {"cursor": "DOWNLOAD#g#0000000000000-00000000"},
        {"cursor": "9999999999999-00000000\u0000"},
        {"limit": "0"},
        {"limit": "51"},
        {"limit": "1e3"},
    ],
)
def test_malformed_queries_are_refused(aws: Aws, centre: Centre, query: dict[str, str]) -> None:
    director = centre.director_session
    lea = create_child(director, create_group(director))
    parent = guardian_session(centre.tenant_id, create_guardian(director, "p@example.org", [lea]))
    assert _downloads(parent, query)["statusCode"] == 400


def test_no_session_no_list_and_staff_are_refused(aws: Aws, centre: Centre) -> None:
    assert _downloads(None)["statusCode"] == 401
    assert _downloads(centre.director_session)["statusCode"] == 403


def test_another_guardians_entries_never_show_whatever_the_cursor(aws: Aws, centre: Centre) -> None:
    from pellicule.store import downloads

    # Given two guardians of the same child; only the first downloaded anything
    director = centre.director_session
    group = create_group(director)
    lea = create_child(director, group)
    first = create_guardian(director, "a@example.org", [lea])
    second = create_guardian(director, "b@example.org", [lea])
    album_id = create_album(director, "Piscine", group)
    entry = downloads.record(
        centre.tenant_id, first, kind="archive", album_id=album_id, name="piscine.zip"
    )
    session = guardian_session(centre.tenant_id, second)
    # When the second asks, without a cursor and with the first's entry id (and past it)
    for query in (None, {"cursor": entry}, {"cursor": "9999999999999-ffffffff"}):
        answer = _downloads(session, query)
        # Then nothing of the first's is listed
        assert answer["statusCode"] == 200, answer.get("body")
        assert "piscine" not in answer["body"]
        assert '"downloads": []' in answer["body"]
