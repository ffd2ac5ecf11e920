"""The reminders of consent campaigns (issue 18, item 2; docs/consent-campaign.md), in the
daily digest run: the centres with an open campaign are read from the sparse ``CAMPAIGNS``
index once per run (never a scan, nothing read for the other centres); for each, the
requests not sent yet and the reminders due go (``pellicule.services.campaigns.dispatch``:
each send claimed first, so a retried run mails nobody twice). Counts only in logs."""

from __future__ import annotations

from dataclasses import asdict

from pellicule.config.observability import logger
from pellicule.domain.errors import error_code
from pellicule.services import campaigns as service
from pellicule.store.tenants import TenantRecord

LOG = "digest"
ACTOR = "system:digest"


def open_centres() -> frozenset[str]:
    """The centres with an open campaign (one query; empty if it fails: the digest goes on)."""
    from pellicule.store import campaigns

    try:
        return frozenset(campaigns.open_centres())
    except Exception as error:  # noqa: BLE001
        logger(LOG).error("campaign centres not read", extra={"error": error_code(error)})
        return frozenset()


def run_tenant(tenant: TenantRecord, moment: int) -> dict[str, int]:
    """The campaign's due e-mails in one centre: counts of what was done (prefixed
    ``campaign_``), nothing when there was nothing to do. Never raises."""
    try:
        campaign = service.current(tenant.tenant_id)
        if campaign is None or not campaign.open:
            return {}
        done = service.dispatch(tenant.tenant_id, campaign, actor=ACTOR, reminders=True, now=moment)
    except Exception as error:  # noqa: BLE001 - the digest of the other centres goes on
        logger(LOG).error("campaign reminders failed", extra={"error": error_code(error)})
        return {}
    return {f"campaign_{k}": v for k, v in asdict(done).items() if v}
