"""Consent campaigns (docs/consent-campaign.md): the only module that reads and writes
``ConsentCampaign`` and ``CampaignSend`` items. Key formats: ``pellicule.store.keys``.

A centre has one campaign item (sk=CAMPAIGN): the one running, or the last one. Starting a
new one overwrites it only if it is closed (a condition), in one transaction with its audit
entry; while it is open it is in the sparse ``CAMPAIGNS`` index the daily run reads (never a
scan). Each guardian asked has a send item, claimed by a conditional write before the e-mail
goes (a retried start or two runs at once send once), given back if the send failed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError

from pellicule.domain import campaign as rules
from pellicule.domain.campaign import Campaign, Send
from pellicule.store import audit, data, keys
from pellicule.store.models import CampaignSend, ConsentCampaign

ACTION = "consent_campaign"
# A send item outlives its campaign by a season (then DynamoDB's TTL removes it).
KEPT_SECONDS = 400 * 24 * 3600


class CampaignConflictError(RuntimeError):
    """An open campaign is in the way (start), or the campaign changed meanwhile (close)."""


def _conditional_failed(error: PutError | UpdateError | DeleteError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


# --- The campaign ----------------------------------------------------------------------------


def _campaign(item: ConsentCampaign) -> Campaign:
    return Campaign(
        campaign_id=item.campaign_id,
        season=item.season,
        group_ids=tuple(item.group_ids or ()),
        text_version=item.text_version,
        created_by=item.created_by,
        started_at=int(item.started_at),
        reminder_days=int(item.reminder_days),
        max_reminders=int(item.max_reminders),
        closed_at=None if item.closed_at is None else int(item.closed_at),
    )


def current(tenant_id: str, *, consistent: bool = True) -> Campaign | None:
    """The centre's open campaign, or its last closed one (``None``: never any)."""
    data.ready()
    try:
        item = ConsentCampaign.get(
            keys.tenant_pk(tenant_id), keys.CAMPAIGN, consistent_read=consistent
        )
    except DoesNotExist:
        return None
    return _campaign(item)


def start(tenant_id: str, campaign: Campaign, details: Mapping[str, Any]) -> None:
    """Write ``campaign`` (open) and its audit entry in one transaction, unless an open
    campaign is there (:class:`CampaignConflictError`)."""
    item = ConsentCampaign(
        keys.tenant_pk(tenant_id),
        keys.CAMPAIGN,
        tenant_id=tenant_id,
        campaign_id=campaign.campaign_id,
        season=campaign.season,
        group_ids=list(campaign.group_ids),
        text_version=campaign.text_version,
        created_by=campaign.created_by,
        started_at=campaign.started_at,
        reminder_days=campaign.reminder_days,
        max_reminders=campaign.max_reminders,
        gsi1pk=keys.CAMPAIGNS_GSI,
        gsi1sk=keys.campaign_gsi_sk(tenant_id),
    )
    condition = ConsentCampaign.sk.does_not_exist() | ConsentCampaign.closed_at.exists()
    try:
        audit.append(
            tenant_id,
            ACTION,
            campaign.created_by,
            f"tenant:{tenant_id}",
            details,
            at=campaign.started_at,
            companions=(audit.Companion(item, condition),),
        )
    except audit.CompanionConflictError:
        raise CampaignConflictError(tenant_id) from None


def close(
    tenant_id: str, campaign_id: str, *, actor: str, at: int, details: Mapping[str, Any]
) -> None:
    """Close the open campaign ``campaign_id`` (out of the daily run's index) and audit it,
    in one transaction; :class:`CampaignConflictError` if it is not the open one."""
    item = ConsentCampaign(keys.tenant_pk(tenant_id), keys.CAMPAIGN)
    try:
        audit.append(
            tenant_id,
            ACTION,
            actor,
            f"tenant:{tenant_id}",
            details,
            at=at,
            companions=(
                audit.Companion(
                    item,
                    (ConsentCampaign.campaign_id == campaign_id)
                    & ConsentCampaign.closed_at.does_not_exist(),
                    op="update",
                    actions=(
                        ConsentCampaign.closed_at.set(at),
                        ConsentCampaign.gsi1pk.remove(),
                        ConsentCampaign.gsi1sk.remove(),
                    ),
                ),
            ),
        )
    except audit.CompanionConflictError:
        raise CampaignConflictError(tenant_id) from None


def remind_audit(tenant_id: str, *, actor: str, at: int, details: Mapping[str, Any]) -> None:
    """The audit entry of a sending pass (counts only)."""
    audit.append(tenant_id, ACTION, actor, f"tenant:{tenant_id}", details, at=at)


