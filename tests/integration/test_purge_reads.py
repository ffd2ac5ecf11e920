"""What the scheduled purge reads grows with its work, not with the table (issue 16, item 5).

The hourly run (erasures) visits only the centres with a request to act on, found through the
erasure index; the daily run lists the centres through the centres index. Neither scans the
table for them. The reads are counted where PynamoDB calls DynamoDB: the items each Query or
Scan went through (``ScannedCount``, what DynamoDB bills), each item a GetItem or BatchGetItem
returned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pynamodb.connection.base import Connection

from functions.purge import logic
from pellicule.config import clock
from pellicule.domain.erasure import DEADLINE_SECONDS
from pellicule.services import erasure
from pellicule.store import erasures, keys, purge_runs
from pellicule.store.models import ErasureRequest, Tenant, tenant_pk
from tests.conftest import Aws, make_centre


class Reads:
    def __init__(self) -> None:
        self.items = 0
        self.calls: Counter[str] = Counter()

    def count(self, operation: str, response: dict[str, Any]) -> None:
        self.calls[operation] += 1
        if operation in ("Query", "Scan"):
            self.items += int(response.get("ScannedCount", response.get("Count", 0)))
        elif operation == "GetItem":
            self.items += 1 if response.get("Item") else 0
        elif operation in ("BatchGetItem", "TransactGetItems"):
            found = response.get("Responses", {})
            values = found.values() if isinstance(found, dict) else [found]
            self.items += sum(len(v) for v in values)


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Reads]:
    reads = Reads()
    real = Connection.dispatch

    def dispatch(self: Connection, operation: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = real(self, operation, kwargs)
        reads.count(operation, response)
        return response

    with monkeypatch.context() as patch:
        patch.setattr(Connection, "dispatch", dispatch)
        yield reads


def hourly(monkeypatch: pytest.MonkeyPatch) -> tuple[Reads, logic.Report]:
    with counting(monkeypatch) as reads:
        report = logic.run(steps=["erasures"], records=False)
    assert report.complete, report
    assert not report.errors, report
    return reads, report


def ask(tenant_id: str, child_id: str = "lea") -> None:
    erasure.request(tenant_id, child_id, "guardian:guardian-1")


def test_the_hourly_run_reads_the_same_with_5_or_50_centres(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        make_centre()
    five, report = hourly(monkeypatch)
    assert report.tenants == {}  # no request: no centre visited
    for _ in range(45):
        make_centre()
    fifty, _ = hourly(monkeypatch)
    assert five.calls["Scan"] == fifty.calls["Scan"] == 0
    assert five.items == fifty.items == 0
    assert five.calls == fifty.calls  # one query of the erasure index, nothing else


def test_the_hourly_run_reads_grow_with_the_open_requests(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    centres = [make_centre().tenant_id for _ in range(20)]
    idle, _ = hourly(monkeypatch)
    ask(centres[0])
    one, report = hourly(monkeypatch)
    assert list(report.tenants) == [centres[0]]  # visited: its request waits for a choice
    for tenant_id in centres[1:3]:
        ask(tenant_id)
    three, report = hourly(monkeypatch)
    assert sorted(report.tenants) == sorted(centres[:3])
    assert 0 == idle.items < one.items < three.items
    # Each centre visited costs the same few reads (its request, its purge runs): three
    # requests read about three times what one did, whatever the 17 other centres hold.
    assert three.items <= 3 * one.items + 3  # + the first centre's runs kept since
    assert three.calls["Scan"] == 0


def test_a_request_done_and_mailed_waits_for_its_proof_period_out_of_the_hourly_runs(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant_id = make_centre().tenant_id
    ask(tenant_id)
    now = clock.now()
    assert erasures.due_centres(now) == [tenant_id]
    request = erasures.current(tenant_id, "lea")
    assert request is not None
    request.update(
        actions=[
            ErasureRequest.status.set("done"),
            ErasureRequest.evidence_until.set(int(now) + 3600),
        ]
    )
    erasures.certificate_sent(request, at=now)
    assert erasures.due_centres(now) == []
    assert erasures.due_centres(now + 3600) == [tenant_id]
    assert erasures.due_centres(now + DEADLINE_SECONDS) == [tenant_id]


def test_the_daily_run_lists_centres_through_their_index_not_the_table(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = sorted(make_centre().tenant_id for _ in range(12))
    with counting(monkeypatch) as reads:
        assert purge_runs.tenant_ids() == made
    assert reads.calls == Counter({"Query": 1})
    assert reads.items == 12  # one index entry per centre: not their staff, albums, sessions
    with counting(monkeypatch) as reads:
        report = logic.run(records=False)
    assert sorted(report.tenants) == made
    assert reads.calls["Scan"] == 0


def test_the_one_off_backfill_indexes_centres_and_requests_written_before_the_indexes(
    aws: Aws,
) -> None:
    from pellicule_ops import tenants

    made = make_centre().tenant_id
    old = "t-before"
    Tenant(tenant_pk(old), keys.PROFILE, tenant_id=old, name="Old", created_at=1).save()
    ask(old, "noah")
    ErasureRequest(tenant_pk(old), keys.erasure_sk("noah")).update(
        actions=[ErasureRequest.gsi1pk.remove(), ErasureRequest.gsi1sk.remove()]
    )
    assert purge_runs.tenant_ids() == [made]
    assert erasures.due_centres(clock.now()) == []
    assert tenants.index_all() == {"centres": 1, "erasure_requests": 1}
    assert purge_runs.tenant_ids() == sorted([made, old])
    assert erasures.due_centres(clock.now()) == [old]
    assert tenants.index_all() == {"centres": 0, "erasure_requests": 0}
