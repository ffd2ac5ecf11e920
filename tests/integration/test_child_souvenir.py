"""A souvenir pack when a child leaves the centre (issue 17, item 5), with moto through the
real handlers: the director archives the child -> one pack per active guardian of that child
(what the gate let that family see just before, blurred where it was served blurred) queued
-> the archive function builds it -> ONE e-mail whose link's token gives a short-lived URL of
exactly that zip, although the family's access to the child ended. Idempotent; SES down is
retried by the digest's run; another family gets nothing; no pack where downloads are off; the
purge and an erasure delete it with its token."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest

from tests.conftest import ALBUM_DATE, Aws, api_event
from tests.integration.auth_helpers import SentMail
from tests.integration.digest_helpers import publish, run_digest
from tests.integration.helpers import body, call, drain
from tests.integration.scenario import Scenario, build, give
from tests.integration.test_album_archive import build_archives, published
from tests.integration.test_publication_flow import approve, blur, media, tag, upload_photo

GROUP = "families_of_group"
SUBJECT = "un souvenir de vos photos / a souvenir of your photos"
LINK = re.compile(r"https?://\S+/souvenir\.html#token=([A-Za-z0-9_.-]+)")


@pytest.fixture
def centre(aws: Aws) -> Scenario:
    scenario = build()
    scenario.ok(give(scenario, "g3", "noah", [GROUP]))
    return scenario


def leave(centre: Scenario, child: str = "noah") -> dict[str, Any]:
    return centre.ok(centre.admin("POST", f"children/{centre.children[child]}/archive"))


def packs_mailed(outbox: list[SentMail], since: int = 0) -> dict[str, str]:
    """address -> the token of its souvenir pack link (one e-mail per address at most)."""
    found: dict[str, str] = {}
    for sent in outbox[since:]:
        if sent.subject.endswith(SUBJECT):
            [to] = sent.to
            assert to not in found, f"two souvenir packs mailed to {to}"
            tokens = set(LINK.findall(sent.text)) | set(LINK.findall(sent.html))
            assert len(tokens) == 1, sent.text
            found[to] = tokens.pop()
    return found


def redeem(token: Any, *, csrf: bool = True) -> dict[str, Any]:
    return call(
        "family",
        api_event("POST", "/api/family/souvenir", body={"token": token}, csrf=csrf),
    )


def zip_at(aws: Aws, url: str, tenant_id: str) -> zipfile.ZipFile:
    key = url.split("/media/", 1)[1].split("?", 1)[0]
    assert key.startswith(f"archives/{tenant_id}/")
    assert key.endswith(".zip")
    found = aws.client("s3").get_object(Bucket=aws.names.media_bucket, Key=key)
    return zipfile.ZipFile(io.BytesIO(found["Body"].read()))


def served_bytes(aws: Aws, centre: Scenario, media_id: str) -> bytes:
    """The download copy the family is served (the blurred one where they see it blurred)."""
    (entry,) = media(centre, media_id).served.as_dict().values()
    return stored(aws, str(entry["d"]["key"]))


def clean_bytes(aws: Aws, centre: Scenario, media_id: str) -> bytes:
    return stored(aws, str(media(centre, media_id).renditions.as_dict()["download"]["key"]))


def blurred_bytes(aws: Aws, centre: Scenario, media_id: str) -> bytes:
    return stored(aws, str(media(centre, media_id).blurred.as_dict()["download"]["key"]))


def stored(aws: Aws, key: str) -> bytes:
    return bytes(aws.client("s3").get_object(Bucket=aws.names.media_bucket, Key=key)["Body"].read())


def test_a_departing_childs_family_gets_one_pack_of_what_they_could_see(
    aws: Aws, centre: Scenario, outbox: list[SentMail], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pellicule.config import clock
    from pellicule.services import archives as archive_rules
    from pellicule.services import audit

    first = published(aws, centre, "noah")
    publish(aws, centre)  # a group photo with no identifiable child: not in Noah's pack
    clock.advance(1)  # album order is upload order (by the second, then by id)
    with_lea = upload_photo(aws, centre)  # Noah with Léa, whose family did not consent:
    centre.ok(tag(centre, with_lea, "noah", "lea"))  # served blurred to Noah's family
    blur(aws, centre, with_lea, "lea")
    centre.ok(approve(centre, with_lea))
    assert centre.family("g3", "GET", f"albums/{centre.album_id}")["statusCode"] == 200
    before = len(outbox)

    leave(centre)

    # The family's access to Noah ended at once
    assert centre.family("g3", "GET", f"albums/{centre.album_id}")["statusCode"] in (403, 404)
    # One e-mail, to Noah's guardian only, before the pack is even built
    mailed = packs_mailed(outbox, before)
    assert list(mailed) == ["g3@famille.example"]
    token = mailed["g3@famille.example"]
    assert token.startswith(f"{centre.tenant_id}.")
    waiting = body(redeem(token))
    assert (waiting["status"], waiting["url"], waiting["items"]) == ("queued", None, 2)
    # Léa's family consents after Noah left: his family's pack never gets more than they saw
    # (each item is re-checked at most at what the family was served then)
    centre.ok(give(centre, "g1", "lea", [GROUP]))
    centre.ok(give(centre, "g2", "lea", [GROUP]))
    drain(aws)
    caps: dict[str, str] = {}
    real_recheck = archive_rules.recheck

    def recheck(*args: Any) -> Any:
        caps[args[3]] = args[6].value
        return real_recheck(*args)

    monkeypatch.setattr(archive_rules, "recheck", recheck)

    build_archives(aws)
    assert caps == {first: "clean", with_lea: "blurred"}

    ready = body(redeem(token))
    assert ready["status"] == "ready"
    assert ready["url"].startswith(f"{aws.public_url}/media/archives/{centre.tenant_id}/")
    assert "?Policy=" in ready["url"]
    archive = zip_at(aws, ready["url"], centre.tenant_id)
    assert archive.testzip() is None
    assert archive.namelist() == [f"{ALBUM_DATE}_sortie_001.jpg", f"{ALBUM_DATE}_sortie_002.jpg"]
    assert archive.read(archive.namelist()[0]) == clean_bytes(aws, centre, first)
    assert archive.read(archive.namelist()[1]) == blurred_bytes(aws, centre, with_lea)
    assert archive.read(archive.namelist()[1]) != clean_bytes(aws, centre, with_lea)
    # One pseudonymous audit entry for the pack (downloads are chained in batches)
    audit.chain_pending(centre.tenant_id)
    (entry,) = [
        row
        for row in audit.export_rows(centre.tenant_id)
        if row["action"] == "download" and row["subject"] == f"child:{centre.children['noah']}"
    ]
    assert entry["actor"] == f"guardian:{centre.families['g3'].guardian_id}"
    assert (entry["details"]["items"], entry["details"]["blurred"]) == (2, 1)
    assert "famille.example" not in str(entry)

    # Archiving again sends nothing new, builds nothing new
    since = len(outbox)
    assert centre.admin("POST", f"children/{centre.children['noah']}/archive")["statusCode"] in (
        200,
        409,
    )
    assert packs_mailed(outbox, since) == {}
    assert build_archives(aws) == []
    run_digest()
    assert packs_mailed(outbox, since) == {}


def test_a_consent_withdrawn_before_the_build_drops_the_other_childs_item(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    centre.ok(give(centre, "g1", "lea", [GROUP]))
    centre.ok(give(centre, "g2", "lea", [GROUP]))
    alone = published(aws, centre, "noah")
    published(aws, centre, "noah", "lea")
    before = len(outbox)
    leave(centre)
    token = packs_mailed(outbox, before)["g3@famille.example"]
    assert body(redeem(token))["items"] == 2
    # Léa's guardian withdraws while the pack waits in the queue: her item goes
    centre.ok(centre.family("g1", "POST", f"children/{centre.children['lea']}/consent/withdraw"))
    build_archives(aws)
    ready = body(redeem(token))
    archive = zip_at(aws, ready["url"], centre.tenant_id)
    assert archive.namelist() == [f"{ALBUM_DATE}_sortie_001.jpg"]
    assert archive.read(archive.namelist()[0]) == served_bytes(aws, centre, alone)


def test_ses_down_leaves_the_pack_due_and_the_digest_run_mails_it_once(
    aws: Aws, centre: Scenario, outbox: list[SentMail], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pellicule.adapters import outbox as mail_adapter

    published(aws, centre, "noah")
    real_send = mail_adapter.send

    def down(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("ses_down")

    monkeypatch.setattr(mail_adapter, "send", down)
    before = len(outbox)
    archived = leave(centre)  # the archive of the child is never blocked
    assert archived["archived"] is True
    assert packs_mailed(outbox, before) == {}
    build_archives(aws)
    monkeypatch.setattr(mail_adapter, "send", real_send)
    run_digest()
    mailed = packs_mailed(outbox, before)
    assert list(mailed) == ["g3@famille.example"]
    assert body(redeem(mailed["g3@famille.example"]))["status"] == "ready"
    run_digest()
    assert packs_mailed(outbox, before) == mailed  # once


def test_sqs_down_leaves_the_pack_queued_and_the_digest_run_queues_it(
    aws: Aws, centre: Scenario, outbox: list[SentMail], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pellicule.adapters import archive_queue
    from pellicule.config import clock

    published(aws, centre, "noah")
    real_enqueue = archive_queue.enqueue

    def down(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("sqs_down")

    monkeypatch.setattr(archive_queue, "enqueue", down)
    before = len(outbox)
    leave(centre)
    token = packs_mailed(outbox, before)["g3@famille.example"]
    assert build_archives(aws) == []
    monkeypatch.setattr(archive_queue, "enqueue", real_enqueue)
    clock.advance(2 * 3600)
    run_digest()
    build_archives(aws)
    assert body(redeem(token))["status"] == "ready"


def test_no_pack_where_downloads_are_off_nor_for_a_family_with_nothing_to_see(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    published(aws, centre, "noah")
    before = len(outbox)
    # Zoé (another group, another family) leaves: nothing of hers to keep, nothing sent
    leave(centre, "zoe")
    assert packs_mailed(outbox, before) == {}
    centre.ok(centre.admin("PUT", "settings", {"allow_downloads": False}))
    leave(centre)
    assert packs_mailed(outbox, before) == {}
    assert build_archives(aws) == []


def test_an_erasure_of_the_child_deletes_the_pack_and_its_token(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    from tests.integration.purge_helpers import HOURLY, counts, purge

    published(aws, centre, "noah")
    before = len(outbox)
    leave(centre)
    token = packs_mailed(outbox, before)["g3@famille.example"]
    build_archives(aws)
    assert body(redeem(token))["status"] == "ready"
    centre.ok(
        centre.admin(
            "POST",
            f"children/{centre.children['noah']}/erasure-request",
            {"confirm": True, "mode": "remove"},
        )
    )
    assert counts(purge(HOURLY), centre.tenant_id)["erasures_done"] == 1
    listed = aws.client("s3").list_object_versions(
        Bucket=aws.names.media_bucket, Prefix=f"archives/{centre.tenant_id}/"
    )
    assert [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])] == []
    gone = redeem(token)
    assert gone["statusCode"] == 400
    assert body(gone)["error"] == "invalid_souvenir_link"


def test_the_retention_purge_deletes_the_pack_with_its_album(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    from pellicule.domain import retention as rules
    from pellicule.store import archives
    from tests.integration.purge_helpers import counts, move_clock_to, purge

    published(aws, centre, "noah")
    before = len(outbox)
    leave(centre)
    token = packs_mailed(outbox, before)["g3@famille.example"]
    build_archives(aws)
    (job,) = archives.of_centre(centre.tenant_id, album_id=centre.album_id)
    first_day = rules.purge_date(ALBUM_DATE, 12)
    move_clock_to(f"{first_day}T02:30:00")
    counts(purge(), centre.tenant_id)
    assert archives.get(centre.tenant_id, job.archive_id) is None
    listed = aws.client("s3").list_object_versions(
        Bucket=aws.names.media_bucket, Prefix=f"archives/{centre.tenant_id}/"
    )
    assert [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])] == []
    assert body(redeem(token))["error"] == "invalid_souvenir_link"


def _erase(centre: Scenario, child: str) -> None:
    from tests.integration.purge_helpers import HOURLY, counts, purge

    centre.ok(
        centre.admin(
            "POST",
            f"children/{centre.children[child]}/erasure-request",
            {"confirm": True, "mode": "remove"},
        )
    )
    assert counts(purge(HOURLY), centre.tenant_id)["erasures_done"] == 1


def test_another_childs_erasure_keeps_a_pack_that_does_not_show_that_child(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    published(aws, centre, "noah")
    before = len(outbox)
    leave(centre)
    token = packs_mailed(outbox, before)["g3@famille.example"]
    build_archives(aws)
    # Zoé is on none of the pack's items: her erasure leaves it (his family cannot ask again)
    _erase(centre, "zoe")
    assert body(redeem(token))["status"] == "ready"


def test_another_childs_erasure_deletes_a_pack_showing_that_child(
    aws: Aws, centre: Scenario, outbox: list[SentMail]
) -> None:
    centre.ok(give(centre, "g1", "lea", [GROUP]))
    centre.ok(give(centre, "g2", "lea", [GROUP]))
    published(aws, centre, "noah")
    published(aws, centre, "noah", "lea")
    before = len(outbox)
    leave(centre)
    token = packs_mailed(outbox, before)["g3@famille.example"]
    build_archives(aws)
    assert body(redeem(token))["items"] == 2
    _erase(centre, "lea")
    gone = redeem(token)
    assert gone["statusCode"] == 400
    assert body(gone)["error"] == "invalid_souvenir_link"