def open_centres() -> Iterator[str]:
    """The centres with an open campaign: one query of the sparse ``CAMPAIGNS`` index."""
    data.ready()
    for item in ConsentCampaign.by_gsi1.query(keys.CAMPAIGNS_GSI):
        yield item.tenant_id


# --- What was sent ---------------------------------------------------------------------------


def _send(item: CampaignSend) -> Send:
    return Send(
        guardian_id=item.guardian_id,
        state=item.state,
        first_sent_at=None if item.first_sent_at is None else int(item.first_sent_at),
        last_sent_at=None if item.last_sent_at is None else int(item.last_sent_at),
        reminders=int(item.reminders or 0),
    )


def sends(tenant_id: str, campaign_id: str) -> dict[str, Send]:
    """Every guardian's send of a campaign, by guardian id (one query, consistent)."""
    data.ready()
    return {
        item.guardian_id: _send(item)
        for item in CampaignSend.query(
            keys.tenant_pk(tenant_id),
            CampaignSend.sk.startswith(keys.campaign_send_prefix(campaign_id)),
            consistent_read=True,
        )
    }


def _ref(tenant_id: str, campaign_id: str, guardian_id: str) -> CampaignSend:
    return CampaignSend(keys.tenant_pk(tenant_id), keys.campaign_send_sk(campaign_id, guardian_id))


def claim(tenant_id: str, campaign: Campaign, guardian_id: str, *, state: str, at: int) -> bool:
    """Record the first send to a guardian (``sending``, or ``no_email``) before anything
    goes: ``False`` if it was recorded already (a retry, another pass at the same time)."""
    data.ready()
    item = CampaignSend(
        keys.tenant_pk(tenant_id),
        keys.campaign_send_sk(campaign.campaign_id, guardian_id),
        tenant_id=tenant_id,
        campaign_id=campaign.campaign_id,
        guardian_id=guardian_id,
        state=state,
        claimed_at=at,
        reminders=0,
        expires_at=campaign.started_at + KEPT_SECONDS,
    )
    try:
        item.save(condition=CampaignSend.sk.does_not_exist())
    except PutError as error:
        if _conditional_failed(error):
            return False
        raise
    return True


def sent(tenant_id: str, campaign_id: str, guardian_id: str, *, at: int) -> None:
    """The first e-mail went."""
    _ref(tenant_id, campaign_id, guardian_id).update(
        actions=[
            CampaignSend.state.set(rules.SENT),
            CampaignSend.first_sent_at.set(at),
            CampaignSend.last_sent_at.set(at),
        ]
    )


def rejected(tenant_id: str, campaign_id: str, guardian_id: str) -> None:
    """SES refused the address: no more e-mails to it for this campaign."""
    _ref(tenant_id, campaign_id, guardian_id).update(
        actions=[CampaignSend.state.set(rules.REJECTED)]
    )


def release(tenant_id: str, campaign_id: str, guardian_id: str) -> None:
    """A first send that failed for another reason (SES down): the next pass tries again."""
    with contextlib.suppress(DeleteError):
        _ref(tenant_id, campaign_id, guardian_id).delete(
            condition=CampaignSend.state == rules.SENDING
        )


def claim_reminder(tenant_id: str, campaign_id: str, send: Send, *, at: int) -> bool:
    """Count a reminder before it goes, on condition nothing was sent since ``send`` was
    read: ``False`` if another pass did (it sends, this one does not)."""
    try:
        _ref(tenant_id, campaign_id, send.guardian_id).update(
            actions=[
                CampaignSend.reminders.set(send.reminders + 1),
                CampaignSend.last_sent_at.set(at),
            ],
            condition=(CampaignSend.state == rules.SENT)
            & (CampaignSend.reminders == send.reminders)
            & (CampaignSend.last_sent_at == send.last_sent_at),
        )
    except UpdateError as error:
        if _conditional_failed(error):
            return False
        raise
    return True


def release_reminder(tenant_id: str, campaign_id: str, send: Send, *, at: int) -> None:
    """A reminder that could not be sent: as it was before (the next pass tries again)."""
    with contextlib.suppress(UpdateError):
        _ref(tenant_id, campaign_id, send.guardian_id).update(
            actions=[
                CampaignSend.reminders.set(send.reminders),
                CampaignSend.last_sent_at.set(send.last_sent_at or 0),
            ],
            condition=(CampaignSend.reminders == send.reminders + 1)
            & (CampaignSend.last_sent_at == at),
        )
