"""Album archives (zip) through the family API and the archive function, with moto: the gate
decides at the request AND before each item is written, blurred items give their blurred file,
the centre's download setting, only the guardian who asked sees the archive, one audit entry."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from tests.conftest import ALBUM_DATE, Aws, api_event
from tests.integration.helpers import call
from tests.integration.scenario import Scenario, build, give
from tests.integration.test_publication_flow import approve, blur, media, tag, upload_photo

GROUP = "families_of_group"


@pytest.fixture
def centre(aws: Aws) -> Scenario:
    return build()


def build_archives(aws: Aws) -> list[dict[str, Any]]:
    """Deliver every queued archive job to the archive function, as Lambda's SQS poller does."""
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=aws.names.archive_queue)["QueueUrl"]
    responses = []
    while True:
        received = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"]
        ).get("Messages", [])
        if not received:
            return responses
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": {},
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": (
                        f"arn:aws:sqs:{aws.names.region}:123456789012:{aws.names.archive_queue}"
                    ),
                    "awsRegion": aws.names.region,
                }
                for m in received
            ]
        }
        response = call("archive", event)
        responses.append(response)
        assert response == {"batchItemFailures": []}, response
        for message in received:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def published(aws: Aws, centre: Scenario, *children: str) -> str:
    from pellicule.config import clock

    clock.advance(1)  # album order is upload order (by the second, then by id)
    media_id = upload_photo(aws, centre)
    centre.ok(tag(centre, media_id, *children))
    centre.ok(approve(centre, media_id))
    return media_id


def ask(centre: Scenario, who: str, payload: Any = None) -> dict[str, Any]:
    return centre.family(who, "POST", f"albums/{centre.album_id}/archive", payload or {})


def zip_of(aws: Aws, centre: Scenario, archive_id: str) -> zipfile.ZipFile:
    from pellicule.store import archives

    job = archives.get(centre.tenant_id, archive_id)
    assert job is not None
    assert job.object_key == f"archives/{centre.tenant_id}/{archive_id}.zip"
    found = aws.client("s3").get_object(Bucket=aws.names.media_bucket, Key=job.object_key)
    assert found["ContentType"] == "application/zip"
    assert found["ContentDisposition"] == f'attachment; filename="{job.file_name}"'
    return zipfile.ZipFile(io.BytesIO(found["Body"].read()))


def download_entries(centre: Scenario) -> list[dict[str, Any]]:
    from pellicule.services import audit

    audit.chain_pending(centre.tenant_id)  # downloads are chained in batches (docs/audit.md)
    return [
        row
        for row in audit.export_rows(centre.tenant_id)
        if row["action"] == "download" and row["subject"] == f"album:{centre.album_id}"
    ]


def served_download_key(centre: Scenario, media_id: str) -> str:
    served = media(centre, media_id).served.as_dict()
    (entry,) = served.values()
    return str(entry["d"]["key"])


def test_an_album_archive_holds_what_the_family_may_download_with_readable_names(
    aws: Aws, centre: Scenario
) -> None:
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    first = published(aws, centre, "noah")
    second = published(aws, centre, "noah")
    asked = centre.ok(ask(centre, "g3"))
    assert asked["status"] == "queued"
    assert asked["items"] == 2
    assert asked["url"] is None
    assert asked["file_name"] == f"pellicule_sortie_{ALBUM_DATE}.zip"

    build_archives(aws)

    status = centre.ok(centre.family("g3", "GET", f"archives/{asked['archive_id']}"))
    assert status["status"] == "ready"
    assert (status["written"], status["blurred"], status["dropped"]) == (2, 0, 0)
    # One object, one signature, outside every prefix a page signs.
    assert status["url"].startswith(
        f"{aws.public_url}/media/archives/{centre.tenant_id}/{asked['archive_id']}.zip?Policy="
    )
    archive = zip_of(aws, centre, asked["archive_id"])
    assert archive.testzip() is None
    assert archive.namelist() == [f"{ALBUM_DATE}_sortie_001.jpg", f"{ALBUM_DATE}_sortie_002.jpg"]
    assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())
    s3 = aws.client("s3")
    for name, media_id in zip(archive.namelist(), (first, second), strict=True):
        copy = s3.get_object(
            Bucket=aws.names.media_bucket, Key=served_download_key(centre, media_id)
        )
        assert archive.read(name) == copy["Body"].read()
    # One audit entry for the whole archive, pseudonymous, with its counts
    (entry,) = download_entries(centre)
    assert entry["actor"] == f"guardian:{centre.families['g3'].guardian_id}"
    assert entry["details"]["items"] == 2
    assert entry["details"]["archive"] == asked["archive_id"]
    assert "@" not in json.dumps(entry)


