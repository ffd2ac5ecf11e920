"""The purge's own records: the centres it visits and each centre's runs (``PURGERUN#<id>``:
the steps planned and done, the counts, the lease), docs/retention.md. Key formats:
``pellicule.store.keys``."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from pellicule.store import keys
from pellicule.store.models import PurgeRun, Tenant

RunRecord = PurgeRun
RUNNING = "running"
DONE = "done"


class Busy(Exception):
    """Another run holds the centre's lease."""


def tenant_ids() -> list[str]:
    """Every centre, sorted."""
    return sorted(t.tenant_id for t in Tenant.scan(Tenant.sk == keys.PROFILE))


def tenant_exists(tenant_id: str) -> bool:
    try:
        Tenant.get(keys.tenant_pk(tenant_id), keys.PROFILE)
    except DoesNotExist:
        return False
    return True


def open_run(tenant_id: str, planned: list[str], now: float, lease_seconds: int) -> PurgeRun:
    """The centre's unfinished run (resumed with its own plan), or a new one; leased for
    ``lease_seconds``. :class:`Busy` if another run holds the lease."""
    pk = keys.tenant_pk(tenant_id)
    unfinished = [
        r
        for r in PurgeRun.query(pk, PurgeRun.sk.startswith(keys.PURGE_RUN), consistent_read=True)
        if r.status == RUNNING
    ]
    if unfinished:
        run = min(unfinished, key=lambda r: int(r.started_at))
    else:
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
            lease_until=0,
            steps_planned=planned,
            steps_done=[],
            counts={},
        )
        run.save(condition=PurgeRun.sk.does_not_exist())
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
