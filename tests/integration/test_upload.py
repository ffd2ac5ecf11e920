"""Upload grants through the real handler against moto."""

from __future__ import annotations

import pytest

from pellicule.store import data
from pellicule.store.models import Media, tenant_pk
from tests.conftest import Centre, api_event
from tests.integration.helpers import body, call

pytestmark = pytest.mark.usefixtures("aws")


def grants(centre: Centre, files: list[dict[str, object]], **kwargs: object) -> dict:
    return call(
        "upload",
        api_event(
            "POST",
            "/api/upload/grants",
            session=kwargs.pop("session", centre.director_session),  # type: ignore[arg-type]
            body={"album_id": kwargs.pop("album_id", centre.album_id), "files": files},
            **kwargs,  # type: ignore[arg-type]
        ),
    )


def test_staff_gets_one_grant_per_file_and_items_are_recorded(centre: Centre) -> None:
    response = grants(
        centre,
        [
            {"name": "a.jpg", "type": "image/jpeg", "size": 1234},
            {"name": "b.png", "type": "image/png", "size": 999},
        ],
    )
    assert response["statusCode"] == 201
    issued = body(response)["grants"]
    assert len(issued) == 2
    assert len({grant["fields"]["key"] for grant in issued}) == 2
    data.ready()
    for grant in issued:
        item = Media.get(tenant_pk(centre.tenant_id), f"MEDIA#{grant['media_id']}")
        assert item.state == "uploading"
        assert item.ingest_key == grant["fields"]["key"]
        assert item.ingest_key.startswith(
            f"ingest/photo/t/{centre.tenant_id}/m/{grant['media_id']}/"
        )


@pytest.mark.parametrize(
    ("file", "status", "reason", "params"),
    [
        (
            {"name": "x.svg", "type": "image/svg+xml", "size": 10},
            400,
            "upload_type_not_accepted",
            {"name": "x.svg", "type": "image/svg+xml"},
        ),
        (
            {"name": "x.html", "type": "text/html", "size": 10},
            400,
            "upload_type_not_accepted",
            {"name": "x.html", "type": "text/html"},
        ),
        (
            {"name": "x.jpg", "type": "image/jpeg", "size": 0},
            400,
            "field_number_range",
            {"field": "files[0].size", "minimum": 1},
        ),
        (
            {"name": "x.jpg", "type": "image/jpeg", "size": "12"},
            400,
            "field_whole_expected",
            {"field": "files[0].size"},
        ),
        (
            {"name": "x.jpg", "type": "image/jpeg", "size": 41 * 1024 * 1024},
            413,
            "upload_too_large",
            {"name": "x.jpg", "megabytes": 40},
        ),
    ],
)
def test_bad_files_get_a_message_a_person_can_act_on(
    centre: Centre, file: dict[str, object], status: int, reason: str, params: dict[str, object]
) -> None:
    response = grants(centre, [file])
    assert response["statusCode"] == status
    answer = body(response)
    assert answer["reason"] == reason
    assert params.items() <= answer["params"].items()
    # The message names the file in both languages (the page shows one)
    if not reason.startswith("field_"):  # the request's shape: the field is named instead
        assert all(str(file["name"]) in text for text in answer["message"].values())


def test_nothing_is_half_saved_when_one_file_of_a_batch_is_bad(centre: Centre) -> None:
    response = grants(
        centre,
        [
            {"name": "ok.jpg", "type": "image/jpeg", "size": 10},
            {"name": "bad.svg", "type": "image/svg+xml", "size": 10},
        ],
    )
    assert response["statusCode"] == 400
    data.ready()
    assert list(Media.query(tenant_pk(centre.tenant_id), Media.sk.startswith("MEDIA#"))) == []


def test_unknown_album_is_not_found(centre: Centre) -> None:
    response = grants(centre, [{"name": "a.jpg", "type": "image/jpeg", "size": 5}], album_id="nope")
    assert response["statusCode"] == 404


def test_malformed_json_is_a_400(centre: Centre) -> None:
    event = api_event("POST", "/api/upload/grants", session=centre.director_session)
    event["body"] = "{not json"
    response = call("upload", event)
    assert response["statusCode"] == 400
    assert body(response)["reason"] == "json_invalid"


def test_unknown_route_is_a_json_404(centre: Centre) -> None:
    response = call(
        "upload", api_event("GET", "/api/upload/nothing", session=centre.director_session)
    )
    assert response["statusCode"] == 404
    assert body(response)["error"] == "not_found"
