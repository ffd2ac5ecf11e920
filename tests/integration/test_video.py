"""The video function against moto: S3 -> video queue -> handler -> media bucket (req. 5-8)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from functions.video import logic
from pellicule.config import topology
from pellicule.domain import messages
from pellicule.services import ingest
from pellicule.store import data
from pellicule.store.models import Media, tenant_pk
from tests.conftest import Aws, Centre
from tests.integration.helpers import (
    call,
    ingest_keys,
    media_keys,
    put_as_browser,
    request_grant,
    sqs_event,
)
from tests.support import images, videos

# Makes and transcodes clips with ffmpeg: left out of ``make test-fast``, run by ``make test``.
pytestmark = pytest.mark.ffmpeg

# --- Helpers -----------------------------------------------------------------------------------


def video_upload(
    aws: Aws,
    centre: Centre,
    content: bytes,
    declared_type: str = "video/mp4",
    *,
    declared_size: int | None = None,
) -> str:
    """A video uploaded through its real upload grant; returns the media id."""
    grant = request_grant(
        centre, content, content_type=declared_type, size=declared_size or len(content)
    )
    put_as_browser(aws, grant, content)
    media_id = str(grant["media_id"])
    return media_id


def video_queue_url(aws: Aws) -> str:
    name = aws.names.ingest_queue_for("video")
    return str(aws.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def receive(aws: Aws) -> list[dict[str, Any]]:
    """The next batch of the video queue (batch size 1, as the event source mapping)."""
    batch = topology.ingest_pipeline("video").queue.batch_size
    found: list[dict[str, Any]] = (
        aws.client("sqs")
        .receive_message(
            QueueUrl=video_queue_url(aws), MaxNumberOfMessages=batch, AttributeNames=["All"]
        )
        .get("Messages", [])
    )
    return found


def drain_videos(aws: Aws) -> list[dict[str, Any]]:
    """Deliver every queued notification of the video queue to the video handler, as Lambda's
    SQS poller does; failed messages are made visible again and stop the drain."""
    sqs = aws.client("sqs")
    responses = []
    while received := receive(aws):
        try:
            response = call("video", sqs_event(aws, received, "video"))
        except BatchProcessingError:  # every record failed: Lambda retries the whole batch
            response = {"batchItemFailures": [{"itemIdentifier": m["MessageId"]} for m in received]}
        responses.append(response)
        failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        for message in received:
            if message["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=video_queue_url(aws),
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=0,
                )
            else:
                sqs.delete_message(
                    QueueUrl=video_queue_url(aws), ReceiptHandle=message["ReceiptHandle"]
                )
        if failed:
            break
    return responses


def item(centre: Centre, media_id: str) -> Media:
    data.ready()
    return Media.get(tenant_pk(centre.tenant_id), f"MEDIA#{media_id}", consistent_read=True)


def download(aws: Aws, key: str, target: Path) -> Path:
    aws.client("s3").download_file(aws.names.media_bucket, key, str(target))
    return target


def leftovers() -> list[Path]:
    root = logic.work_root()
    return list(root.iterdir()) if root.exists() else []


@pytest.fixture(autouse=True)
def private_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The function's work root under this test's own temporary directory: another process
    (a parallel test run, another checkout's tests) never shows up as this test's leftover."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    base = tmp_path_factory.mktemp("clips")
    return {
        "rotated.mov": videos.make(
            base, "rotated.mov", container="mov", rotation=90, exif_gps=True
        ).read_bytes(),
        "plain.mp4": videos.make(
            base, "plain.mp4", seconds=1.0, subtitles=True, exif_gps=True
        ).read_bytes(),
    }


def own_leftovers(before: list[Path]) -> list[Path]:
    """Work directories created since ``before`` and still there (the root is shared with
    other processes on a developer's machine)."""
    return [path for path in leftovers() if path not in before]


def upload_messages(aws: Aws) -> list[dict[str, Any]]:
    """The next batch announcing an upload (S3's test event is received and deleted)."""
    sqs = aws.client("sqs")
    while received := receive(aws):
        announced = [m for m in received if "s3:TestEvent" not in m["Body"]]
        for message in received:
            if message not in announced:
                sqs.delete_message(
                    QueueUrl=video_queue_url(aws), ReceiptHandle=message["ReceiptHandle"]
                )
        if announced:
            return announced
    return []


# --- Tests -------------------------------------------------------------------------------------


def test_video_is_processed_into_a_clean_video_poster_and_thumb(
    aws: Aws, centre: Centre, clips: dict[str, bytes], tmp_path: Path
) -> None:
    before = leftovers()
    # Given a rotated QuickTime video with GPS, names and dates, uploaded to its ingest key
    media_id = video_upload(aws, centre, clips["rotated.mov"], "video/quicktime")
    # When the notification reaches the video function through the video queue
    responses = drain_videos(aws)
    # Then it succeeds and the item is ready, upright, dated (day only), with its duration
    assert responses
    assert all(not r["batchItemFailures"] for r in responses)
    ready = item(centre, media_id)
    assert ready.state == "ready", ready.failure_reason
    assert (ready.width, ready.height) == (720, 1280)
    assert ready.capture_date == "2026-06-14"
    assert ready.duration_seconds == pytest.approx(2.0, abs=0.1)
    renditions = ready.renditions.as_dict()
    assert set(renditions) == {"video", "poster", "thumb"}
    assert renditions["video"]["type"] == "video/mp4"
    assert (renditions["video"]["width"], renditions["video"]["height"]) == (720, 1280)
    assert renditions["poster"]["type"] == renditions["thumb"]["type"] == "image/jpeg"
    assert max(renditions["thumb"]["width"], renditions["thumb"]["height"]) == 400
    # ...the outputs live under the tenant's prefix, with unrelated random names
    keys = [str(r["key"]) for r in renditions.values()]
    assert sorted(keys) == sorted(media_keys(aws))
    assert all(k.startswith(f"t/{centre.tenant_id}/m/{media_id}/") for k in keys)
    assert str(renditions["video"]["key"]).endswith(".mp4")
    # ...the stored video is clean, and so are the poster and thumb
    stored = download(aws, str(renditions["video"]["key"]), tmp_path / "stored.mp4")
    assert renditions["video"]["bytes"] == stored.stat().st_size
    videos.assert_clean_video(stored)
    head = aws.client("s3").head_object(
        Bucket=aws.names.media_bucket, Key=str(renditions["video"]["key"])
    )
    assert head["ContentType"] == "video/mp4"
    for name in ("poster", "thumb"):
        body = (
            aws.client("s3")
            .get_object(Bucket=aws.names.media_bucket, Key=str(renditions[name]["key"]))["Body"]
            .read()
        )
        tags = videos.exiftool_bytes(body)
        assert not [t for t in tags if t.startswith(("EXIF", "IFD", "GPS", "XMP", "ICC"))]
        assert "Jeanne" not in json.dumps(tags)
    # ...the quarantined upload is gone, and so is every temporary file
    assert ingest_keys(aws) == []
    assert own_leftovers(before) == []


def test_mp4_with_a_subtitle_track_and_gps_atom(
    aws: Aws, centre: Centre, clips: dict[str, bytes], tmp_path: Path
) -> None:
    media_id = video_upload(aws, centre, clips["plain.mp4"], "video/mp4")
    drain_videos(aws)
    ready = item(centre, media_id)
    assert ready.state == "ready", ready.failure_reason
    assert (ready.width, ready.height) == (1280, 720)
    key = str(ready.renditions.as_dict()["video"]["key"])
    videos.assert_clean_video(download(aws, key, tmp_path / "stored.mp4"))


def test_camera_clip_with_a_timecode_track_and_three_audio_tracks_becomes_ready(
    aws: Aws, centre: Centre, tmp_path: Path
) -> None:
    # Given a GoPro-like MP4: a timecode track the video refers to (ffmpeg 9 lists both under
    # an indented "Stream group" header), three audio tracks, metadata everywhere
    clip = videos.make(tmp_path, "gopro.mp4", seconds=1.0, audio_tracks=3, timecode="01:00:00:00")
    assert "Stream group" in videos.ffmpeg_report(clip)
    # When it is uploaded and processed
    media_id = video_upload(aws, centre, clip.read_bytes(), "video/mp4")
    drain_videos(aws)
    # Then it is ready, with one clean video and one audio stream
    ready = item(centre, media_id)
    assert ready.state == "ready", ready.failure_reason
    assert (ready.width, ready.height) == (1280, 720)
    key = str(ready.renditions.as_dict()["video"]["key"])
    stored = download(aws, key, tmp_path / "stored.mp4")
    videos.assert_clean_video(stored)
    assert "tmcd" not in videos.ffmpeg_report(stored)


def test_duplicate_delivery_produces_one_set_of_outputs(
    aws: Aws, centre: Centre, clips: dict[str, bytes]
) -> None:
    media_id = video_upload(aws, centre, clips["plain.mp4"])
    messages = upload_messages(aws)
    event = sqs_event(aws, messages, "video")
    # The same event twice (at-least-once delivery, or a replay from the DLQ)
    first = call("video", event)
    second = call("video", event)
    assert not first["batchItemFailures"]
    assert not second["batchItemFailures"]
    assert len(media_keys(aws)) == 3
    assert item(centre, media_id).state == "ready"


def failed_with(aws: Aws, centre: Centre, media_id: str) -> messages.Recorded:
    """Drain; the item failed with a reason a person can read, nothing was kept, and the
    message is gone (no retry loop, nothing for the DLQ)."""
    before = leftovers()
    responses = drain_videos(aws)
    assert all(not r["batchItemFailures"] for r in responses)
    failed = item(centre, media_id)
    assert failed.state == "failed"
    reason = messages.read_record(failed.failure_reason or "")
    assert reason["fr"]
    assert reason["en"]
    assert media_keys(aws) == []
    assert ingest_keys(aws) == []
    assert receive(aws) == []
    assert own_leftovers(before) == []
    return reason


def test_video_over_the_duration_cap_fails_with_a_reason(
    aws: Aws, centre: Centre, clips: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A centre's lower cap (here 1 s) keeps the test fast; the default 10 min is unit-tested.
    monkeypatch.setattr(
        logic, "limits_for", lambda media: topology.VideoLimits(max_duration_seconds=1)
    )
    media_id = video_upload(aws, centre, clips["rotated.mov"], "video/quicktime")
    assert failed_with(aws, centre, media_id)["fr"] == "Vidéo trop longue (plus de 1 s)."


def test_video_over_the_resolution_cap_fails_with_a_reason(
    aws: Aws, centre: Centre, tmp_path: Path
) -> None:
    wide = videos.make(tmp_path, "wide.mp4", size=(4112, 32), seconds=0.2, audio=False)
    media_id = video_upload(aws, centre, wide.read_bytes())
    assert "Définition de la vidéo trop grande" in failed_with(aws, centre, media_id)["fr"]


@pytest.mark.parametrize(
    "content",
    [
        b"<!doctype html><script>alert(document.cookie)</script>" + b" " * 300,
        images.jpeg_with_metadata((120, 80)),
    ],
    ids=["html-renamed-mp4", "jpeg-declared-as-mp4"],
)
def test_non_video_content_fails_with_a_reason(aws: Aws, centre: Centre, content: bytes) -> None:
    media_id = video_upload(aws, centre, content, "video/mp4")
    assert "ne correspond pas à son type" in failed_with(aws, centre, media_id)["fr"]


def test_truncated_video_fails_without_a_crash_loop(
    aws: Aws, centre: Centre, tmp_path: Path
) -> None:
    clip = videos.make(tmp_path, "cut.mp4", seconds=1.0).read_bytes()
    media_id = video_upload(aws, centre, clip[: len(clip) // 2])
    assert "illisible" in failed_with(aws, centre, media_id)["fr"]
    dlq = aws.client("sqs").get_queue_url(QueueName=aws.names.ingest_dlq_for("video"))
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=dlq["QueueUrl"], AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_size_differing_from_the_grant_fails(
    aws: Aws, centre: Centre, clips: dict[str, bytes]
) -> None:
    content = clips["plain.mp4"]
    media_id = video_upload(aws, centre, content, declared_size=len(content) - 1)
    assert failed_with(aws, centre, media_id)["reason"] == "upload_size_mismatch"


def test_a_failing_record_does_not_fail_its_batch_neighbour(
    aws: Aws, centre: Centre, clips: dict[str, bytes]
) -> None:
    media_id = video_upload(aws, centre, clips["plain.mp4"])
    messages = upload_messages(aws)
    event = sqs_event(aws, messages, "video")
    poison = dict(event["Records"][0], messageId="poison", body="not json")
    event["Records"].insert(0, poison)
    response = call("video", event)
    assert response["batchItemFailures"] == [{"itemIdentifier": "poison"}]
    assert item(centre, media_id).state == "ready"


def test_an_unexpected_error_leaves_no_output_and_no_temporary_file(
    aws: Aws, centre: Centre, clips: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = leftovers()
    media_id = video_upload(aws, centre, clips["plain.mp4"])
    stored: list[Any] = []
    real_store = ingest.store_outputs

    def store_then_crash(*args: Any, **kwargs: Any) -> Any:
        stored.append(real_store(*args, **kwargs))
        raise ConnectionError("S3 went away")

    monkeypatch.setattr(ingest, "store_outputs", store_then_crash)
    responses = drain_videos(aws)
    # The record failed (to be retried), the outputs it wrote were removed, /tmp is clean,
    # and the upload is still there for the retry.
    assert [len(r["batchItemFailures"]) for r in responses if r["batchItemFailures"]] == [1]
    assert stored
    assert media_keys(aws) == []
    assert own_leftovers(before) == []
    assert ingest_keys(aws) == [item(centre, media_id).ingest_key]
    # The retry succeeds.
    monkeypatch.undo()
    drain_videos(aws)
    assert item(centre, media_id).state == "ready"
    assert len(media_keys(aws)) == 3


def test_a_photo_key_is_not_the_video_function_s_business(aws: Aws, centre: Centre) -> None:
    # A photo never reaches the video queue; and were one delivered, it is not processed.
    photo_key = ingest.ingest_key("photo", centre.tenant_id, uuid.uuid4().hex)
    aws.client("s3").put_object(
        Bucket=aws.names.ingest_bucket, Key=photo_key, Body=images.jpeg_with_metadata((64, 48))
    )
    assert upload_messages(aws) == []
    body = json.dumps(
        {
            "Records": [
                {
                    "eventName": "ObjectCreated:Put",
                    "s3": {
                        "bucket": {"name": aws.names.ingest_bucket},
                        "object": {"key": photo_key, "size": 10, "eTag": "x"},
                    },
                }
            ]
        }
    )
    logic.process_message(body)
    assert media_keys(aws) == []
    # not processed, and not deleted either: another pipeline's object (the video role may
    # not touch it; the ingest bucket's lifecycle removes it)
    assert aws.client("s3").head_object(Bucket=aws.names.ingest_bucket, Key=photo_key)
