"""End to end on the local runtime: upload through a presigned POST, processing by the
queue worker, delivery through /media/ with a CloudFront signature (and 403 without)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import time
from typing import Any

import pytest
import requests
from PIL import Image

from local.runtime import LocalRuntime
from tests.conftest import Centre
from tests.e2e.conftest import wait_for
from tests.support import images

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


@pytest.fixture(scope="module")
def processed(runtime: LocalRuntime, centre: Centre, api: requests.Session) -> dict[str, Any]:
    photo = images.jpeg_with_metadata((3200, 2400), orientation=6)
    # Given a grant from the upload API, through the gateway
    response = api.post(
        f"{runtime.base_url}/api/upload/grants",
        json={
            "album_id": centre.album_id,
            "files": [{"name": "parc.jpg", "type": "image/jpeg", "size": len(photo)}],
        },
        timeout=30,
    )
    assert response.status_code == 201, response.text
    grant = response.json()["grants"][0]
    # When the browser POSTs the file to the ingest bucket with the presigned form
    assert grant["url"].startswith(runtime.moto_url)
    posted = requests.post(
        grant["url"],
        data=grant["fields"],
        files={"file": ("parc.jpg", photo, "image/jpeg")},
        timeout=30,
    )
    assert posted.status_code in (200, 204), posted.text
    # Then the queue worker processes it within seconds
    started = time.monotonic()

    def ready() -> dict[str, Any] | None:
        item = api.get(
            f"{runtime.base_url}/api/gallery/media/{grant['media_id']}", timeout=30
        ).json()
        return item if item["state"] in ("ready", "failed") else None

    item: dict[str, Any] = wait_for(ready, timeout=30, interval=0.2)
    print(f"processing took {time.monotonic() - started:.2f} s")
    assert item["state"] == "ready", item
    return item


def test_signed_url_serves_the_metadata_free_rendition(
    runtime: LocalRuntime, processed: dict[str, Any]
) -> None:
    url = processed["renditions"]["download"]["url"]
    response = requests.get(url, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.size == (1920, 2560)  # upright (EXIF orientation 6 applied)
        assert not image.getexif()
    exiftool = shutil.which("exiftool")
    assert exiftool, "exiftool is required (make test installs it)"
    tags = json.loads(
        subprocess.run(
            [exiftool, "-j", "-G1", "-"], input=response.content, capture_output=True, check=True
        ).stdout
    )[0]
    assert not [tag for tag in tags if tag.startswith(("GPS:", "ExifIFD:", "IFD0:", "XMP"))]


def test_media_without_signature_is_403(processed: dict[str, Any]) -> None:
    bare = processed["renditions"]["web"]["url"].split("?", 1)[0]
    assert requests.get(bare, timeout=30).status_code == 403
    assert requests.head(bare, timeout=30).status_code == 403


def test_tampered_signature_is_403(processed: dict[str, Any]) -> None:
    url = processed["renditions"]["web"]["url"]
    head, signature = url.split("&Signature=", 1)
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert requests.get(f"{head}&Signature={flipped}", timeout=30).status_code == 403


def test_signature_for_another_centres_path_is_403(processed: dict[str, Any]) -> None:
    """Staff get one policy for their centre's prefix (docs/delivery.md): it opens their
    centre's objects, and nothing of another centre."""
    thumb = processed["renditions"]["thumb"]["url"]
    download_path = processed["renditions"]["download"]["url"].split("?", 1)[0]
    query = thumb.split("?", 1)[1]
    assert requests.get(f"{download_path}?{query}", timeout=30).status_code == 200
    base, _, key = download_path.partition("/media/t/")
    tenant, _, rest = key.partition("/")
    for other in ("another-centre", f"{tenant}x"):
        forged = f"{base}/media/t/{other}/{rest}?{query}"
        assert requests.get(forged, timeout=30).status_code == 403


def test_expired_signature_is_403(runtime: LocalRuntime, processed: dict[str, Any]) -> None:
    path = processed["renditions"]["web"]["url"].split("?", 1)[0]
    expired = runtime.signed_url(path, expires_in=-1)
    assert requests.get(expired, timeout=30).status_code == 403
    fresh = runtime.signed_url(path, expires_in=60)
    assert requests.get(fresh, timeout=30).status_code == 200
