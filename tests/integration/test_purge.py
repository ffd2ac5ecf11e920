"""The scheduled purge (docs/retention.md), with the product clock moved: expired sessions,
links, counters, claims and runs (refused at once, left to DynamoDB's TTL), abandoned and
failed uploads, media past retention (every version), lapsed consents, audit
entries past retention, interruption and resumption, idempotence."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
from typing import Any

import pytest

from functions.purge import logic
from pellicule.config import clock, topology
from pellicule.domain import messages
from pellicule.domain import retention as rules
from pellicule.domain.errors import Unauthenticated
from pellicule.services import audit, magic_links, retention, sessions
from pellicule.services.magic_links import InvalidLink
from pellicule.store import data, ingest, keys, ratelimit
from pellicule.store.models import Album, Consent, Media, MediaTag, PurgeRun, tenant_pk
from tests.conftest import ALBUM_DATE, Aws, Centre
from tests.integration.helpers import call, request_grant
from tests.integration.purge_helpers import (
    SCHEDULED,
    counts,
    items_mentioning,
    keys_mentioning,
    move_clock_to,
    object_versions,
    purge,
    purge_entries,
    table_items,
    unexpired_items_mentioning,
)
from tests.integration.scenario import Scenario, build, give
from tests.integration.test_publication_flow import (
    GROUP,
    approve,
    blur,
    family_album,
    media,
    tag,
    upload_photo,
)

# The scenario's album is dated ALBUM_DATE (a month ago); with the default retention of 12
# months its media are kept through that date + 12 months and purged from the next day (UTC).
FIRST_DAY = rules.purge_date(ALBUM_DATE, 12)
LAST_KEPT = f"{FIRST_DAY - datetime.timedelta(days=1)}T23:00:00"
FIRST_PURGED = f"{FIRST_DAY}T02:30:00"


@pytest.fixture
def scenario(aws: Aws) -> Scenario:
    return build()


def published_blurred_photo(aws: Aws, centre: Scenario) -> str:
    """Noah and Léa on a photo, Léa hidden by a face box (re-rendered twice: old versions
    exist), published to their group; Noah's family sees it."""
    media_id = upload_photo(aws, centre)
    centre.ok(give(centre, "g3", "noah", [GROUP]))
    centre.ok(tag(centre, media_id, "lea", "noah"))
    blur(aws, centre, media_id, "lea")
    blur(aws, centre, media_id, "lea")  # a second revision: the first one's keys linger
    centre.ok(approve(centre, media_id, audiences=[GROUP]))
    assert family_album(centre, "g3")["statusCode"] == 200
    assert media(centre, media_id).served
    return media_id


# --- Sessions, abandoned uploads ------------------------------------------------------------


TTL = topology.TABLE.ttl_attribute  # the attribute DynamoDB's TTL deletes items by


def stored(pk: str, sk: str) -> dict[str, Any] | None:
    """An item as the table holds it (DynamoDB's JSON), read by the test, or None."""
    found = [item for item in table_items() if item["pk"]["S"] == pk and item["sk"]["S"] == sk]
    return found[0] if found else None


def expires(item: dict[str, Any] | None) -> int:
    assert item is not None
    return int(item[TTL]["N"])


def test_expired_sessions_are_refused_at_once_and_left_to_dynamodb_ttl(
    aws: Aws, centre: Centre
) -> None:
    live = sessions.create(centre.tenant_id, "staff", "s2", "animator")
    key = keys.session_pk(hashlib.sha256(centre.guardian_session.encode()).hexdigest())
    # The session's TTL attribute is its idle expiry (30 min for families): DynamoDB may
    # delete it from then on.
    opened = expires(stored(key, keys.SESSION_SK))
    clock.advance(sessions.IDLE_TIMEOUT_SECONDS["guardian"] + 1)
    assert opened <= clock.now()
    sessions.resolve(live)  # staff idle timeout (2 h) not reached: still live
    # The guardian's 30-minute idle timeout has passed: refused before anything deletes it.
    with pytest.raises(Unauthenticated):
        sessions.resolve(centre.guardian_session)
    # The purge does not read or delete it (no scan of the table): DynamoDB's TTL does.
    report = purge()
    assert "records" not in report
    assert expires(stored(key, keys.SESSION_SK)) == opened


