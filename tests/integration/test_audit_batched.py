"""Batched audit entries (docs/audit.md, "Batched entries"): views and downloads are one put
each, chained later by one writer; crash-safe, idempotent, tamper-evident, and 500 families
opening an album at once never touch the chain head."""

from __future__ import annotations

import copy
import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conftest import Aws, Centre

TENANT = "tbatchedcentre"


def _client(aws: Aws) -> tuple[Any, str]:
    return aws.client("dynamodb"), aws.names.table


def _raw(aws: Aws, sk: str) -> dict[str, Any]:
    client, table = _client(aws)
    key = {"pk": {"S": f"AUDIT#{TENANT}"}, "sk": {"S": sk}}
    return client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]


def _put(aws: Aws, item: dict[str, Any]) -> None:
    client, table = _client(aws)
    client.put_item(TableName=table, Item=item)


def _delete(aws: Aws, sk: str) -> None:
    client, table = _client(aws)
    client.delete_item(TableName=table, Key={"pk": {"S": f"AUDIT#{TENANT}"}, "sk": {"S": sk}})


def _views(count: int, start: int = 0) -> list[str]:
    from pellicule.config import clock
    from pellicule.services import audit

    # A millisecond apart at least: events of the same millisecond are chained in the order of
    # their random ids, and these tests check the order.
    now = clock.now()
    return [
        audit.record(
            TENANT, "view", f"guardian:g{i}", f"album:a{i % 3}", {"items": i}, at=now + i / 100
        ).key
        for i in range(start, start + count)
    ]


@pytest.fixture
def ready(aws: Aws) -> None:
    from pellicule.store import data

    data.ready()


@pytest.mark.usefixtures("ready")
def test_recorded_events_wait_then_chain_in_order_and_verify() -> None:
    from pellicule.services import audit
    from pellicule.store import audit as store

    audit.append(TENANT, "login", "staff:s1", f"tenant:{TENANT}")
    _views(3)
    # Recorded, not chained: verify checks them and says how many wait
    report = audit.verify(TENANT)
    assert (report.ok, report.checked, report.pending) == (True, 1, 3)
    assert [e.seq for e in store.entries(TENANT)] == [1]
    assert audit.chain_pending(TENANT) == 3
    assert list(store.pending(TENANT)) == []
    chained = list(store.entries(TENANT))
    assert [(e.seq, e.action, e.actor) for e in chained] == [
        (1, "login", "staff:s1"),
        (2, "view", "guardian:g0"),
        (3, "view", "guardian:g1"),
        (4, "view", "guardian:g2"),
    ]
    assert chained[2].details == {"items": 1}
    assert audit.verify(TENANT) == audit.VerifyReport(True, 4)
    # Idempotent: nothing left, nothing written again
    assert audit.chain_pending(TENANT) == 0
    assert audit.verify(TENANT) == audit.VerifyReport(True, 4)
    # A direct append after the batch follows it
    audit.append(TENANT, "logout", "staff:s1", f"tenant:{TENANT}")
    assert audit.verify(TENANT) == audit.VerifyReport(True, 5)


@pytest.mark.usefixtures("ready")
def test_only_views_and_downloads_are_batched() -> None:
    from pellicule.services import audit

    with pytest.raises(audit.AuditError):
        audit.record(TENANT, "consent_given", "guardian:g1", "child:c1")
    with pytest.raises(audit.AuditError):
        audit.record(TENANT, "view", "guardian:someone@example.org", "album:a1")


@pytest.mark.usefixtures("ready")
def test_a_batch_larger_than_one_transaction_is_chained_in_several() -> None:
    from pellicule.services import audit
    from pellicule.store import audit as store

    _views(store.MAX_BATCH * 2 + 3)
    assert audit.chain_pending(TENANT) == store.MAX_BATCH * 2 + 3
    assert audit.verify(TENANT) == audit.VerifyReport(True, store.MAX_BATCH * 2 + 3)


@pytest.mark.usefixtures("ready")
def test_a_writer_that_dies_mid_batch_loses_and_repeats_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pynamodb.transactions import TransactWrite

    from pellicule.services import audit
    from pellicule.store import audit as store

    keys = _views(5)

    class Crash(RuntimeError):
        pass

    class DyingWrite(TransactWrite):
        def _commit(self) -> Any:
            raise Crash("the writer's process died before its transaction landed")

    monkeypatch.setattr(store, "TransactWrite", DyingWrite)
    with pytest.raises(Crash):
        audit.chain_pending(TENANT)
    assert [e.key for e in store.pending(TENANT)] == keys
    assert list(store.entries(TENANT)) == []
    monkeypatch.undo()
    assert audit.chain_pending(TENANT) == 5
    actors = [e.actor for e in store.entries(TENANT)]
    assert actors == [f"guardian:g{i}" for i in range(5)]  # each once, in order
    assert audit.verify(TENANT) == audit.VerifyReport(True, 5)


