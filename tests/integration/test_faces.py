"""Face boxes -> blurred variants, re-rendered when the boxes change (issue: blurred variants)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageChops, ImageStat

from pellicule.store import data
from pellicule.store.models import Media, tenant_pk
from tests.conftest import Aws, Centre, api_event, make_centre
from tests.integration.helpers import (
    body,
    call,
    drain,
    media_keys,
    put_as_browser,
    request_grant,
)
from tests.support import images

BOX = [0.3, 0.3, 0.4, 0.4]  # around the sharp red/blue corner of the test pattern


def _ready_photo(aws: Aws, centre: Centre) -> str:
    photo = images.jpeg_with_metadata((2000, 1500))
    grant = request_grant(centre, photo)
    put_as_browser(aws, grant, photo)
    drain(aws)
    return str(grant["media_id"])


def _set_boxes(
    centre: Centre, media_id: str, boxes: Any, session: str | None = None
) -> dict[str, Any]:
    return call(
        "upload",
        api_event(
            "PUT",
            f"/api/upload/media/{media_id}/faces",
            body={"boxes": boxes},
            session=session or centre.director_session,
        ),
    )


def _item(centre: Centre, media_id: str) -> Media:
    data.ready()
    return Media.get(tenant_pk(centre.tenant_id), f"MEDIA#{media_id}", consistent_read=True)


def _pixels(aws: Aws, key: str) -> Image.Image:
    content = aws.client("s3").get_object(Bucket=aws.names.media_bucket, Key=key)["Body"].read()
    return Image.open(io.BytesIO(content)).convert("RGB")


def test_boxes_produce_blurred_variants_that_follow_every_change(aws: Aws, centre: Centre) -> None:
    media_id = _ready_photo(aws, centre)
    clean = {n: v["key"] for n, v in _item(centre, media_id).renditions.as_dict().items()}
    # Given staff draw a box over a child
    response = _set_boxes(centre, media_id, [BOX])
    assert response["statusCode"] == 200
    assert body(response)["blur_revision"] == 1
    drain(aws)
    # Then blurred variants exist at every size, under keys of their own
    first = {n: v["key"] for n, v in _item(centre, media_id).blurred.as_dict().items()}
    assert set(first) == {"thumb", "web", "download"}
    assert not set(first.values()) & set(clean.values())
    assert {k.rsplit("/", 1)[1] for k in first.values()}.isdisjoint(
        {k.rsplit("/", 1)[1] for k in clean.values()}
    )
    # ...which differ from the clean picture inside the box and only there
    clean_thumb, blurred_thumb = _pixels(aws, clean["thumb"]), _pixels(aws, first["thumb"])
    w, h = clean_thumb.size
    difference = ImageChops.difference(clean_thumb, blurred_thumb)
    inside = (int(w * 0.45), int(h * 0.45), int(w * 0.55), int(h * 0.55))
    outside = (int(w * 0.8), int(h * 0.8), w, h)
    assert max(ImageStat.Stat(difference.crop(inside)).mean) > 20
    assert max(ImageStat.Stat(difference.crop(outside)).mean) < 4
    # When the boxes change, the variants are re-rendered and the old ones deleted
    assert body(_set_boxes(centre, media_id, [[0.5, 0.5, 0.4, 0.4]]))["blur_revision"] == 2
    drain(aws)
    second = {n: v["key"] for n, v in _item(centre, media_id).blurred.as_dict().items()}
    assert not set(second.values()) & set(first.values())
    assert set(first.values()).isdisjoint(media_keys(aws))
    # And clearing the boxes removes them
    _set_boxes(centre, media_id, [])
    drain(aws)
    assert _item(centre, media_id).blurred is None
    assert set(second.values()).isdisjoint(media_keys(aws))
    assert set(clean.values()) <= set(media_keys(aws))


def test_a_stale_request_changes_nothing(aws: Aws, centre: Centre) -> None:
    from functions.process import logic

    media_id = _ready_photo(aws, centre)
    _set_boxes(centre, media_id, [BOX])
    _set_boxes(centre, media_id, [[0.2, 0.2, 0.2, 0.2]])
    assert logic.render_blurred(centre.tenant_id, media_id, 1) == "stale"
    drain(aws)
    item = _item(centre, media_id)
    assert item.blur_revision == 2
    assert set(item.blurred.as_dict()) == {"thumb", "web", "download"}
    assert item.face_boxes == [[0.2, 0.2, 0.2, 0.2]]


def test_bad_boxes_and_wrong_callers_are_refused(aws: Aws, centre: Centre) -> None:
    media_id = _ready_photo(aws, centre)
    # The request's shape is checked first (invalid_request, the field and why: api/schema.py),
    # then what the boxes mean (a code each)
    for boxes, reason, params in (
        ("x", "field_list_expected", {"field": "boxes"}),
        ([[0.1, 0.1, 0.2]], "field_items_count", {"field": "boxes[0]", "minimum": 4, "maximum": 4}),
        ([[0.1, 0.1, 0.0, 0.2]], "box_empty", {"index": 1}),
        ([[1.5, 0.1, 0.2, 0.2]], "box_empty", {"index": 1}),
        ([["0.1", 0.1, 0.2, 0.2]], "field_number_expected", {"field": "boxes[0][0]"}),
        (
            [[0.1, 0.1, 0.1, 0.1]] * 51,
            "field_items_count",
            {"field": "boxes", "minimum": 0, "maximum": 50},
        ),
    ):
        response = _set_boxes(centre, media_id, boxes)
        assert response["statusCode"] == 400, boxes
        answer = body(response)
        assert (answer["reason"], answer["params"]) == (reason, params), boxes
        if reason.startswith("field_"):
            assert answer["error"] == "invalid_request"
    # A box partly outside the photo is clamped to it.
    clamped = body(_set_boxes(centre, media_id, [[0.8, -0.1, 0.4, 0.3]]))["boxes"]
    assert clamped == [[0.8, 0.0, 0.2, 0.2]]
    assert _set_boxes(centre, media_id, [BOX], centre.guardian_session)["statusCode"] == 403
    other = make_centre()
    assert _set_boxes(other, media_id, [BOX])["statusCode"] == 404
    pending = request_grant(centre, b"x" * 10)["media_id"]
    assert _set_boxes(centre, pending, [BOX])["statusCode"] == 409
