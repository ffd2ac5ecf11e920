"""What the nightly runs cost an idle centre (issue 19: 1,000 centres on one stack).

An idle centre (a director, a guardian, an album; nothing published, nothing due) costs the
daily purge two writes of its run item (created with its lease, marked done with its counts
and steps) and one read of its albums; the digest reads its albums once and writes no audit
entry. A busy centre's run records its steps and its evidence as before, and a run
interrupted after idle steps resumes and finishes them (docs/retention.md, "Idempotent,
resumable, one at a time"). Calls are counted where PynamoDB calls DynamoDB.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pynamodb.connection.base import Connection

from functions.purge import logic
from pellicule.config import clock
from pellicule.domain import retention as rules
from pellicule.store import purge_runs
from pellicule.store.models import Album, Media, PurgeRun, tenant_pk
from tests.conftest import Aws, make_centre
from tests.integration.digest_helpers import family_with_news, run_digest
from tests.integration.purge_helpers import audit_actions, purge_entries

Call = tuple[str, dict[str, Any]]
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")


@contextmanager
def recording(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Call]]:
    calls: list[Call] = []
    real = Connection.dispatch

    def dispatch(self: Connection, operation: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        calls.append((operation, kwargs))
        response: dict[str, Any] = real(self, operation, kwargs)
        return response

    with monkeypatch.context() as patch:
        patch.setattr(Connection, "dispatch", dispatch)
        yield calls


def _mentions(kwargs: dict[str, Any], text: str) -> bool:
    return text in json.dumps(kwargs, default=str)


def run_item_writes(calls: list[Call]) -> list[str]:
    return [op for op, kwargs in calls if op in WRITES and _mentions(kwargs, '"PURGERUN#')]


def run_item_gets(calls: list[Call]) -> list[str]:
    return [op for op, kwargs in calls if op == "GetItem" and _mentions(kwargs, '"PURGERUN#')]


def queries_of(calls: list[Call], prefix: str) -> int:
    """Queries of a centre's items whose sort key starts with ``prefix``."""
    return sum(
        1
        for op, kwargs in calls
        if op == "Query" and {"S": prefix} in kwargs.get("ExpressionAttributeValues", {}).values()
    )


def runs_of(tenant_id: str) -> list[PurgeRun]:
    return list(PurgeRun.query(tenant_pk(tenant_id), PurgeRun.sk.startswith("PURGERUN#")))


