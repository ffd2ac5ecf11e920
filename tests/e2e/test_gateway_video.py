"""End to end on the local runtime: a video in the ingest bucket goes through the video
queue's drainer to the real video function, and is served clean through /media/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from local.runtime import LocalRuntime
from pellicule.store import data
from pellicule.store.models import Media, tenant_pk
from tests.conftest import Centre, api_event
from tests.e2e.conftest import wait_for
from tests.integration.helpers import call
from tests.support import videos

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": True}


def test_video_in_the_ingest_bucket_becomes_ready_through_the_video_queue(
    runtime: LocalRuntime, centre: Centre, tmp_path: Path
) -> None:
    # Given a media item with a video grant, and the rotated phone clip uploaded to its key
    clip = videos.make(tmp_path, "clip.mov", container="mov", rotation=90, seconds=1.0)
    content = clip.read_bytes()
    grant = call(
        "upload",
        api_event(
            "POST",
            "/api/upload/grants",
            session=centre.director_session,
            body={
                "album_id": centre.album_id,
                "files": [{"name": "clip.mov", "type": "video/quicktime", "size": len(content)}],
            },
        ),
    )
    assert grant["statusCode"] == 201, grant
    issued = json.loads(grant["body"])["grants"][0]
    media_id, key = issued["media_id"], issued["fields"]["key"]
    photo_bodies: list[str] = []
    process = runtime.handlers.resolve("process")

    def photo_spy(event: dict[str, Any], context: Any) -> Any:
        photo_bodies.extend(record["body"] for record in event["Records"])
        return process(event, context)

    # When the video queue's drainer hands the notification to the video function
    with runtime.handlers.override("process", photo_spy):
        runtime.client("s3").put_object(
            Bucket=runtime.names.ingest_bucket,
            Key=key,
            Body=content,
            ContentType="video/quicktime",
        )

        def settled() -> Media | None:
            data.ready()
            found = Media.get(
                tenant_pk(centre.tenant_id), f"MEDIA#{media_id}", consistent_read=True
            )
            return found if found.state in ("ready", "failed") else None

        media: Media = wait_for(settled, timeout=60, interval=0.2)
        runtime.drain_once("photo")

    # Then the item is ready, upright, and nothing went through the photo pipeline
    assert media.state == "ready", media.failure_reason
    assert (media.width, media.height) == (720, 1280)
    assert not [body for body in photo_bodies if media_id in body]
    # (the drainer deletes the message, then counts it, once the handler has returned)
    wait_for(lambda: runtime.drainers["video"].succeeded >= 1)
    wait_for(
        lambda: (
            runtime.queue_depths()["queues"]["video"]
            == {"queue_depth": 0, "queue_in_flight": 0, "dlq_depth": 0}
        )
    )
    assert (
        runtime.client("s3")
        .list_objects_v2(Bucket=runtime.names.ingest_bucket, Prefix=key)
        .get("KeyCount")
        == 0
    )

    # ...and the video is served through the signed /media/ path, clean, with range requests
    renditions = media.renditions.as_dict()
    url = runtime.signed_url(runtime.media_url(str(renditions["video"]["key"])))
    response = requests.get(url, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "video/mp4"
    served = tmp_path / "served.mp4"
    served.write_bytes(response.content)
    videos.assert_clean_video(served)
    partial = requests.get(url, headers={"Range": "bytes=0-99"}, timeout=30)
    assert partial.status_code == 206
    assert len(partial.content) == 100
    poster = requests.get(
        runtime.signed_url(runtime.media_url(str(renditions["poster"]["key"]))), timeout=30
    )
    assert poster.status_code == 200
    assert poster.headers["Content-Type"] == "image/jpeg"
