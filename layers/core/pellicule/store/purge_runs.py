"""The purge's own records: the centres it visits and each centre's runs (``PURGERUN#<id>``:
the steps planned and done, the counts, the lease), docs/retention.md; and what it reads and
deletes that no other store holds: a centre's audit entries past their retention. Expired
records that belong to no centre (sessions, sign-in links, rate counters, processing claims,
finished runs) are left to DynamoDB's TTL: no scheduled job reads the whole table. Key
formats: ``pellicule.store.keys``."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from pellicule.store import audit, data, keys
from pellicule.store.models import AuditEntry, PurgeRun, Tenant
from pellicule.store.writes import Update

# The item types callers hold (they read them; they change them only through this module).
RunRecord = PurgeRun
AuditEntryRecord = AuditEntry
RUNNING = "running"
DONE = "done"


class Busy(Exception):
    """Another run holds the centre's lease."""


class NotRunning(Exception):
    """The run was no longer running when it was to be marked done: nothing was written."""


def tenant_ids() -> list[str]:
    """Every centre, sorted: one query of the centres index (gsi1 ``CENTRES``, one small
    entry per centre's profile: a few thousand centres are a few hundred KB, read page by
    page), never a scan of the table. Also the list the digest can read (``centre_ids``)."""
    data.ready()
    found = Tenant.by_gsi1.query(keys.CENTRES_GSI, attributes_to_get=["pk", "sk", "gsi1sk"])
    return sorted(entry.gsi1sk for entry in found)


centre_ids = tenant_ids


def index_centres() -> int:
    """Put every centre whose profile predates the centres index into it; returns how many.
    A one-off backfill (``pellicule_ops.tenants.index_all``): it scans the table once."""
    data.ready()
    missing = Tenant.scan((Tenant.sk == keys.PROFILE) & Tenant.gsi1pk.does_not_exist())
    done = 0
    for tenant in missing:
        tenant.update(
            actions=[
                Tenant.gsi1pk.set(keys.CENTRES_GSI),
                Tenant.gsi1sk.set(keys.centre_gsi_sk(tenant.tenant_id)),
            ]
        )
        done += 1
    return done


def tenant_exists(tenant_id: str) -> bool:
    try:
        Tenant.get(keys.tenant_pk(tenant_id), keys.PROFILE)
    except DoesNotExist:
        return False
    return True


def open_run(tenant_id: str, planned: list[str], now: float, lease_seconds: int) -> PurgeRun:
    """The centre's unfinished run (resumed with its own plan), or a new one; leased for
    ``lease_seconds``. :class:`Busy` if another run holds the lease.

    A new run is written with its lease (one PutItem, on condition that its key is new: no
    other run can hold it); an unfinished one is taken over by one conditional UpdateItem."""
    pk = keys.tenant_pk(tenant_id)
    unfinished = [
        r
        for r in PurgeRun.query(pk, PurgeRun.sk.startswith(keys.PURGE_RUN), consistent_read=True)
        if r.status == RUNNING
    ]
    if not unfinished:
        stamp = datetime.fromtimestamp(now, tz=UTC).strftime("%Y%m%dT%H%M%SZ")
        run_id = f"{stamp}-{secrets.token_hex(3)}"
        run = PurgeRun(
            pk,
            keys.purge_run_sk(run_id),
            tenant_id=tenant_id,
            run_id=run_id,
            status=RUNNING,
            started_at=int(now),
            updated_at=int(now),
            lease_until=int(now) + lease_seconds,
            steps_planned=planned,
            steps_done=[],
            counts={},
        )
        run.save(condition=PurgeRun.sk.does_not_exist())
        return run
    run = min(unfinished, key=lambda r: int(r.started_at))
    try:
        run.update(
            actions=[
                PurgeRun.lease_until.set(int(now) + lease_seconds),
                PurgeRun.updated_at.set(int(now)),
            ],
            condition=(PurgeRun.status == RUNNING) & (PurgeRun.lease_until < int(now)),
        )
    except UpdateError as error:
        raise Busy from error
    return run


def latest(tenant_id: str) -> PurgeRun | None:
    """The centre's most recent run (run ids start with their UTC start time, so the last key
    is the latest): one query reading one item, eventually consistent (the director's home)."""
    data.ready()
    found = PurgeRun.query(
        keys.tenant_pk(tenant_id),
        PurgeRun.sk.startswith(keys.PURGE_RUN),
        scan_index_forward=False,
        limit=1,
    )
    return next(iter(found), None)


# --- A run's progress ----------------------------------------------------------------------


def counts_of(run: PurgeRun) -> dict[str, int]:
    """What the run has deleted so far, as stored."""
    stored = run.counts.as_dict() if run.counts else {}
    return {name: int(n) for name, n in stored.items()}


def counts_update(run: PurgeRun, counts: Mapping[str, int]) -> Update:
    """The update that stores ``counts`` on the run, to be written in the same transaction as
    the deletion they count (``pellicule.store.writes.transact``)."""
    return (run, [PurgeRun.counts.set(dict(counts))])


def save_counts(
    run: PurgeRun, counts: Mapping[str, int], *, steps_done: Sequence[str] | None = None
) -> None:
    """Store the run's counts (and, with ``steps_done``, its finished steps)."""
    actions: list[Any] = [PurgeRun.counts.set(dict(counts))]
    if steps_done is not None:
        actions.append(PurgeRun.steps_done.set(list(steps_done)))
    run.update(actions=actions)


@dataclass(frozen=True)
class Outcome:
    """What a finished run stores besides its status: its counts and its finished steps."""

    counts: Mapping[str, int]
    steps_done: Sequence[str]
    expires_at: int
    at: int


def _finish_actions(outcome: Outcome) -> list[Any]:
    return [
        PurgeRun.status.set(DONE),
        PurgeRun.lease_until.set(0),
        PurgeRun.expires_at.set(outcome.expires_at),
        PurgeRun.updated_at.set(outcome.at),
        PurgeRun.counts.set(dict(outcome.counts)),
        PurgeRun.steps_done.set(list(outcome.steps_done)),
    ]


def finished(run: PurgeRun, outcome: Outcome) -> audit.Companion:
    """The run marked done (its lease freed, kept until ``expires_at``, its counts and steps
    stored), written with its evidence record (``audit.append``) on condition that it is
    still running."""
    return audit.Companion(
        run,
        PurgeRun.status == RUNNING,
        op="update",
        actions=tuple(_finish_actions(outcome)),
    )


def finish(run: PurgeRun, outcome: Outcome) -> None:
    """Mark the run done without an evidence record (it deleted nothing).

    Raises :class:`NotRunning` if it was no longer running (nothing written)."""
    try:
        run.update(actions=_finish_actions(outcome), condition=PurgeRun.status == RUNNING)
    except UpdateError as error:
        raise NotRunning(run.run_id) from error


# --- A centre's audit entries --------------------------------------------------------------


def audit_entries(tenant_id: str) -> Iterator[AuditEntry]:
    """Every entry of a centre's audit chain (not its head), oldest first, read consistently
    page by page as the caller goes."""
    first, last = keys.audit_entry_sk_bounds()
    return AuditEntry.query(
        keys.audit_pk(tenant_id), AuditEntry.sk.between(first, last), consistent_read=True
    )


def audit_entry_ref(entry: AuditEntry) -> AuditEntry:
    """An entry by its key only (to delete it in a transaction)."""
    return AuditEntry(entry.pk, entry.sk)