@pytest.mark.usefixtures("ready", "serialised_moto")
def test_two_writers_at_once_chain_each_event_once() -> None:
    from pellicule.services import audit
    from pellicule.store import audit as store

    _views(60)
    counts: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def writer() -> None:
        try:
            start.wait()
            counts.append(audit.chain_pending(TENANT))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == 60
    chained = Counter(e.actor for e in store.entries(TENANT))
    assert len(chained) == 60
    assert set(chained.values()) == {1}
    assert audit.verify(TENANT) == audit.VerifyReport(True, 60)


@pytest.mark.usefixtures("ready")
def test_an_altered_pending_event_is_reported_and_never_chained(aws: Aws) -> None:
    from pellicule.services import audit
    from pellicule.store import audit as store

    _, second = _views(2)
    item = _raw(aws, second)
    item["actor"] = {"S": "guardian:someone-else"}
    _put(aws, item)
    report = audit.verify(TENANT)
    assert (report.ok, report.broken_event, report.pending) == (False, second, 1)
    assert "altered" in (report.problem or "")
    # The writer chains the good one and leaves the altered one for the people to look at
    assert audit.chain_pending(TENANT) == 1
    assert [e.key for e in store.pending(TENANT)] == [second]
    assert audit.verify(TENANT).broken_event == second


@pytest.mark.usefixtures("ready")
def test_a_foreign_action_slipped_among_pending_events_is_reported(aws: Aws) -> None:
    from pellicule.services import audit

    (key,) = _views(1)
    item = _raw(aws, key)
    item["action"] = {"S": "consent_withdrawn"}
    _put(aws, item)
    report = audit.verify(TENANT)
    assert (report.ok, report.broken_event) == (False, key)


@pytest.mark.usefixtures("ready")
def test_batched_entries_are_as_tamper_evident_as_appended_ones(aws: Aws) -> None:
    from pellicule.services import audit

    _views(6)
    audit.chain_pending(TENANT)
    assert audit.verify(TENANT).ok
    # Altered
    third = _raw(aws, f"{3:012d}")
    original = copy.deepcopy(third)
    third["details"]["M"]["items"] = {"N": "99"}
    _put(aws, third)
    assert (audit.verify(TENANT).ok, audit.verify(TENANT).first_broken_seq) == (False, 3)
    _put(aws, original)
    assert audit.verify(TENANT).ok
    # Re-ordered
    fourth, fifth = _raw(aws, f"{4:012d}"), _raw(aws, f"{5:012d}")
    fourth["sk"], fifth["sk"] = fifth["sk"], fourth["sk"]
    _put(aws, fourth)
    _put(aws, fifth)
    assert (audit.verify(TENANT).ok, audit.verify(TENANT).first_broken_seq) == (False, 4)
    fourth["sk"], fifth["sk"] = fifth["sk"], fourth["sk"]
    _put(aws, fourth)
    _put(aws, fifth)
    assert audit.verify(TENANT).ok
    # Removed
    _delete(aws, f"{2:012d}")
    report = audit.verify(TENANT)
    assert (report.ok, report.first_broken_seq) == (False, 2)
    assert "missing" in (report.problem or "")


# --- The load test: the daily digest brings every family of a centre at once --------------

# 100 families by default (~30 s). PELLICULE_AUDIT_LOAD_FAMILIES=500 is the figure,
# too slow under moto to be a test (docs/audit.md, "Batched entries": moto walks the whole
# partition per query and copies the table per transaction).
FAMILIES = int(os.environ.get("PELLICULE_AUDIT_LOAD_FAMILIES", "100"))


def _families(tenant_id: str, child_id: str, count: int) -> list[str]:
    """``count`` more guardians of the child, put straight in the roster (linked on both sides;
    the staff API's welcome e-mail is not what is measured), each with a session."""
    from pellicule.services import sessions
    from pellicule.store.models import Child, Guardian, tenant_pk

    pk = tenant_pk(tenant_id)
    ids = [f"load{i:04d}" for i in range(count)]
    child = Child.get(pk, f"CHILD#{child_id}")
    child.update(actions=[Child.guardian_ids.add(set(ids))])
    made = []
    for i, guardian_id in enumerate(ids):
        Guardian(
            pk,
            f"GUARDIAN#{guardian_id}",
            tenant_id=tenant_id,
            guardian_id=guardian_id,
            email=f"famille{i}@famille.example",
            child_ids={child_id},
        ).save()
        made.append(sessions.create(tenant_id, "guardian", guardian_id, "guardian"))
    return made


