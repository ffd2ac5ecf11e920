"""The audit log against the in-process AWS account: chain, tampering, concurrency, export, CLI."""

from __future__ import annotations

import csv
import io
import itertools
import json
import threading
from typing import Any

import pytest

from tests.conftest import Aws

TENANT = "tauditcentre"


@pytest.fixture
def log(aws: Aws) -> str:
    from pellicule.services import audit
    from pellicule.store import data

    data.ready()
    audit.append(TENANT, "login", "staff:s1", "tenant:" + TENANT)
    audit.append(TENANT, "upload", "staff:s1", "media:m1", {"kind": "photo", "bytes": 12345})
    audit.append(TENANT, "consent_given", "guardian:g1", "child:c1", {"audiences": "centre"})
    audit.append(TENANT, "validation", "staff:s2", "media:m1")
    audit.append(TENANT, "view", "guardian:g1", "media:m1")
    return TENANT


def _table(aws: Aws) -> Any:
    return aws.client("dynamodb"), aws.names.table


def _item(aws: Aws, seq: int) -> dict[str, Any]:
    client, table = _table(aws)
    key = {"pk": {"S": f"AUDIT#{TENANT}"}, "sk": {"S": f"{seq:012d}"}}
    return client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]


def _put(aws: Aws, item: dict[str, Any]) -> None:
    client, table = _table(aws)
    client.put_item(TableName=table, Item=item)


def _delete(aws: Aws, seq: int) -> None:
    client, table = _table(aws)
    key = {"pk": {"S": f"AUDIT#{TENANT}"}, "sk": {"S": f"{seq:012d}"}}
    client.delete_item(TableName=table, Key=key)


def test_append_and_verify(log: str) -> None:
    from pellicule.services import audit
    from pellicule.store import audit as audit_store

    report = audit.verify(log)
    assert report == audit.VerifyReport(True, 5)
    entries = list(audit_store.records(log))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == audit.GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert audit_store.details_of(entries[1]) == {"kind": "photo", "bytes": 12345}


def test_unknown_tenant_has_no_entries(aws: Aws) -> None:
    from pellicule.services import audit
    from pellicule.store import data

    data.ready()
    report = audit.verify("tnobody")
    assert not report.ok
    assert report.problem == "no audit entries for this tenant"


def test_edited_detail_detected(aws: Aws, log: str) -> None:
    from pellicule.services import audit

    item = _item(aws, 2)
    item["details"]["M"]["bytes"] = {"N": "1"}
    _put(aws, item)
    report = audit.verify(log)
    assert (report.ok, report.first_broken_seq) == (False, 2)
    assert "hash" in (report.problem or "")


def test_edited_action_detected(aws: Aws, log: str) -> None:
    from pellicule.services import audit

    item = _item(aws, 3)
    item["action"] = {"S": "view"}
    _put(aws, item)
    report = audit.verify(log)
    assert (report.ok, report.first_broken_seq) == (False, 3)


def test_removed_middle_entry_detected(aws: Aws, log: str) -> None:
    from pellicule.services import audit

    _delete(aws, 4)
    report = audit.verify(log)
    assert (report.ok, report.first_broken_seq) == (False, 4)
    assert "missing" in (report.problem or "")


def test_removed_last_entry_detected(aws: Aws, log: str) -> None:
    from pellicule.services import audit

    _delete(aws, 5)
    report = audit.verify(log)
    assert (report.ok, report.first_broken_seq) == (False, 5)
    assert report.checked == 4


def test_swapped_entries_detected(aws: Aws, log: str) -> None:
    from pellicule.services import audit

    third, fourth = _item(aws, 3), _item(aws, 4)
    third["sk"], fourth["sk"] = fourth["sk"], third["sk"]
    _put(aws, third)
    _put(aws, fourth)
    report = audit.verify(log)
    assert (report.ok, report.first_broken_seq) == (False, 3)


