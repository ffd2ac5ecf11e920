"""The audit chainer (docs/audit.md, "Batched entries"): the table's stream hands it the new
waiting views and downloads, and it chains them within seconds, centre by centre; other
records never reach it (and would change nothing), and a chainer that dies mid-way loses and
repeats nothing once Lambda delivers the batch again.

The records are the real ones: read from moto's table stream, turned into Lambda's event
(``local/events.py``) and filtered by the consumer's own patterns (``local/filters.py``), as
the local runtime's stream poller does and as the event source mapping does in AWS.
"""

from __future__ import annotations

from typing import Any

import pytest

from local.events import dynamodb_stream_record
from local.filters import EventFilter
from pellicule.config import topology
from tests.conftest import Aws, Centre

SPEC = topology.AUDIT_CHAIN_STREAM
FILTER = EventFilter(SPEC.filters)
OTHER = "tchainerother"


def _shard_items(aws: Aws) -> list[Any]:
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[aws.names.account][aws.names.region].tables[aws.names.table]
    assert table.stream_shard is not None, "the table has a stream"
    return list(table.stream_shard.items)


class Stream:
    """The table's stream from the moment it is made, as Lambda's records."""

    def __init__(self, aws: Aws) -> None:
        self.aws = aws
        self.position = len(_shard_items(aws))

    def records(self) -> list[dict[str, Any]]:
        """Every record written since the last call (all of them, filtered or not)."""
        items = _shard_items(self.aws)
        fresh, self.position = items[self.position :], len(items)
        return [
            dynamodb_stream_record(
                item.to_json(), stream_arn="arn:aws:dynamodb:stream", region=self.aws.names.region
            )
            for item in fresh
        ]

    def batch(self) -> list[dict[str, Any]]:
        """What the event source mapping hands the chainer: the records its filters pass."""
        return [record for record in self.records() if FILTER.passes(record)]


def _chainer(records: list[dict[str, Any]]) -> dict[str, Any]:
    from functions.chainer.handler import handler

    result: dict[str, Any] = handler({"Records": records}, None)
    return result


def _sk(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["Keys"]["sk"]["S"])


def _views(tenant_id: str, count: int, start: int = 0) -> list[str]:
    from pellicule.config import clock
    from pellicule.services import audit

    now = clock.now()  # a millisecond apart at least: the order below is the chain's
    return [
        audit.record(tenant_id, "view", f"guardian:g{i}", "album:a1", at=now + i / 100).key
        for i in range(start, start + count)
    ]


def _published_album(aws: Aws, centre: Centre) -> tuple[str, str]:
    """An album with one published photo of Léa; her guardian's session."""
    from tests.integration.staff_api import (
        create_album,
        create_child,
        create_group,
        create_guardian,
        give_consent,
        guardian_session,
        publish,
        ready_photo,
        tag,
    )

    director = centre.director_session
    group = create_group(director)
    lea = create_child(director, group, "Léa", "M")
    guardian = create_guardian(director, "l@e.org", [lea])
    session = guardian_session(centre.tenant_id, guardian)
    give_consent(session, lea)
    album_id = create_album(director, "Sortie au parc", group)
    media_id = ready_photo(aws, centre, album_id)
    tag(director, media_id, [lea])
    publish(director, media_id, ["families_of_group"])
    return album_id, session


def test_a_family_album_view_is_chained_from_the_stream(aws: Aws, centre: Centre) -> None:
    from pellicule.services import audit
    from pellicule.store import audit as store
    from tests.conftest import api_event
    from tests.integration.helpers import call

    album_id, session = _published_album(aws, centre)
    stream = Stream(aws)

    # When a family opens the album
    response = call("family", api_event("GET", f"/api/family/albums/{album_id}", session=session))
    assert response["statusCode"] == 200
    assert audit.verify(centre.tenant_id).pending == 1

    # Then its view reaches the chainer, alone (its session's sliding write is filtered out)
    batch = stream.batch()
    assert [_sk(r)[: len("PENDING#")] for r in batch] == ["PENDING#"]
    assert _chainer(batch) == {"batchItemFailures": []}

    # and is chained: nothing waits, the chain verifies, its last entry is that view
    assert list(store.pending(centre.tenant_id)) == []
    last = list(store.entries(centre.tenant_id))[-1]
    assert (last.action, last.subject) == ("view", f"album:{album_id}")
    report = audit.verify(centre.tenant_id)
    assert (report.ok, report.pending) == (True, 0), report
    # Chaining fed nothing back to the chainer: no loop
    assert stream.batch() == []