def test_a_selection_keeps_album_positions_and_refuses_foreign_ids(
    aws: Aws, centre: Scenario
) -> None:
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    published(aws, centre, "noah")
    second = published(aws, centre, "noah")
    asked = centre.ok(ask(centre, "g3", {"media_ids": [second]}))
    assert asked["items"] == 1
    build_archives(aws)
    assert zip_of(aws, centre, asked["archive_id"]).namelist() == [f"{ALBUM_DATE}_sortie_002.jpg"]
    # An id that is not an item this family may download here: not found, nothing queued
    assert ask(centre, "g3", {"media_ids": [second, "nope"]})["statusCode"] == 404
    assert build_archives(aws) == []


def test_a_blurred_item_gives_its_blurred_file_never_the_clean_one(
    aws: Aws, centre: Scenario
) -> None:
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    media_id = upload_photo(aws, centre)
    centre.ok(tag(centre, media_id, "noah", "lea"))
    blur(aws, centre, media_id, "lea")
    centre.ok(approve(centre, media_id))
    asked = centre.ok(ask(centre, "g3"))
    build_archives(aws)
    status = centre.ok(centre.family("g3", "GET", f"archives/{asked['archive_id']}"))
    assert (status["written"], status["blurred"]) == (1, 1)
    archive = zip_of(aws, centre, asked["archive_id"])
    (name,) = archive.namelist()
    item = media(centre, media_id)
    s3 = aws.client("s3")

    def stored(key: str) -> bytes:
        return bytes(s3.get_object(Bucket=aws.names.media_bucket, Key=key)["Body"].read())

    blurred = stored(str(item.blurred.as_dict()["download"]["key"]))
    clean = stored(str(item.renditions.as_dict()["download"]["key"]))
    assert archive.read(name) == blurred
    assert archive.read(name) != clean


def test_a_consent_withdrawn_before_the_build_drops_the_item(aws: Aws, centre: Scenario) -> None:
    centre.ok(give(centre, "g1", "lea", [GROUP]))
    centre.ok(give(centre, "g2", "lea", [GROUP]))  # Léa has two guardians: both agree
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    with_noah = published(aws, centre, "lea", "noah")
    lea_alone = published(aws, centre, "lea")
    asked = centre.ok(ask(centre, "g1"))
    assert asked["items"] == 2
    # Noah's guardian withdraws while the archive waits in the queue
    centre.ok(centre.family("g3", "POST", f"children/{centre.children['noah']}/consent/withdraw"))
    build_archives(aws)
    status = centre.ok(centre.family("g1", "GET", f"archives/{asked['archive_id']}"))
    assert (status["status"], status["written"], status["dropped"]) == ("ready", 1, 1)
    archive = zip_of(aws, centre, asked["archive_id"])
    assert archive.namelist() == [f"{ALBUM_DATE}_sortie_002.jpg"]
    assert (
        archive.read(archive.namelist()[0])
        == aws.client("s3")
        .get_object(Bucket=aws.names.media_bucket, Key=served_download_key(centre, lea_alone))[
            "Body"
        ]
        .read()
    )
    assert with_noah not in json.dumps(download_entries(centre))


def test_nothing_left_after_the_request_fails_the_archive_without_an_object(
    aws: Aws, centre: Scenario
) -> None:
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    published(aws, centre, "noah")
    asked = centre.ok(ask(centre, "g3"))
    centre.ok(centre.family("g3", "POST", f"children/{centre.children['noah']}/consent/withdraw"))
    build_archives(aws)
    status = centre.ok(centre.family("g3", "GET", f"archives/{asked['archive_id']}"))
    assert (status["status"], status["failure"], status["url"]) == (
        "failed",
        "archive_nothing_left",
        None,
    )
    listed = aws.client("s3").list_objects_v2(Bucket=aws.names.media_bucket, Prefix="archives/")
    assert listed.get("Contents", []) == []
    assert download_entries(centre) == []


def test_no_archive_where_downloads_are_off(aws: Aws, centre: Scenario) -> None:
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    published(aws, centre, "noah")
    asked = centre.ok(ask(centre, "g3"))
    # Switched off while the job waits: the build refuses, and so does the status
    centre.ok(centre.admin("PUT", "settings", {"allow_downloads": False}))
    build_archives(aws)
    refused = ask(centre, "g3")
    assert refused["statusCode"] == 403
    assert json.loads(refused["body"])["reason"] == "downloads_not_allowed"
    status = centre.ok(centre.family("g3", "GET", f"archives/{asked['archive_id']}"))
    assert (status["status"], status["failure"]) == ("failed", "downloads_not_allowed")
    assert download_entries(centre) == []


def test_only_the_guardian_who_asked_reads_the_archive(aws: Aws, centre: Scenario) -> None:
    centre.ok(give(centre, "g1", "lea", [GROUP]))
    centre.ok(give(centre, "g2", "lea", [GROUP]))
    published(aws, centre, "lea")
    asked = centre.ok(ask(centre, "g1"))
    build_archives(aws)
    assert centre.ok(centre.family("g1", "GET", f"archives/{asked['archive_id']}"))["url"]
    # Léa's other guardian, another family, another centre: not found
    for who in ("g2", "g3", "g4"):
        response = centre.family(who, "GET", f"archives/{asked['archive_id']}")
        assert response["statusCode"] == 404, who
    other = build()
    response = call(
        "family",
        api_event(
            "GET",
            f"/api/family/archives/{asked['archive_id']}",
            session=other.families["g1"].session,
        ),
    )
    assert response["statusCode"] == 404


