"""Gallery reads: signed rendition URLs that CloudFront (emulated) accepts, tenant isolation."""

from __future__ import annotations

import time

import pytest

from local import cloudfront
from tests.conftest import Aws, Centre, api_event, make_centre
from tests.integration.helpers import body, call, drain, put_as_browser, request_grant
from tests.support import images


def _ready_item(aws: Aws, centre: Centre) -> str:
    photo = images.jpeg_with_metadata()
    grant = request_grant(centre, photo)
    put_as_browser(aws, grant, photo)
    drain(aws)
    return str(grant["media_id"])


def test_staff_reads_an_item_with_signed_urls_valid_for_their_centre_only(
    aws: Aws, centre: Centre
) -> None:
    media_id = _ready_item(aws, centre)
    response = call(
        "gallery",
        api_event(
            "GET", f"/api/gallery/media/{media_id}", session=centre.director_session, csrf=False
        ),
    )
    assert response["statusCode"] == 200
    item = body(response)
    assert item["state"] == "ready"
    keys = cloudfront.KeyGroup({aws.key_pair_id: aws.public_key})
    urls = {name: r["url"] for name, r in item["renditions"].items()}
    assert set(urls) == {"thumb", "web", "download"}
    for url in urls.values():
        assert url.startswith(f"{aws.public_url}/media/t/{centre.tenant_id}/m/{media_id}/")
        grant = cloudfront.verify(
            cloudfront.ViewerRequest(url, "198.51.100.7"), keys, now=time.time()
        )
        assert grant.expires - time.time() <= 300
        # Staff see every object of their centre: one policy for the centre's prefix
        assert grant.resource == f"{aws.public_url}/media/t/{centre.tenant_id}/*"
    # The signature opens nothing of another centre (nor of a centre whose id extends ours)
    thumb_query = urls["thumb"].split("?", 1)[1]
    for other in (f"t/other/m/{media_id}/x.jpg", f"t/{centre.tenant_id}x/m/{media_id}/x.jpg"):
        forged = f"{aws.public_url}/media/{other}?{thumb_query}"
        with pytest.raises(cloudfront.AccessDenied):
            cloudfront.verify(
                cloudfront.ViewerRequest(forged, "198.51.100.7"), keys, now=time.time()
            )
    # ...and expires after five minutes.
    with pytest.raises(cloudfront.AccessDenied):
        cloudfront.verify(
            cloudfront.ViewerRequest(urls["thumb"], "198.51.100.7"), keys, now=time.time() + 301
        )


def test_album_lists_its_items(aws: Aws, centre: Centre) -> None:
    media_id = _ready_item(aws, centre)
    response = call(
        "gallery",
        api_event(
            "GET",
            f"/api/gallery/albums/{centre.album_id}",
            session=centre.director_session,
            csrf=False,
        ),
    )
    assert response["statusCode"] == 200
    listed = body(response)
    assert [item["media_id"] for item in listed["items"]] == [media_id]
    assert listed["album"]["title"] == "Sortie"


def test_another_centre_cannot_read_the_item(aws: Aws, centre: Centre) -> None:
    media_id = _ready_item(aws, centre)
    other = make_centre()
    for path in (f"/api/gallery/media/{media_id}", f"/api/gallery/albums/{centre.album_id}"):
        response = call(
            "gallery", api_event("GET", path, session=other.director_session, csrf=False)
        )
        assert response["statusCode"] == 404, path


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        # As the processors store it (messages.record): its code and both texts
        (
            '{"reason": "media_corrupt", "fr": "Fichier illisible.", "en": "Unreadable file."}',
            {
                "reason": "media_corrupt",
                "message": {"fr": "Fichier illisible.", "en": "Unreadable file."},
            },
        ),
        # An item older than the catalogue: its "Français / English" text, no code
        (
            "Envoi annulé. / Upload cancelled.",
            {"reason": None, "message": {"fr": "Envoi annulé.", "en": "Upload cancelled."}},
        ),
        (None, None),
    ],
)
def test_a_failed_item_says_why_as_a_code_and_both_texts(
    aws: Aws, centre: Centre, stored: str | None, expected: dict[str, object] | None
) -> None:
    from pellicule.store.models import Media, tenant_pk

    grant = request_grant(centre, images.jpeg_with_metadata())
    media_id = str(grant["media_id"])
    item = Media.get(tenant_pk(centre.tenant_id), f"MEDIA#{media_id}")
    actions = [Media.state.set("failed")]
    if stored is not None:
        actions.append(Media.failure_reason.set(stored))
    item.update(actions=actions)
    response = call(
        "gallery",
        api_event(
            "GET", f"/api/gallery/media/{media_id}", session=centre.director_session, csrf=False
        ),
    )
    assert response["statusCode"] == 200
    found = body(response)
    assert found["state"] == "failed"
    assert found["failure_reason"] == expected


def test_an_idle_staff_session_slides_through_the_gallery_within_its_grant(
    aws: Aws, centre: Centre
) -> None:
    # Given a staff session last seen more than a minute ago
    from pellicule.config import clock
    from pellicule.domain.sessions import TOUCH_EVERY_SECONDS
    from pellicule.services import sessions
    from pellicule.store import sessions as session_store

    session_hash = sessions._hash(centre.director_session)
    before = session_store.session(session_hash)
    assert before is not None
    clock.advance(TOUCH_EVERY_SECONDS + 1)
    # When the gallery (a function that otherwise only reads the table) answers a request
    response = call(
        "gallery",
        api_event(
            "GET",
            f"/api/gallery/albums/{centre.album_id}",
            session=centre.director_session,
            csrf=False,
        ),
    )
    # Then the session slid: an UpdateItem its role allows on session items only (the IAM
    # contract hook fails this test otherwise, as AWS would answer AccessDenied)
    assert response["statusCode"] == 200
    after = session_store.session(session_hash)
    assert after is not None
    assert after.last_seen_at > before.last_seen_at
