"""End to end through the gateway and moto's server, as a browser would do it: a HEIC photo
by presigned POST, a large video by resumable multipart PUTs, blurred variants from face
boxes — each one served clean through /media/ with a signed URL."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from local.runtime import LocalRuntime
from pellicule.config import topology
from tests.conftest import Centre
from tests.e2e.conftest import wait_for
from tests.support import images, videos

pytestmark = pytest.mark.e2e
MB = 1024 * 1024


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


def _grant(
    runtime: LocalRuntime,
    api: requests.Session,
    centre: Centre,
    name: str,
    content_type: str,
    size: int,
) -> dict[str, Any]:
    response = api.post(
        f"{runtime.base_url}/api/upload/grants",
        timeout=30,
        json={
            "album_id": centre.album_id,
            "files": [{"name": name, "type": content_type, "size": size}],
        },
    )
    assert response.status_code == 201, response.text
    grant: dict[str, Any] = response.json()["grants"][0]
    return grant


def _settled(runtime: LocalRuntime, api: requests.Session, media_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        item = api.get(f"{runtime.base_url}/api/gallery/media/{media_id}", timeout=30).json()
        return item if item["state"] in ("ready", "failed") else None

    item: dict[str, Any] = wait_for(done, timeout=90, interval=0.3)
    assert item["state"] == "ready", item
    return item


def _fetch(url: str) -> bytes:
    response = requests.get(url, timeout=30)
    assert response.status_code == 200, url
    assert requests.get(url.split("?", 1)[0], timeout=30).status_code == 403
    return response.content


def test_heic_photo_by_presigned_post(
    runtime: LocalRuntime, api: requests.Session, centre: Centre
) -> None:
    photo = images.heic_with_metadata((960, 720), orientation=6)
    grant = _grant(runtime, api, centre, "IMG_0001.HEIC", "image/heic", len(photo))
    posted = requests.post(
        grant["url"],
        data=grant["fields"],
        timeout=30,
        files={"file": ("IMG_0001.HEIC", photo, "image/heic")},
    )
    assert posted.status_code in (200, 204), posted.text
    item = _settled(runtime, api, grant["media_id"])
    content = _fetch(item["renditions"]["web"]["url"])
    images.assert_clean_jpeg(content)
    with Image.open(io.BytesIO(content)) as image:
        # Stored sideways with irot and EXIF orientation 6: turned upright exactly once.
        assert image.size == (960, 720)
        red, _, blue = image.convert("RGB").getpixel((100, 100))
        assert (red > 200, blue < 60) == (True, True)


def test_large_video_by_resumable_multipart(
    runtime: LocalRuntime,
    api: requests.Session,
    centre: Centre,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small parts so that a short clip needs several (S3's minimum part is 5 MiB).
    monkeypatch.setattr(
        topology,
        "UPLOAD",
        topology.Upload(multipart_threshold_bytes=5 * MB, multipart_part_bytes=5 * MB),
    )
    clip = videos.make(tmp_path, "clip.mp4", size=(1280, 720), seconds=2.0)
    padded = clip.read_bytes()
    if len(padded) <= 5 * MB:  # make it span two parts: pad inside an ignored 'free' box
        filler = 5 * MB + 1024 - len(padded)
        padded = padded + (filler + 8).to_bytes(4, "big") + b"free" + b"\0" * filler
    grant = _grant(runtime, api, centre, "clip.mp4", "video/mp4", len(padded))
    assert grant["multipart"]["part_count"] == 2
    base = f"{runtime.base_url}/api/upload/multipart/{grant['media_id']}"
    part_size = grant["multipart"]["part_size"]
    # The phone sends the first part, then its connection drops
    urls = api.post(f"{base}/parts", json={"part_numbers": [1]}, timeout=30).json()["urls"]
    assert requests.put(urls["1"], data=padded[:part_size], timeout=60).status_code == 200
    # ...it resumes: asks which parts arrived, sends the rest, completes
    received = api.get(base, timeout=30).json()
    assert [p["part_number"] for p in received["parts"]] == [1]
    urls = api.post(f"{base}/parts", json={"part_numbers": [2]}, timeout=30).json()["urls"]
    assert requests.put(urls["2"], data=padded[part_size:], timeout=60).status_code == 200
    completed = api.post(f"{base}/complete", timeout=30)
    assert completed.status_code == 200, completed.text
    item = _settled(runtime, api, grant["media_id"])
    assert set(item["renditions"]) >= {"video", "poster", "thumb"}
    assert item["renditions"]["video"]["type"] == "video/mp4"
    video_bytes = _fetch(item["renditions"]["video"]["url"])
    out = tmp_path / "out.mp4"
    out.write_bytes(video_bytes)
    videos.assert_clean_video(out)
    images.assert_clean_jpeg(_fetch(item["renditions"]["poster"]["url"]))


def test_face_boxes_give_blurred_variants_behind_signed_urls(
    runtime: LocalRuntime, api: requests.Session, centre: Centre
) -> None:
    photo = images.jpeg_with_metadata((1600, 1200))
    grant = _grant(runtime, api, centre, "groupe.jpg", "image/jpeg", len(photo))
    requests.post(
        grant["url"],
        data=grant["fields"],
        timeout=30,
        files={"file": ("groupe.jpg", photo, "image/jpeg")},
    )
    _settled(runtime, api, grant["media_id"])
    media_url = f"{runtime.base_url}/api/upload/media/{grant['media_id']}/faces"
    response = api.put(media_url, json={"boxes": [[0.3, 0.3, 0.4, 0.4]]}, timeout=30)
    assert response.status_code == 200, response.text

    def blurred() -> dict[str, Any] | None:
        item = api.get(
            f"{runtime.base_url}/api/gallery/media/{grant['media_id']}", timeout=30
        ).json()
        return item if item["blurred"] else None

    item: dict[str, Any] = wait_for(blurred, timeout=30, interval=0.3)
    assert set(item["blurred"]) == {"thumb", "web", "download"}
    for name in ("thumb", "web", "download"):
        blurred_url = item["blurred"][name]["url"]
        clean_url = item["renditions"][name]["url"]
        assert blurred_url.split("?")[0] != clean_url.split("?")[0]
        images.assert_clean_jpeg(_fetch(blurred_url), exiftool=False)
    # Staff get one policy for their centre (both variants are theirs to see); it opens no
    # other centre's media. What a family's policy reaches: tests/security/test_signed_delivery.
    download = item["blurred"]["download"]["url"]
    path, query = download.split("?", 1)
    base, _, key = path.partition("/media/t/")
    forged = f"{base}/media/t/another-centre/{key.partition('/')[2]}?{query}"
    assert requests.get(forged, timeout=30).status_code == 403