def stop_at(step: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The time budget ends as ``step`` begins."""

    def out_of_time(context: logic.Context) -> None:
        raise logic.Interrupted

    monkeypatch.setitem(logic.STEP_FUNCTIONS, step, out_of_time)


# --- The purge ------------------------------------------------------------------------------


def test_an_idle_centres_purge_writes_its_run_twice_and_reads_its_albums_once(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant_id = make_centre().tenant_id
    with recording(monkeypatch) as calls:
        report = logic.run()
    assert report.complete
    assert report.tenants == {tenant_id: {}}
    # Its run item: created with its lease, marked done; never read again by key.
    assert run_item_writes(calls) == ["PutItem", "UpdateItem"]
    assert run_item_gets(calls) == []
    # Its albums: read once for the run (retention and orphans); the lapsed step, with no
    # item in the centre, reads none of the gate's inputs.
    assert queries_of(calls, "ALBUM#") == 1
    assert queries_of(calls, "CHILD#") == queries_of(calls, "CONSENT#") == 0
    [run] = runs_of(tenant_id)
    assert run.status == purge_runs.DONE
    assert list(run.steps_done) == list(logic.STEPS)
    assert purge_runs.counts_of(run) == {}
    assert int(run.lease_until) == 0
    assert "purge" not in audit_actions(tenant_id)  # nothing deleted: no evidence record


def test_a_run_interrupted_after_idle_steps_resumes_and_finishes_them(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant_id = make_centre().tenant_id
    with monkeypatch.context() as patch:
        stop_at("lapsed", patch)
        first = logic.run()
    assert first.complete is False
    [unfinished] = runs_of(tenant_id)
    # Erasures, retention and orphans changed nothing: the run item was not written for them.
    assert unfinished.status == purge_runs.RUNNING
    assert list(unfinished.steps_done or []) == []
    assert int(unfinished.lease_until) > clock.now()
    # While its lease holds, no other run works on the centre
    assert tenant_id in logic.run().skipped
    # Once it expired, the next run takes the same run over and finishes every step.
    clock.advance(logic.LEASE_SECONDS + 1)
    again = logic.run()
    assert again.complete
    assert again.tenants == {tenant_id: {}}
    [run] = runs_of(tenant_id)
    assert run.run_id == unfinished.run_id
    assert run.status == purge_runs.DONE
    assert list(run.steps_done) == list(logic.STEPS)
    assert purge_entries(tenant_id) == []


def _item(tenant_id: str, media_id: str, album_id: str) -> None:
    now = int(clock.now())
    Media(
        tenant_pk(tenant_id),
        f"MEDIA#{media_id}",
        tenant_id=tenant_id,
        media_id=media_id,
        album_id=album_id,
        kind="photo",
        state="ready",
        declared_type="image/jpeg",
        declared_size=1,
        ingest_key=f"ingest/photo/t/{tenant_id}/m/{media_id}/x",
        uploaded_by="staff:staff-1",
        created_at=now,
        updated_at=now,
    ).save()


def _album(tenant_id: str, album_id: str) -> None:
    Album(
        tenant_pk(tenant_id),
        f"ALBUM#{album_id}",
        tenant_id=tenant_id,
        album_id=album_id,
        title="Nouveau",
        album_date=rules.today(clock.now()).isoformat(),
        created_at=int(clock.now()),
    ).save()


def test_an_album_created_during_the_run_keeps_its_items_and_a_busy_run_records_its_steps(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The orphans step plans with the albums the run read first; an item of none of them
    goes only once the albums, read again, do not know it either."""
    tenant_id = make_centre().tenant_id
    _item(tenant_id, "stray", "album-deleted-long-ago")  # a true orphan
    real_retention = logic.STEP_FUNCTIONS["retention"]

    def retention_then_an_upload(context: logic.Context) -> None:
        real_retention(context)
        # Meanwhile, a director creates an album and uploads into it.
        _album(tenant_id, "created-meanwhile")
        _item(tenant_id, "fresh", "created-meanwhile")

    with monkeypatch.context() as patch:
        patch.setitem(logic.STEP_FUNCTIONS, "retention", retention_then_an_upload)
        stop_at("lapsed", patch)
        first = logic.run()
    assert first.complete is False
    [unfinished] = runs_of(tenant_id)
    # A step that counted something is recorded with its counts (the idle ones before it too)
    assert list(unfinished.steps_done) == ["erasures", "retention", "orphans"]
    assert purge_runs.counts_of(unfinished) == {"orphan_media": 1}
    assert Media.count(tenant_pk(tenant_id), Media.sk == "MEDIA#stray") == 0
    assert Media.count(tenant_pk(tenant_id), Media.sk == "MEDIA#fresh") == 1
    # The resumed run finishes the other steps and writes the evidence once, with the counts.
    clock.advance(logic.LEASE_SECONDS + 1)
    again = logic.run()
    assert again.tenants == {tenant_id: {"orphan_media": 1}}
    [entry] = purge_entries(tenant_id)
    assert entry["details"]["orphan_media"] == 1
    assert entry["subject"] == f"purge:{unfinished.run_id}"
    [run] = runs_of(tenant_id)
    assert run.status == purge_runs.DONE
    assert list(run.steps_done) == list(logic.STEPS)
    assert Media.count(tenant_pk(tenant_id), Media.sk == "MEDIA#fresh") == 1


# --- The digest -----------------------------------------------------------------------------


def test_an_idle_centres_digest_reads_its_albums_at_most_once_and_writes_no_entry(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    idle = make_centre().tenant_id
    busy = "t-busy"
    family_with_news(busy, "g-busy", "busy@famille.example")
    with recording(monkeypatch) as calls:
        report = run_digest()
    assert report["by_tenant"][idle]["sent"] == 0
    assert report["by_tenant"][busy]["sent"] == 1
    # Each centre's albums once: the digest's (news in the busy one) and the souvenir's
    busy_calls = [c for c in calls if _mentions(c[1], f"TENANT#{busy}")]
    idle_calls = [c for c in calls if _mentions(c[1], f"TENANT#{idle}")]
    assert queries_of(busy_calls, "ALBUM#") == 1
    assert queries_of(idle_calls, "ALBUM#") == 1  # the souvenir's notice period
    # The profile came whole from the centres index: not read again for the settings
    assert not [op for op, kwargs in idle_calls if op == "GetItem" and _mentions(kwargs, "PROFILE")]
    # Evidence where something happened; none where nothing did
    assert audit_actions(busy).count("digest") == 1
    assert "digest" not in audit_actions(idle)
    assert not [op for op, kwargs in calls if _mentions(kwargs, f"AUDIT#{idle}")]