def test_other_records_never_reach_the_chainer_nor_chain_anything(
    aws: Aws, centre: Centre, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.chainer import logic
    from pellicule.store import audit as store
    from tests.integration.staff_api import (
        create_child,
        create_group,
        create_guardian,
        give_consent,
        guardian_session,
    )

    waiting = _views(centre.tenant_id, 1)  # a view the purge will chain, not a consent
    stream = Stream(aws)
    director = centre.director_session
    lea = create_child(director, create_group(director), "Léa", "M")
    give_consent(
        guardian_session(centre.tenant_id, create_guardian(director, "l@e.org", [lea])), lea
    )
    records = stream.records()
    assert any(_sk(r).startswith("CONSENTLOG#") for r in records)
    assert [r for r in records if FILTER.passes(r)] == []

    # Even handed to it unfiltered, a consent change (its audit entry, the head) chains nothing
    calls: list[str] = []
    monkeypatch.setattr(logic.audit, "chain_pending", lambda tenant: calls.append(tenant) or 0)
    assert _chainer(records) == {"batchItemFailures": []}
    assert calls == []
    assert [e.key for e in store.pending(centre.tenant_id)] == waiting


def test_a_pending_insert_passes_the_filter_and_chaining_writes_do_not(aws: Aws) -> None:
    from pellicule.services import audit
    from pellicule.store import data

    data.ready()
    audit.append(OTHER, "login", "staff:s1", f"tenant:{OTHER}")  # HEAD and entry 1
    stream = Stream(aws)
    [key] = _views(OTHER, 1)
    [insert] = stream.records()
    assert (insert["eventName"], _sk(insert)) == ("INSERT", key)
    assert FILTER.passes(insert)

    assert audit.chain_pending(OTHER) == 1
    chaining = stream.records()
    # The head's MODIFY, the entry's INSERT, the waiting item's REMOVE: none passes
    assert sorted((r["eventName"], _sk(r)) for r in chaining) == [
        ("INSERT", "000000000002"),
        ("MODIFY", "HEAD"),
        ("REMOVE", key),
    ]
    assert not [r for r in chaining if FILTER.passes(r)]
    # Nor would a first head, a TTL deletion or a PENDING# key outside an audit log
    head = {**insert, "dynamodb": {**insert["dynamodb"], "Keys": {**insert["dynamodb"]["Keys"]}}}
    head["dynamodb"]["Keys"]["sk"] = {"S": "HEAD"}
    assert not FILTER.passes(head)
    foreign = {**insert, "dynamodb": {**insert["dynamodb"], "Keys": {**insert["dynamodb"]["Keys"]}}}
    foreign["dynamodb"]["Keys"]["pk"] = {"S": f"TENANT#{OTHER}"}
    assert not FILTER.passes(foreign)


def test_one_batch_with_two_centres_chains_both(aws: Aws, centre: Centre) -> None:
    from pellicule.services import audit
    from pellicule.store import audit as store
    from pellicule.store import data

    data.ready()
    stream = Stream(aws)
    _views(centre.tenant_id, 3)
    _views(OTHER, 2)
    _views(centre.tenant_id, 1, start=3)
    batch = stream.batch()
    assert len(batch) == 6

    assert _chainer(batch) == {"batchItemFailures": []}

    for tenant_id, count in ((centre.tenant_id, 4), (OTHER, 2)):
        report = audit.verify(tenant_id)
        assert (report.ok, report.pending) == (True, 0), (tenant_id, report)
        views = [e.actor for e in store.entries(tenant_id) if e.action == "view"]
        assert views == [f"guardian:g{i}" for i in range(count)]


def test_a_chainer_that_dies_mid_way_loses_nothing_and_the_retry_chains_each_event_once(
    aws: Aws, centre: Centre, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pynamodb.transactions import TransactWrite

    from pellicule.services import audit
    from pellicule.store import audit as store
    from pellicule.store import data

    data.ready()
    stream = Stream(aws)
    first = store.MAX_BATCH + 3  # two transactions for this centre
    _views(centre.tenant_id, first)
    _views(OTHER, 2)
    batch = stream.batch()
    assert len(batch) == first + 2
    commits: list[int] = []

    class Crash(RuntimeError):
        pass

    class DiesOnItsSecondCommit(TransactWrite):
        def _commit(self) -> Any:
            commits.append(1)
            if len(commits) == 2:
                raise Crash("the chainer died before its second transaction landed")
            return super()._commit()

    # When the centre's second transaction fails
    monkeypatch.setattr(store, "TransactWrite", DiesOnItsSecondCommit)
    answer = _chainer(batch)

    # Then Lambda is told to retry from that centre's first record; the other centre is chained
    sequence = batch[0]["dynamodb"]["SequenceNumber"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": sequence}]}
    assert audit.verify(OTHER).pending == 0
    # and nothing is lost: the first 49 are chained, the rest still wait
    report = audit.verify(centre.tenant_id)
    assert (report.ok, report.checked, report.pending) == (True, store.MAX_BATCH, 3), report

    # When Lambda delivers the batch again from that record (a healthy chainer this time)
    monkeypatch.undo()
    retried = [r for r in batch if int(r["dynamodb"]["SequenceNumber"]) >= int(sequence)]
    assert _chainer(retried) == {"batchItemFailures": []}

    # Then every event is chained exactly once, in order, and the chains verify
    for tenant_id, count in ((centre.tenant_id, first), (OTHER, 2)):
        views = [e.actor for e in store.entries(tenant_id) if e.action == "view"]
        assert views == [f"guardian:g{i}" for i in range(count)]
        report = audit.verify(tenant_id)
        assert (report.ok, report.pending) == (True, 0), (tenant_id, report)
    # Delivered yet again (at-least-once), it changes nothing
    chained = list(store.entries(centre.tenant_id))
    assert _chainer(batch) == {"batchItemFailures": []}
    assert list(store.entries(centre.tenant_id)) == chained


def test_a_malformed_record_is_skipped_without_failing_the_batch(aws: Aws) -> None:
    from pellicule.store import data

    data.ready()
    record = {
        "eventName": "INSERT",
        "dynamodb": {
            "Keys": {"pk": {"S": "AUDIT#not a tenant!"}, "sk": {"S": "PENDING#1#x"}},
            "SequenceNumber": "1",
        },
    }
    assert _chainer([record]) == {"batchItemFailures": []}