def test_an_active_session_slides_its_ttl_never_past_the_absolute_timeout(
    aws: Aws, centre: Centre
) -> None:
    key = keys.session_pk(hashlib.sha256(centre.director_session.encode()).hexdigest())
    for _ in range(13):
        clock.advance(3600)
        with contextlib.suppress(Unauthenticated):
            sessions.resolve(centre.director_session)
        item = stored(key, keys.SESSION_SK)
        assert item is not None
        assert expires(item) <= int(item["absolute_expires_at"]["N"])
    assert expires(item) <= clock.now()  # absolute (12 h) passed: DynamoDB may delete it
    with pytest.raises(Unauthenticated):
        sessions.resolve(centre.director_session)


def test_expired_sign_in_links_are_refused_and_carry_their_ttl(aws: Aws, centre: Centre) -> None:
    account = magic_links.current_account(centre.tenant_id, "staff", "staff-1")
    assert account is not None
    (asked,) = magic_links.issue("direction@centre.example", [account])
    mailed = magic_links.issue_link(account, 24 * 3600)  # the digest's: a day
    clock.advance(15 * 60)
    # At its expiry a link is refused, by its token and by its code; the item stays until
    # DynamoDB's TTL deletes it, its expiry as TTL attribute.
    with pytest.raises(InvalidLink):
        magic_links.consume_token(asked.token)
    with pytest.raises(InvalidLink):
        magic_links.consume_code("direction@centre.example", asked.code)
    item = stored(keys.login_pk(magic_links.token_hash(asked.token)), keys.LOGIN_SK)
    assert expires(item) == asked.expires_at <= clock.now()
    clock.advance(24 * 3600 - 15 * 60)
    with pytest.raises(InvalidLink):
        magic_links.consume_token(mailed.token)
    item = stored(keys.login_pk(magic_links.token_hash(mailed.token)), keys.LOGIN_SK)
    assert expires(item) == mailed.expires_at <= clock.now()


def test_an_expired_rate_counter_is_never_read_again(aws: Aws) -> None:
    limit = ratelimit.Limit("link-email", 2, 15 * 60)
    assert ratelimit.hit(limit, "someone@example.org")[0]
    assert ratelimit.hit(limit, "someone@example.org")[0]
    assert not ratelimit.hit(limit, "someone@example.org")[0]  # over the limit
    counters = [i for i in table_items() if i["pk"]["S"].startswith(keys.RATE)]
    assert len(counters) == 1
    clock.advance(expires(counters[0]) - clock.now())
    # From its TTL on, the window is over: a hit counts in a new window's item, from one.
    assert ratelimit.hit(limit, "someone@example.org")[0]
    windows = [i for i in table_items() if i["pk"]["S"].startswith(keys.RATE)]
    assert len(windows) == 2
    assert {int(i["hits"]["N"]) for i in windows} == {3, 1}


def test_processing_claims_and_finished_runs_carry_their_ttl(aws: Aws, centre: Centre) -> None:
    now = int(clock.now())
    claim = ingest.claim(
        "bucket", "ingest/photo/x", "v1", now=now, lease_seconds=60, keep_seconds=600
    )
    assert claim is not None
    ingest.finish(claim)
    item = stored(claim.pk, claim.sk)
    # A claim names an object version (pseudonymous ids): kept, as a done claim, until the
    # TTL deletes it; a late duplicate delivery meanwhile is skipped, as within its life.
    assert expires(item) == now + 600
    assert (
        ingest.claim(
            "bucket", "ingest/photo/x", "v1", now=now + 601, lease_seconds=60, keep_seconds=600
        )
        is None
    )
    purge()
    runs = [i for i in table_items() if i["sk"]["S"].startswith(keys.PURGE_RUN)]
    assert len(runs) == 1
    assert runs[0]["status"]["S"] == "done"
    assert expires(runs[0]) == int(runs[0]["started_at"]["N"]) + logic.RUN_KEPT_SECONDS
    # A finished run is never resumed: the next run is a new one.
    clock.advance(logic.RUN_KEPT_SECONDS + 1)
    purge()
    runs = [i for i in table_items() if i["sk"]["S"].startswith(keys.PURGE_RUN)]
    assert len(runs) == 2


