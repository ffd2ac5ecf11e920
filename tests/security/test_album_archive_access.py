"""Album archives against a hostile family: another family's album, ids that are not items
this family may download, oversized selections and malformed bodies all get a 4xx with a stable
code, and nothing is queued; staff and unsigned callers get nothing either."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Aws, Centre, LambdaContext, api_event
from tests.integration.staff_api import (
    create_album,
    create_child,
    create_group,
    create_guardian,
    give_consent,
    guardian_session,
    publish,
    ready_photo,
    tag,
)


def _family(method: str, path: str, session: str, body: Any = None, raw: str | None = None) -> Any:
    from functions.family.handler import handler

    event = api_event(method, f"/api/family/{path}", session=session, body=body)
    if raw is not None:
        event["body"] = raw
    return handler(event, LambdaContext())


def _queued(aws: Aws) -> int:
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=aws.names.archive_queue)["QueueUrl"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def _reason(response: dict[str, Any]) -> str:
    return str(json.loads(response["body"]).get("reason"))


@pytest.fixture
def two_groups(aws: Aws, centre: Centre) -> dict[str, Any]:
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
    loutres_album = create_album(director, "Sortie des Loutres", loutres)
    castors_album = create_album(director, "Sortie des Castors", castors)
    lea_photo = ready_photo(aws, centre, loutres_album)
    tag(director, lea_photo, [lea])
    publish(director, lea_photo, ["families_of_group"])
    tom_photo = ready_photo(aws, centre, castors_album)
    tag(director, tom_photo, [tom])
    publish(director, tom_photo, ["families_of_group"])
    hidden = ready_photo(aws, centre, loutres_album)  # in the album, never published
    return {
        "lea_parent": lea_parent,
        "tom_parent": tom_parent,
        "loutres": loutres_album,
        "castors": castors_album,
        "lea_photo": lea_photo,
        "tom_photo": tom_photo,
        "hidden": hidden,
    }


def test_another_familys_album_and_foreign_items_are_not_found(
    aws: Aws, two_groups: dict[str, Any]
) -> None:
    g = two_groups
    path = f"albums/{g['loutres']}/archive"
    # Another group's album: the same 404 as an album that does not exist
    for album in (g["castors"], "does-not-exist", "../etc", "x" * 65):
        response = _family("POST", f"albums/{album}/archive", g["lea_parent"], {})
        assert response["statusCode"] == 404, album
        if album in (g["castors"], "does-not-exist"):
            assert _reason(response) == "album_not_found"
    # Items of another album, never published, or made up: 404, even beside a good one
    for foreign in (g["tom_photo"], g["hidden"], "nope"):
        response = _family("POST", path, g["lea_parent"], {"media_ids": [g["lea_photo"], foreign]})
        assert response["statusCode"] == 404, foreign
        assert _reason(response) == "media_not_found"
    assert _queued(aws) == 0
    # The family's own album works
    assert _family("POST", path, g["lea_parent"], {})["statusCode"] == 200
    assert _queued(aws) == 1


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[]",
        "null",
        '{"media_ids": []}',
        '{"media_ids": "abc"}',
        '{"media_ids": [1, 2]}',
        '{"media_ids": [null]}',
        '{"media_ids": [""]}',
        '{"media_ids": ["../../x"]}',
        '{"media_ids": ["' + "a" * 65 + '"]}',
        '{"media_ids": [[["deep"]]]}',
        '{"media_ids": {"a": 1}}',
    ],
)
def test_malformed_bodies_get_400(aws: Aws, two_groups: dict[str, Any], raw: str) -> None:
    response = _family("POST", f"albums/{two_groups['loutres']}/archive", "", raw=raw)
    assert response["statusCode"] == 401  # no session: refused before the body is read
    response = _family(
        "POST", f"albums/{two_groups['loutres']}/archive", two_groups["lea_parent"], raw=raw
    )
    assert response["statusCode"] == 400, raw
    assert _queued(aws) == 0


def test_oversized_selections_are_refused(aws: Aws, two_groups: dict[str, Any]) -> None:
    from functions.family.contract import MAX_SELECTION

    too_many = [f"m{i}" for i in range(MAX_SELECTION + 1)]
    response = _family(
        "POST",
        f"albums/{two_groups['loutres']}/archive",
        two_groups["lea_parent"],
        {"media_ids": too_many},
    )
    assert response["statusCode"] == 400
    assert _queued(aws) == 0


def test_archive_ids_are_not_guessable_paths(aws: Aws, two_groups: dict[str, Any]) -> None:
    for archive_id in ("does-not-exist", "..", "a" * 65, "%2e%2e"):
        response = _family("GET", f"archives/{archive_id}", two_groups["lea_parent"])
        assert response["statusCode"] == 404, archive_id


def test_staff_and_strangers_get_no_archive(aws: Aws, centre: Centre) -> None:
    # A director's session is not a family's
    director = centre.director_session
    response = _family("POST", f"albums/{centre.album_id}/archive", director, {})
    assert response["statusCode"] == 403
    # No CSRF header on a state-changing call
    from functions.family.handler import handler

    event = api_event(
        "POST",
        f"/api/family/albums/{centre.album_id}/archive",
        session=centre.guardian_session,
        body={},
        csrf=False,
    )
    assert handler(event, LambdaContext())["statusCode"] == 403
    assert _queued(aws) == 0


def test_archives_are_rate_limited_per_guardian(
    aws: Aws, two_groups: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.family import logic

    monkeypatch.setattr(logic, "ARCHIVES_PER_HOUR", 2)
    path = f"albums/{two_groups['loutres']}/archive"
    for _ in range(2):
        assert _family("POST", path, two_groups["lea_parent"], {})["statusCode"] == 200
    refused = _family("POST", path, two_groups["lea_parent"], {})
    assert refused["statusCode"] == 429
    assert _queued(aws) == 2
    # Another family is not held back by it
    assert (
        _family("POST", f"albums/{two_groups['castors']}/archive", two_groups["tom_parent"], {})[
            "statusCode"
        ]
        == 200
    )


def test_an_album_past_the_archive_cap_is_refused(
    aws: Aws, two_groups: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pellicule.services import archives

    monkeypatch.setattr(archives, "MAX_ITEMS", 1)
    response = _family(
        "POST", f"albums/{two_groups['loutres']}/archive", two_groups["lea_parent"], {}
    )
    assert response["statusCode"] == 200  # Léa's family sees one item here: within the cap
    monkeypatch.setattr(archives, "MAX_ITEMS", 0)
    response = _family(
        "POST", f"albums/{two_groups['loutres']}/archive", two_groups["lea_parent"], {}
    )
    assert response["statusCode"] == 413
    assert _reason(response) == "archive_too_large"