def _archive_versions(aws: Aws, centre: Scenario) -> list[str]:
    listed = aws.client("s3").list_object_versions(
        Bucket=aws.names.media_bucket, Prefix=f"archives/{centre.tenant_id}/"
    )
    return [v["Key"] for v in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]]


def test_an_erasure_deletes_the_centres_archives(aws: Aws, centre: Scenario) -> None:
    from pellicule.store import archives
    from tests.integration.purge_helpers import HOURLY, counts, purge

    centre.ok(give(centre, "g3", "noah", [GROUP]))
    published(aws, centre, "noah")
    asked = centre.ok(ask(centre, "g3"))
    build_archives(aws)
    assert _archive_versions(aws, centre)
    # Noah's guardian asks for his erasure; the director chooses removal; the hourly run
    centre.ok(
        centre.family(
            "g3", "POST", f"children/{centre.children['noah']}/erasure-request", {"confirm": True}
        )
    )
    centre.ok(
        centre.admin(
            "PATCH", f"children/{centre.children['noah']}/erasure-request", {"mode": "remove"}
        )
    )
    found = counts(purge(HOURLY), centre.tenant_id)
    assert found["erasures_done"] == 1
    # The zip (every version) and its job are gone
    assert _archive_versions(aws, centre) == []
    assert archives.get(centre.tenant_id, asked["archive_id"]) is None
    assert centre.family("g3", "GET", f"archives/{asked['archive_id']}")["statusCode"] == 404


def test_the_retention_purge_deletes_an_expired_albums_archives(aws: Aws, centre: Scenario) -> None:
    import datetime

    from pellicule.domain import retention as rules
    from tests.integration.purge_helpers import counts, move_clock_to, purge

    centre.ok(give(centre, "g3", "noah", [GROUP]))
    published(aws, centre, "noah")
    asked = centre.ok(ask(centre, "g3"))
    build_archives(aws)
    # The day before the album's retention ends: the archive stays
    first_day = rules.purge_date(ALBUM_DATE, 12)
    move_clock_to(f"{first_day - datetime.timedelta(days=1)}T23:00:00")
    counts(purge(), centre.tenant_id)
    assert _archive_versions(aws, centre)
    # The day after: the album's media go, and its archive with them
    move_clock_to(f"{first_day}T02:30:00")
    counts(purge(), centre.tenant_id)
    assert _archive_versions(aws, centre) == []
    from pellicule.store import archives

    assert archives.get(centre.tenant_id, asked["archive_id"]) is None


def test_a_job_failing_its_last_attempt_is_marked_failed(
    aws: Aws, centre: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.archive import logic
    from pellicule.store import archives

    centre.ok(give(centre, "g3", "noah", [GROUP]))
    published(aws, centre, "noah")
    asked = centre.ok(ask(centre, "g3"))
    body = json.dumps({"tenant_id": centre.tenant_id, "archive_id": asked["archive_id"]})

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("S3 is down")

    monkeypatch.setattr(logic.zipper, "write_zip", broken)
    # Attempts before the last: the error goes back to SQS, the job waits
    with pytest.raises(RuntimeError):
        logic.process_message(body, last_attempt=False)
    job = archives.get(centre.tenant_id, asked["archive_id"])
    assert job is not None
    assert job.status == archives.BUILDING
    # The last one: the family is told it failed (and the message goes to the DLQ)
    with pytest.raises(RuntimeError):
        logic.process_message(body, last_attempt=True)
    status = centre.ok(centre.family("g3", "GET", f"archives/{asked['archive_id']}"))
    assert (status["status"], status["failure"]) == ("failed", "archive_failed")
    assert status["failure_message"]["en"] == "The archive could not be prepared. Try again later."
    # No part of an upload is left behind
    uploads = aws.client("s3").list_multipart_uploads(Bucket=aws.names.media_bucket)
    assert uploads.get("Uploads", []) == []


def test_the_job_shows_its_progress_while_it_is_built(
    aws: Aws, centre: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.archive import logic
    from pellicule.store import archives

    centre.ok(give(centre, "g3", "noah", [GROUP]))
    for _ in range(3):
        published(aws, centre, "noah")
    asked = centre.ok(ask(centre, "g3"))
    seen: list[tuple[str, int | None]] = []
    real = archives.mark_progress

    def progress(job: Any, *, written: int, now: int) -> None:
        real(job, written=written, now=now)
        # What the family's page reads at that moment
        status = centre.ok(centre.family("g3", "GET", f"archives/{asked['archive_id']}"))
        seen.append((status["status"], status["written"]))

    monkeypatch.setattr(logic, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(archives, "mark_progress", progress)
    build_archives(aws)
    assert seen == [("building", 1), ("building", 2)]
    status = centre.ok(centre.family("g3", "GET", f"archives/{asked['archive_id']}"))
    assert (status["status"], status["written"]) == ("ready", 3)