@pytest.mark.parametrize(
    ("pk", "sk"),
    [
        ("SESSION#ab", "SESSION"),
        ("LOGIN#ab", "LOGIN"),
        ("RATE#link-email#ab", "W#1700000000"),
        ("INGEST#ab", "CLAIM"),
        ("TENANT#t1", "PURGERUN#20260101T000000Z-abcdef"),
        ("TENANT#t1", "AUDIT#000000000001"),
        ("TENANT#t1", "CONSENTLOG#lea#0001"),
        ("TENANT#t1", "MEDIA#m1"),
    ],
)
def test_a_ttl_deletion_never_feeds_the_revocation_function(pk: str, sk: str) -> None:
    """DynamoDB's TTL deletions reach the table's stream as REMOVE records made by the
    service (``userIdentity``); the revocation consumer's filters let only INSERTs of consent
    entries and MODIFYs of media through, and its handler ignores anything else."""
    from functions.revocation.logic import work_for
    from local.filters import EventFilter

    image = {
        "pk": {"S": pk},
        "sk": {"S": sk},
        TTL: {"N": "1700000000"},
        "state": {"S": "published"},
    }
    record = {
        "eventName": "REMOVE",
        "eventSource": "aws:dynamodb",
        "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
        "dynamodb": {"Keys": {"pk": image["pk"], "sk": image["sk"]}, "OldImage": image},
    }
    assert not EventFilter(topology.REVOCATION_STREAM.filters).passes(record)
    assert work_for(record) is None


def test_absolute_timeout_holds_even_for_an_active_session(aws: Aws, centre: Centre) -> None:
    # Touch the session every hour: idle never reached, absolute (12 h) still ends it.
    for _ in range(12):
        sessions.resolve(centre.director_session)
        clock.advance(3600)
    with pytest.raises(Unauthenticated):
        sessions.resolve(centre.director_session)


def test_abandoned_upload_is_marked_failed_the_next_day_and_deleted_after_a_week(
    aws: Aws, centre: Centre
) -> None:
    grant = request_grant(centre, b"x" * 10)
    assert "uploads_abandoned" not in counts(purge(), centre.tenant_id)
    clock.advance(24 * 3600 + 1)
    assert counts(purge(), centre.tenant_id)["uploads_abandoned"] == 1
    item = Media.get(tenant_pk(centre.tenant_id), f"MEDIA#{grant['media_id']}")
    assert item.state == "failed"
    assert messages.read_record(item.failure_reason or "")["reason"] == "upload_never_completed"
    # Running again finds nothing more to do.
    assert counts(purge(), centre.tenant_id) == {}
    # The uploader sees the failure for a week; then the item goes.
    clock.advance(rules.FAILED_KEPT_SECONDS - 3600)
    assert "failed_media" not in counts(purge(), centre.tenant_id)
    clock.advance(2 * 3600)
    assert counts(purge(), centre.tenant_id)["failed_media"] == 1
    assert items_mentioning(grant["media_id"]) == []


def test_processing_that_never_ended_is_marked_failed(aws: Aws, centre: Centre) -> None:
    grant = request_grant(centre, b"x" * 10)
    data.ready()
    item = Media.get(tenant_pk(centre.tenant_id), f"MEDIA#{grant['media_id']}")
    item.update(actions=[Media.state.set("processing")])
    clock.advance(23 * 3600)
    assert "uploads_abandoned" not in counts(purge(), centre.tenant_id)
    clock.advance(2 * 3600)
    assert counts(purge(), centre.tenant_id)["uploads_abandoned"] == 1
    item.refresh()
    assert item.state == "failed"
    assert messages.read_record(item.failure_reason or "")["reason"] == "processing_interrupted"