@pytest.mark.usefixtures("serialised_moto")
def test_five_hundred_families_open_an_album_at_once_without_touching_the_chain(
    aws: Aws, centre: Centre, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pynamodb.transactions import TransactWrite

    from pellicule.services import audit
    from pellicule.store import audit as store
    from tests.conftest import api_event
    from tests.integration.helpers import call
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

    # A group, Léa, her consenting guardian, an album with one published photo of her
    director = centre.director_session
    group = create_group(director)
    lea = create_child(director, group, "Léa", "M")
    give_consent(
        guardian_session(centre.tenant_id, create_guardian(director, "l@e.org", [lea])), lea
    )
    album_id = create_album(director, "Sortie au parc", group)
    media_id = ready_photo(aws, centre, album_id)
    tag(director, media_id, [lea])
    publish(director, media_id, ["families_of_group"])
    sessions_made = _families(centre.tenant_id, lea, FAMILIES)
    chain_writes: list[int] = []

    class CountedWrite(TransactWrite):
        def _commit(self) -> Any:
            chain_writes.append(1)
            return super()._commit()

    monkeypatch.setattr(store, "TransactWrite", CountedWrite)
    conflicts_before = store.chain_conflicts
    path = f"/api/family/albums/{album_id}"

    def open_album(session: str) -> int:
        response = call("family", api_event("GET", path, session=session))
        return int(response["statusCode"])

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(open_album, sessions_made))
    assert Counter(statuses) == {200: FAMILIES}
    # Not one transaction on the chain head while the families looked
    assert chain_writes == []
    assert sum(1 for e in store.pending(centre.tenant_id) if e.action == "view") == FAMILIES

    # The writer chains them: a handful of transactions, no conflict, no retry
    assert audit.chain_pending(centre.tenant_id) == FAMILIES
    assert len(chain_writes) == -(-FAMILIES // store.MAX_BATCH)
    assert store.chain_conflicts == conflicts_before
    views = [e for e in store.entries(centre.tenant_id) if e.action == "view"]
    assert len(views) == FAMILIES
    assert {e.actor for e in views} == {f"guardian:load{i:04d}" for i in range(FAMILIES)}
    report = audit.verify(centre.tenant_id)
    assert (report.ok, report.pending) == (True, 0), report


def test_the_daily_purge_chains_what_waits(aws: Aws, centre: Centre) -> None:
    from functions.purge import logic as purge
    from pellicule.services import audit
    from pellicule.store import audit as store

    audit.record(centre.tenant_id, "download", "guardian:g1", "media:m1", {"blurred": "false"})
    assert audit.verify(centre.tenant_id).pending == 1
    report = purge.run([centre.tenant_id], steps=["audit"])
    assert report.errors == {}
    assert list(store.pending(centre.tenant_id)) == []
    assert [e.action for e in store.entries(centre.tenant_id)][-1:] == ["download"]
    verified = audit.verify(centre.tenant_id)
    assert (verified.ok, verified.pending) == (True, 0), verified


@pytest.mark.usefixtures("ready")
def test_a_bounded_run_chains_the_oldest_and_leaves_the_rest_waiting() -> None:
    from pellicule.services import audit
    from pellicule.store import audit as store

    keys = _views(store.MAX_BATCH + 5)
    assert audit.chain_pending(TENANT, store.MAX_BATCH + 1) == store.MAX_BATCH + 1
    assert [e.key for e in store.pending(TENANT)] == keys[store.MAX_BATCH + 1 :]
    report = audit.verify(TENANT)
    assert (report.ok, report.checked, report.pending) == (True, store.MAX_BATCH + 1, 4)


@pytest.mark.usefixtures("ready")
def test_the_command_counts_waiting_events_and_names_a_broken_one(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    from pellicule.services import audit
    from pellicule_ops.cli import main

    audit.append(TENANT, "login", "staff:s1", f"tenant:{TENANT}")
    first, _ = _views(2)
    command = ["audit", "verify", "--tenant", TENANT, "--table", aws.names.table]
    assert main(command) == 0
    assert capsys.readouterr().out.strip() == "OK: 1 entries verified, 2 waiting to be chained"
    item = _raw(aws, first)
    item["details"]["M"]["items"] = {"N": "7"}
    _put(aws, item)
    assert main(command) == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"BROKEN pending event: pending event {first} was altered")