def test_swapped_and_renumbered_entries_detected(aws: Aws, log: str) -> None:
    from pellicule.services import audit

    third, fourth = _item(aws, 3), _item(aws, 4)
    third["sk"], fourth["sk"] = fourth["sk"], third["sk"]
    third["seq"], fourth["seq"] = fourth["seq"], third["seq"]
    _put(aws, third)
    _put(aws, fourth)
    report = audit.verify(log)
    assert (report.ok, report.first_broken_seq) == (False, 3)


def test_forged_rehash_detected_at_next_entry(aws: Aws, log: str) -> None:
    from pellicule.domain import audit_chain
    from pellicule.services import audit
    from pellicule.store import audit as audit_store
    from pellicule.store.models import AuditEntry

    entry = AuditEntry.get(f"AUDIT#{TENANT}", f"{2:012d}", consistent_read=True)
    entry.details = {"kind": "video", "bytes": 1}
    entry.hash = audit_chain.entry_hash(TENANT, audit_store.chain_entry(entry))
    entry.save()
    report = audit.verify(log)
    assert (report.ok, report.first_broken_seq) == (False, 3)
    assert "previous hash" in (report.problem or "")


@pytest.fixture
def serialised_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give moto DynamoDB's isolation: one request at a time on the server side.

    Moto is not thread-safe: a cancelled transaction restores a deep copy of the whole table,
    wiping what other threads committed meanwhile. DynamoDB serialises transactions; only the
    server side is serialised here, the appends themselves still race (reads, conflicts, retries).
    """
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.Lock()
    original = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with lock:
            return original(self)

    monkeypatch.setattr(DynamoHandler, "call_action", call_action)


@pytest.mark.usefixtures("serialised_moto")
def test_concurrent_appends_never_fork(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    from pellicule.services import audit
    from pellicule.store import audit as audit_store
    from pellicule.store import data

    data.ready()
    conflicts: list[int] = []
    is_conflict = audit_store._is_conflict

    def counting(error: Any) -> bool:
        conflicts.append(1)
        return is_conflict(error)

    monkeypatch.setattr(audit_store, "_is_conflict", counting)
    # Every thread reads the head before any of them writes: a guaranteed race on seq 1.
    read_together = threading.Barrier(20, timeout=30)
    first_read = threading.local()
    first_read.done = True  # the test's own thread (verify below) does not race
    get_head = audit_store._get_head

    def racing_get_head(tenant_id: str) -> Any:
        head = get_head(tenant_id)
        if not getattr(first_read, "done", False):
            first_read.done = True
            read_together.wait()
        return head

    monkeypatch.setattr(audit_store, "_get_head", racing_get_head)
    tenant = "tconcurrent"
    errors: list[BaseException] = []
    barrier = threading.Barrier(20)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            audit.append(tenant, "view", f"guardian:g{index}", f"media:m{index}")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = list(audit_store.records(tenant))
    assert [e.seq for e in entries] == list(range(1, 21))
    assert sorted(e.actor for e in entries) == sorted(f"guardian:g{i}" for i in range(20))
    assert audit.verify(tenant) == audit.VerifyReport(True, 20)
    assert len(conflicts) >= 19  # all raced for seq 1: one won, the others retried


def test_ttl_only_on_non_consent_entries(aws: Aws, log: str) -> None:
    from pellicule.store import audit as audit_store

    for entry in audit_store.records(log):
        if entry.action == "consent_given":
            assert entry.expires_at is None
            assert "expires_at" not in _item(aws, int(entry.seq))
        else:
            assert entry.expires_at is not None
            months = (entry.expires_at - entry.at / 1000) / (30.44 * 24 * 3600)
            assert 11.9 < months < 12.1
            assert isinstance(entry.expires_at, int)


def test_retention_gaps_accepted_but_not_consent_removal(aws: Aws, log: str) -> None:
    from pellicule.config import clock
    from pellicule.services import audit

    clock.advance(audit.RETENTION_SECONDS + 3600)
    audit.append(TENANT, "purge", "system:purge", "tenant:" + TENANT, {"removed": 4})
    # What DynamoDB's TTL would remove: every expired non-consent entry.
    for seq in (1, 2, 4, 5):
        _delete(aws, seq)
    assert audit.verify(log) == audit.VerifyReport(True, 2)
    # The consent evidence may never go, however old.
    _delete(aws, 3)
    report = audit.verify(log)
    assert (report.ok, report.first_broken_seq) == (False, 1)
    assert "consent" in (report.problem or "")


def test_expired_tail_accepted_when_quiet(aws: Aws, log: str) -> None:
    from pellicule.config import clock
    from pellicule.services import audit

    clock.advance(audit.RETENTION_SECONDS + 3600)
    for seq in (4, 5):
        _delete(aws, seq)
    assert audit.verify(log) == audit.VerifyReport(True, 3)


def test_export_json_and_csv_round_trip(log: str) -> None:
    from pellicule.services import audit

    rows = json.loads(audit.export(log, "json"))
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[1]["details"] == {"kind": "photo", "bytes": 12345}
    assert rows[0]["time"].endswith("Z")
    assert rows[2]["action"] == "consent_given"
    parsed = list(csv.DictReader(io.StringIO(audit.export(log, "csv"))))
    assert [int(r["seq"]) for r in parsed] == [1, 2, 3, 4, 5]
    for row, original in zip(parsed, rows, strict=True):
        assert json.loads(row["details"]) == original["details"]
        assert {k: row[k] for k in ("time", "action", "actor", "subject", "hash")} == {
            k: original[k] for k in ("time", "action", "actor", "subject", "hash")
        }


# --- The command line ------------------------------------------------------------------------


def test_cli_verify_ok(aws: Aws, log: str, capsys: pytest.CaptureFixture[str]) -> None:
    from pellicule_ops.cli import main

    assert main(["audit", "verify", "--tenant", log, "--table", aws.names.table]) == 0
    assert capsys.readouterr().out.strip() == "OK: 5 entries verified"


def test_cli_verify_broken(aws: Aws, log: str, capsys: pytest.CaptureFixture[str]) -> None:
    from pellicule_ops.cli import main

    item = _item(aws, 2)
    item["actor"] = {"S": "staff:s9"}
    _put(aws, item)
    assert main(["audit", "verify", "--tenant", log, "--table", aws.names.table]) == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith("BROKEN at entry #2: ")


def test_cli_unknown_tenant(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    from pellicule_ops.cli import main

    for command in ("verify", "export"):
        assert main(["audit", command, "--tenant", "tnone", "--table", aws.names.table]) == 2
        assert "No audit entries for tenant 'tnone'" in capsys.readouterr().err


def test_cli_export(aws: Aws, log: str, capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    from pellicule_ops.cli import main

    base = ["audit", "export", "--tenant", log, "--table", aws.names.table]
    assert main([*base, "--format", "json"]) == 0
    assert [r["seq"] for r in json.loads(capsys.readouterr().out)] == [1, 2, 3, 4, 5]
    target = tmp_path / "audit.csv"
    assert main([*base, "--format", "csv", "--output", str(target)]) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [r["action"] for r in rows][:2] == ["login", "upload"]


def test_cli_table_from_environment(aws: Aws, log: str, capsys: pytest.CaptureFixture[str]) -> None:
    from pellicule_ops.cli import main

    # The aws fixture sets PELLICULE_TABLE like the stack does.
    assert main(["audit", "verify", "--tenant", log]) == 0
    assert "OK: 5" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["audit", "--help"], ["audit", "verify", "--help"], ["audit", "export", "-h"]],
)
def test_cli_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from pellicule_ops.cli import main

    assert main(argv) == 0
    assert "usage: pellicule" in capsys.readouterr().out


def test_cli_missing_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pellicule_ops.cli import main

    monkeypatch.delenv("PELLICULE_TABLE", raising=False)
    assert main(["audit", "verify", "--tenant", "t1", "--region", "eu-west-3"]) == 2
    err = capsys.readouterr().err
    assert "--table" in err
    assert "PELLICULE_TABLE" in err


def test_cli_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    from pellicule_ops.cli import main

    assert main(["audit", "verify"]) == 2  # --tenant missing
    assert "--tenant" in capsys.readouterr().err
    assert main(["audit", "export", "--tenant", "t", "--format", "xml"]) == 2
    assert main([]) == 2