def test_leftovers_of_no_item_are_deleted_after_a_day(aws: Aws, centre: Centre) -> None:
    s3 = aws.client("s3")
    orphan = f"t/{centre.tenant_id}/m/no-such-item/x.jpg"
    s3.put_object(Bucket=aws.names.media_bucket, Key=orphan, Body=b"1")
    s3.put_object(Bucket=aws.names.media_bucket, Key=orphan, Body=b"2")  # two versions
    leftover = f"ingest/photo/t/{centre.tenant_id}/m/gone/abc"
    s3.put_object(Bucket=aws.names.ingest_bucket, Key=leftover, Body=b"x")
    started = s3.create_multipart_upload(
        Bucket=aws.names.ingest_bucket, Key=f"ingest/video/t/{centre.tenant_id}/m/v/abc"
    )
    # A multipart upload of no item (no grant) is aborted at once; objects younger than a
    # day are left alone: a pipeline may still be writing them
    first = counts(purge(), centre.tenant_id)
    assert first == {"ingest_leftovers": 1}
    uploads = s3.list_multipart_uploads(Bucket=aws.names.ingest_bucket).get("Uploads", [])
    assert started["UploadId"] not in {u["UploadId"] for u in uploads}
    clock.advance(rules.ORPHAN_GRACE_SECONDS + 60)
    found = counts(purge(), centre.tenant_id)
    assert found == {"orphan_objects": 2, "ingest_leftovers": 1}
    assert object_versions(aws, aws.names.media_bucket, orphan) == []
    assert object_versions(aws, aws.names.ingest_bucket, leftover) == []


def test_a_multipart_upload_under_way_is_left_alone(aws: Aws, centre: Centre) -> None:
    grant = request_grant(centre, b"x" * 10)
    s3 = aws.client("s3")
    key = grant["fields"]["key"]
    started = s3.create_multipart_upload(Bucket=aws.names.ingest_bucket, Key=key)
    purge()
    uploads = s3.list_multipart_uploads(Bucket=aws.names.ingest_bucket).get("Uploads", [])
    assert started["UploadId"] in {u["UploadId"] for u in uploads}


# --- Retention ------------------------------------------------------------------------------


def test_media_are_kept_the_day_before_and_purged_the_day_after_retention(
    aws: Aws, scenario: Scenario
) -> None:
    media_id = published_blurred_photo(aws, scenario)
    keys = {e["Key"] for e in object_versions(aws, aws.names.media_bucket) if media_id in e["Key"]}
    assert len(keys) >= 9  # renditions, two blurred revisions, served copies, download
    assert any(
        not e.get("IsLatest", True)
        for e in object_versions(aws, aws.names.media_bucket)
        if media_id in e["Key"]
    ), "the first blur revision left non-current versions behind"
    # The day before: nothing happens
    move_clock_to(LAST_KEPT)
    assert "expired_media" not in counts(purge(), scenario.tenant_id)
    assert _exists(scenario, media_id)  # (hidden by now if the season's consent ended)
    # The day after: the item, its tags, every version of every object, the album
    move_clock_to(FIRST_PURGED)
    invalidations_before = _invalidated(aws)
    found = counts(purge(), scenario.tenant_id)
    assert found["expired_media"] == 1
    assert found["expired_albums"] == 1
    assert found["object_versions"] >= len(keys)
    assert keys_mentioning(aws, media_id) == []
    # Only the audit log still names the item (pseudonymous ids, kept 12 months), and its
    # processing claim past its TTL (7 days after processing: DynamoDB deletes it by itself)
    named = {i["pk"]["S"] for i in unexpired_items_mentioning(media_id)}
    assert named == {f"AUDIT#{scenario.tenant_id}"}
    assert {i["pk"]["S"] for i in items_mentioning(scenario.album_id)} <= {
        f"AUDIT#{scenario.tenant_id}"
    }
    data.ready()
    assert list(MediaTag.query(tenant_pk(scenario.tenant_id), MediaTag.sk.startswith("TAG#"))) == []
    # No CDN invalidation: the edge forgets the deleted objects within its TTL
    assert _invalidated(aws) == invalidations_before
    # The evidence record: counts, in the audit log, chain intact
    entry = purge_entries(scenario.tenant_id)[-1]
    assert entry["details"]["expired_media"] == 1
    assert entry["actor"] == "system:purge"
    assert audit.verify(scenario.tenant_id).ok
    # Twelve months after the last of those entries was written, the audit log forgets the
    # item too
    move_clock_to(FIRST_PURGED)
    clock.advance(366 * 24 * 3600)
    purge()
    assert unexpired_items_mentioning(media_id) == []  # (the claim: DynamoDB's TTL, above)
    assert items_mentioning(scenario.album_id) == []
    assert audit.verify(scenario.tenant_id).ok


