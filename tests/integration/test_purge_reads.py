"""What the scheduled runs read grows with their work, not with the table (issue 16, item 5).

The hourly run (erasures) visits only the centres with a request to act on, found through the
erasure index; the daily purge and the digest list the centres through the centres index and
read, per centre, what that centre holds for them. None of them scans the table: expired
records that belong to no centre (sessions, sign-in links, rate counters, processing claims)
are left to DynamoDB's TTL, and piling them up changes nothing that a run reads. The reads are
counted where PynamoDB calls DynamoDB: the items each Query or Scan went through
(``ScannedCount``, what DynamoDB bills), each item a GetItem or BatchGetItem returned; the IAM
contract hook (``tests/support/iam_hook.py``) sees every other AWS call a function makes.
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
from pellicule.services import erasure, sessions
from pellicule.store import erasures, ingest, keys, purge_runs, ratelimit
from pellicule.store import sessions as session_store
from pellicule.store.models import ErasureRequest, Tenant, tenant_pk
from tests.conftest import Aws, LambdaContext, make_centre
from tests.integration.purge_helpers import HOURLY, SCHEDULED, purge, table_items


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
        report = logic.run(steps=["erasures"])
    assert report.complete, report
    assert not report.errors, report
    return reads, report


def ask(tenant_id: str, child_id: str = "lea") -> None:
    erasure.request(tenant_id, child_id, "guardian:guardian-1")


EXPIRED_KINDS = {
    "SESSION#": "sessions",
    "LOGIN#": "links",
    "RATE#": "counters",
    "INGEST#": "claims",
}


def expired_records(n: int) -> dict[str, int]:
    """``n`` sessions, sign-in links, rate counters and processing claims, written by their
    stores as sign-in and processing write them, then left to expire (the clock moves on two
    days: past every one's expiry). Returns how many of each kind the table holds."""
    now = int(clock.now())
    limit = ratelimit.Limit("link-email", 5, 15 * 60)
    for i in range(n):
        sessions.create(f"t-gone-{i}", "guardian", f"g{i}", "guardian")
        session_store.save_link(
            f"{i:064x}",
            tenant_id=f"t-gone-{i}",
            kind="guardian",
            principal_id=f"g{i}",
            code_hash="x",
            created_at=now,
            expires_at=now + 15 * 60,
            address=f"{i:064x}",
        )
        ratelimit.hit(limit, f"someone-{i}@example.org")
        claim = ingest.claim("ingest", f"k{i}", "v1", now=now, lease_seconds=60, keep_seconds=3600)
        assert claim is not None
        ingest.finish(claim)
    clock.advance(2 * 24 * 3600)
    held: Counter[str] = Counter()
    for item in table_items():
        pk = item["pk"]["S"]
        kind = next((name for prefix, name in EXPIRED_KINDS.items() if pk.startswith(prefix)), None)
        if kind is not None:
            assert int(item["expires_at"]["N"]) < clock.now()  # all expired, none deleted
            held[kind] += 1
    return dict(held)


def scans(reads: Reads, checker: Any) -> list[str]:
    """The Scan calls seen: PynamoDB's, and any other AWS call a function made (the IAM
    contract hook's record; None when the synthesized policies are not available)."""
    found = ["dynamodb.Scan"] * reads.calls["Scan"]
    if checker is not None:
        found += [operation for _, operation, _, _ in checker.checked if "Scan" in operation]
    return found


def test_the_hourly_run_reads_the_same_with_5_or_50_centres(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        make_centre()
    five, report = hourly(monkeypatch)
    assert report.tenants == {}  # no request: no centre visited
    for _ in range(45):
        make_centre()
    assert min(expired_records(40).values()) >= 40
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
        report = logic.run()
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


def daily(monkeypatch: pytest.MonkeyPatch) -> tuple[Reads, dict[str, Any]]:
    with counting(monkeypatch) as reads:
        report = purge(SCHEDULED)
    assert report["complete"] is True, report
    assert report["errors"] == {}, report
    return reads, report


def digest(monkeypatch: pytest.MonkeyPatch) -> tuple[Reads, dict[str, Any]]:
    from functions.digest import handler

    with counting(monkeypatch) as reads:
        report: dict[str, Any] = handler.handler(SCHEDULED, LambdaContext())
    return reads, report


def test_the_daily_purge_reads_the_same_per_centre_with_5_or_50_and_no_expired_record(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    five_centres = [make_centre().tenant_id for _ in range(5)]
    five, report = daily(monkeypatch)
    assert sorted(report["tenants"]) == sorted(five_centres)
    per_centre, rest = divmod(five.items, 5)
    assert rest == 0
    assert per_centre > 0
    # 45 more centres like them, and hundreds of expired records that belong to no centre.
    for _ in range(45):
        make_centre()
    assert min(expired_records(50).values()) >= 50
    fifty, report = daily(monkeypatch)
    assert len(report["tenants"]) == 50
    # Each centre costs the same reads (its profile in the centres index, its albums and
    # items, its consents, its audit chain, its runs); the first five now also hold the run
    # the first daily run left (one item each, in the same query). Nothing else is read:
    # not the expired sessions, links, counters or claims, not the other centres' items.
    assert fifty.items == 50 * per_centre + 5
    # The same queries per centre, plus the one query of the centres index.
    assert fifty.calls["Query"] - 1 == 10 * (five.calls["Query"] - 1)
    assert "records" not in report  # the daily run no longer sweeps the table


def test_the_digest_reads_the_same_per_centre_with_5_or_50_and_no_expired_record(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        make_centre()
    five, report = digest(monkeypatch)
    assert report["tenants"] == 5
    for _ in range(45):
        make_centre()
    assert min(expired_records(50).values()) >= 50
    fifty, report = digest(monkeypatch)
    assert report["tenants"] == 50
    # Each centre costs the same reads (its entry in the centres index, its guardians, its
    # albums once, what was published since the last digest, its archive jobs, the week's
    # coverage record). An idle centre's run writes no audit entry, so its chain's head is
    # not read. Not the expired records, not the other centres' items.
    assert fifty.items == 10 * five.items
    assert fifty.calls["GetItem"] == 10 * five.calls["GetItem"]
    assert fifty.calls["TransactWriteItems"] == 0  # no digest entry: nothing happened
    # The run itself: the centres index and the index of open consent campaigns (two Query)
    assert fifty.calls["Query"] - 2 == 10 * (five.calls["Query"] - 2)
    assert fifty.calls["Scan"] == 0


def test_no_scheduled_run_scans_the_table(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, iam_contract: Any
) -> None:
    centres = [make_centre().tenant_id for _ in range(3)]
    expired_records(5)
    ask(centres[0])
    seen: list[str] = []
    for event in (SCHEDULED, HOURLY):
        with counting(monkeypatch) as reads:
            assert purge(event)["complete"] is True
        seen += scans(reads, iam_contract)
    reads, _ = digest(monkeypatch)
    seen += scans(reads, iam_contract)
    assert seen == []
    if iam_contract is not None:  # the hook saw the functions' calls: Query, not Scan
        operations = {operation for _, operation, _, _ in iam_contract.checked}
        assert "dynamodb.Query" in operations
