"""The weekly "few or no photos" report's own record: one per centre and ISO week, written
with a condition before the directors' e-mails go (``CoverageNotice``, sk=COVERAGE#<week>).
Key formats: ``pellicule.store.keys``."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError

from pellicule.store import data, keys
from pellicule.store.models import CoverageNotice


def claim(tenant_id: str, week_label: str, *, now: int, expires_at: int) -> bool:
    """Record that the centre's directors are told about this week; False if they already
    were (one conditional write: two runs at once, or a retried one, send once)."""
    data.ready()
    notice = CoverageNotice(
        keys.tenant_pk(tenant_id),
        keys.coverage_sk(week_label),
        tenant_id=tenant_id,
        week=week_label,
        at=now,
        expires_at=expires_at,
    )
    try:
        notice.save(condition=CoverageNotice.sk.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def handled(tenant_id: str, week_label: str) -> bool:
    """Whether this week was already dealt with for the centre (one GetItem)."""
    data.ready()
    try:
        CoverageNotice.get(keys.tenant_pk(tenant_id), keys.coverage_sk(week_label))
    except DoesNotExist:
        return False
    return True


def release(tenant_id: str, week_label: str) -> None:
    """No e-mail could be sent: the next run tries again."""
    CoverageNotice(keys.tenant_pk(tenant_id), keys.coverage_sk(week_label)).delete()