def test_a_centre_with_a_shorter_retention_is_purged_sooner(aws: Aws, scenario: Scenario) -> None:
    scenario.ok(scenario.admin("PUT", "settings", {"media_retention_months": 3}))
    media_id = upload_photo(aws, scenario)
    first_day = rules.purge_date(ALBUM_DATE, 3)
    move_clock_to(f"{first_day - datetime.timedelta(days=1)}T12:00:00")  # + 3 months: kept
    assert "expired_media" not in counts(purge(), scenario.tenant_id)
    move_clock_to(f"{first_day}T12:00:00")
    assert counts(purge(), scenario.tenant_id)["expired_media"] == 1
    assert keys_mentioning(aws, media_id) == []
    # Other centres keep theirs
    other = build()
    other_media = upload_photo(aws, other)
    assert counts(purge(), other.tenant_id) == {}
    assert keys_mentioning(aws, other_media)


def test_a_second_run_does_nothing(aws: Aws, scenario: Scenario) -> None:
    media_id = published_blurred_photo(aws, scenario)
    move_clock_to(FIRST_PURGED)
    assert counts(purge(), scenario.tenant_id)["expired_media"] == 1
    table_before = len(items_mentioning(scenario.tenant_id))
    # When the purge runs again
    again = purge()
    # Then nothing is deleted, counted or recorded
    assert counts(again, scenario.tenant_id) == {}
    assert len(purge_entries(scenario.tenant_id)) == 1
    assert len(items_mentioning(scenario.tenant_id)) == table_before + 1  # the finished run
    assert keys_mentioning(aws, media_id) == []


def test_an_interrupted_run_resumes_where_it_stopped_and_counts_once(
    aws: Aws, scenario: Scenario
) -> None:
    ids = [upload_photo(aws, scenario) for _ in range(4)]
    move_clock_to(FIRST_PURGED)
    checks = {"n": 0}

    def out_of_time() -> bool:
        checks["n"] += 1
        return checks["n"] > 3  # the time budget ends in the middle of the album

    # When the first run runs out of time
    first = logic.run(should_stop=out_of_time)
    assert first.complete is False
    left = [m for m in ids if _exists(scenario, m)]
    assert 0 < len(left) < 4
    assert purge_entries(scenario.tenant_id) == []  # no evidence for an unfinished run
    [unfinished] = list(
        PurgeRun.query(tenant_pk(scenario.tenant_id), PurgeRun.sk.startswith("PURGERUN#"))
    )
    assert unfinished.status == "running"
    # Then the next run takes it over (its lease has expired), finishes and counts each once
    clock.advance(logic.LEASE_SECONDS + 1)
    found = counts(purge(), scenario.tenant_id)
    assert found["expired_media"] == 4
    assert all(keys_mentioning(aws, m) == [] for m in ids)
    [entry] = purge_entries(scenario.tenant_id)
    assert entry["details"]["expired_media"] == 4
    assert entry["subject"] == f"purge:{unfinished.run_id}"


def test_a_crash_mid_run_raises_the_alarm_and_the_next_run_finishes(
    aws: Aws, scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [upload_photo(aws, scenario) for _ in range(3)]
    move_clock_to(FIRST_PURGED)
    real = retention.delete_objects_of
    calls = {"n": 0}

    def flaky(tenant_id: str, item: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("S3 went away")
        return real(tenant_id, item)

    monkeypatch.setattr(retention, "delete_objects_of", flaky)
    # The function fails (its errors alarm goes off), naming the centre, not the data
    from functions.purge.handler import PurgeFailedError

    with pytest.raises(PurgeFailedError) as failed:
        call("purge", SCHEDULED)
    assert scenario.tenant_id in str(failed.value)
    assert "ConnectionError" in str(failed.value)
    # A crashed run keeps its lease until it times out; then the next run finishes the job
    clock.advance(logic.LEASE_SECONDS + 1)
    assert counts(purge(), scenario.tenant_id)["expired_media"] == 3
    assert all(keys_mentioning(aws, m) == [] for m in ids)
    [entry] = purge_entries(scenario.tenant_id)
    assert entry["details"]["expired_media"] == 3


def test_one_run_at_a_time_per_centre(aws: Aws, scenario: Scenario) -> None:
    upload_photo(aws, scenario)
    move_clock_to(FIRST_PURGED)
    first = logic.run(should_stop=lambda: True)  # holds the lease, stops at once
    assert first.complete is False
    second = purge()
    assert scenario.tenant_id in second["skipped"]


# --- Lapsed consents ------------------------------------------------------------------------


def test_a_consent_that_lapses_by_itself_hides_the_item_and_removes_its_copies(
    aws: Aws, scenario: Scenario
) -> None:
    scenario.ok(scenario.admin("PUT", "settings", {"media_retention_months": 24}))
    media_id = upload_photo(aws, scenario)
    scenario.ok(give(scenario, "g3", "noah", [GROUP]))
    scenario.ok(tag(scenario, media_id, "noah"))
    scenario.ok(approve(scenario, media_id, audiences=[GROUP]))
    copies = [k for k in keys_mentioning(aws, media_id) if "/s/" in k or "/d/" in k]
    assert copies
    # The consent ends with the season (08-31); the album is still within retention
    data.ready()
    ended = Consent.get(tenant_pk(scenario.tenant_id), f"CONSENT#{scenario.children['noah']}")
    clock.reset()
    clock.advance(int(ended.valid_until) - clock.now() + 2 * 24 * 3600)
    found = counts(purge(), scenario.tenant_id)
    assert found["items_hidden"] == 1
    assert media(scenario, media_id).state == "hidden"
    assert [k for k in keys_mentioning(aws, media_id) if "/s/" in k or "/d/" in k] == []


# --- Audit retention ------------------------------------------------------------------------


def test_audit_entries_go_after_12_months_and_consent_entries_after_the_proof_period(
    aws: Aws, scenario: Scenario
) -> None:
    scenario.ok(give(scenario, "g3", "noah", [GROUP]))
    scenario.ok(scenario.admin("POST", "groups", {"name": "castors"}), 201)
    actions = [r["action"] for r in audit.export_rows(scenario.tenant_id)]
    assert "consent_given" in actions
    assert "roster_changed" in actions
    # 13 months later: everything but the consent entries is gone; the chain still verifies
    clock.advance(396 * 24 * 3600)
    found = counts(purge(), scenario.tenant_id)
    assert found["audit_entries"] == len(actions) - 1
    kept = [r["action"] for r in audit.export_rows(scenario.tenant_id)]
    assert kept[0] == "consent_given"
    assert "roster_changed" not in kept
    assert audit.verify(scenario.tenant_id).ok
    # After the proof period (five years), the consent entry goes too
    clock.advance(rules.PROOF_SECONDS)
    purge()
    assert "consent_given" not in [r["action"] for r in audit.export_rows(scenario.tenant_id)]
    report = audit.verify(scenario.tenant_id)
    assert report.ok, report


def test_a_missing_consent_entry_inside_the_proof_period_still_breaks_the_chain(
    aws: Aws, scenario: Scenario
) -> None:
    from pellicule.store.models import AuditEntry

    scenario.ok(give(scenario, "g3", "noah", [GROUP]))
    scenario.ok(scenario.admin("POST", "groups", {"name": "castors"}), 201)
    clock.advance(396 * 24 * 3600)
    purge()
    [consent_row] = [
        r for r in audit.export_rows(scenario.tenant_id) if r["action"] == "consent_given"
    ]
    AuditEntry(audit.audit_pk(scenario.tenant_id), audit.seq_sk(consent_row["seq"])).delete()
    report = audit.verify(scenario.tenant_id)
    assert not report.ok
    assert "consent" in (report.problem or "")


def _exists(centre: Scenario, media_id: str) -> bool:
    return Media.count(tenant_pk(centre.tenant_id), Media.sk == f"MEDIA#{media_id}") == 1


def _invalidated(aws: Aws) -> set[str]:
    """Every invalidation created on the distribution so far (ids; moto keeps them)."""
    listed = aws.client("cloudfront").list_invalidations(DistributionId=aws.distribution_id)
    return {summary["Id"] for summary in listed.get("InvalidationList", {}).get("Items", [])}


def test_album_item_is_kept_while_it_has_media_within_retention(
    aws: Aws, scenario: Scenario
) -> None:
    data.ready()
    album = Album.get(tenant_pk(scenario.tenant_id), f"ALBUM#{scenario.album_id}")
    assert not rules.expired(album.album_date, 12, clock.now())
    assert rules.purge_date("2026-07-08", 12).isoformat() == "2027-07-09"  # kept 07-08
    assert rules.purge_date("2024-01-31", 1).isoformat() == "2024-03-01"  # Feb 29 + 1 day
    assert rules.purge_date("2025-01-31", 1).isoformat() == "2025-03-01"


def test_the_lapsed_step_brings_back_an_item_the_gate_hid_once_a_consent_allows_it(
    aws: Aws, scenario: Scenario
) -> None:
    """A consent given for the next season while the stream's delivery was missed: the daily
    step reconciles the gate-hidden items too, so the item comes back."""
    scenario.ok(scenario.admin("PUT", "settings", {"media_retention_months": 24}))
    media_id = upload_photo(aws, scenario)
    scenario.ok(give(scenario, "g3", "noah", [GROUP]))
    scenario.ok(tag(scenario, media_id, "noah"))
    scenario.ok(approve(scenario, media_id, audiences=[GROUP]))
    data.ready()
    ended = Consent.get(tenant_pk(scenario.tenant_id), f"CONSENT#{scenario.children['noah']}")
    clock.reset()
    clock.advance(int(ended.valid_until) - clock.now() + 2 * 24 * 3600)
    assert counts(purge(), scenario.tenant_id)["items_hidden"] == 1
    assert media(scenario, media_id).hidden_by == "gate"
    # When the guardian gives consent for the new season (no stream record delivered here)
    g3 = scenario.families["g3"]
    g3.session = sessions.create(scenario.tenant_id, "guardian", g3.guardian_id, "guardian")
    scenario.ok(give(scenario, "g3", "noah", [GROUP]))
    clock.advance(24 * 3600)
    found = counts(purge(), scenario.tenant_id)
    # Then the next run publishes it again, with fresh copies
    assert found["items_restored"] == 1
    assert media(scenario, media_id).state == "published"
    assert [k for k in keys_mentioning(aws, media_id) if "/s/" in k or "/d/" in k]
    # ...and an item a director took down is never brought back by the run
    old_image = media(scenario, media_id).serialize()
    scenario.director = sessions.create(scenario.tenant_id, "staff", "dir-1", "director")
    scenario.ok(scenario.admin("POST", f"media/{media_id}/unpublish"))
    from tests.integration.test_publication_flow import propagate

    propagate(scenario, media_id, old_image)
    clock.advance(24 * 3600)
    assert counts(purge(), scenario.tenant_id).get("items_restored", 0) == 0
    assert media(scenario, media_id).state == "hidden"
