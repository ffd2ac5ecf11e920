"""A consent campaign (directors; docs/consent-campaign.md): start it (the e-mails go within
the request's time, the rest on the next call), read the board, send what is due or the
reminders now, close it. The rules and the sending are ``pellicule.services.campaigns``."""

from __future__ import annotations

from typing import Any

from functions.admin import contract as c
from functions.admin.common import require_director, staff_ref
from pellicule.domain import campaign as rules
from pellicule.services import campaigns as service
from pellicule.services.sessions import Principal

# What one request may spend sending (the staff API's functions stop at 15 s): the page calls
# ``send`` again while some are left.
SEND_BUDGET_SECONDS = 8.0


def start(principal: Principal, body: c.CampaignStart) -> dict[str, Any]:
    require_director(principal)
    campaign, _ = service.start(
        principal.tenant_id,
        actor=staff_ref(principal),
        season=body.season,
        group_ids=body.group_ids,
        reminder_days=body.reminder_days,
        max_reminders=body.max_reminders,
    )
    return _dispatched(principal, campaign, reminders=False)


def read(principal: Principal) -> dict[str, Any]:
    require_director(principal)
    return _board(principal, None)


def send(principal: Principal) -> dict[str, Any]:
    """The first requests not sent yet (a start that ran out of time)."""
    require_director(principal)
    campaign = service.open_campaign(principal.tenant_id)
    return _dispatched(principal, campaign, reminders=False)


def remind(principal: Principal) -> dict[str, Any]:
    """The reminders now, to the guardians of the children still waiting (never twice within
    ``rules.MIN_GAP_SECONDS``, never more than the campaign's number)."""
    require_director(principal)
    campaign = service.open_campaign(principal.tenant_id)
    return _dispatched(principal, campaign, reminders=True)


def close(principal: Principal) -> dict[str, Any]:
    require_director(principal)
    service.close(principal.tenant_id, actor=staff_ref(principal))
    return _board(principal, None)


# --- The answer ------------------------------------------------------------------------------


def _counts(found: Any) -> dict[str, int]:
    return {state: int(found.get(state, 0)) for state in rules.STATES}


def _board(principal: Principal, sent: service.Sent | None) -> dict[str, Any]:
    found = service.board(principal.tenant_id)
    sending = None if sent is None else {k: int(v) for k, v in vars(sent).items()}
    if found is None:
        return {
            "campaign": None,
            "total": _counts({}),
            "groups": [],
            "children": [],
            "unsent": 0,
            "sending": sending,
        }
    campaign = found.campaign
    total = dict.fromkeys(rules.STATES, 0)
    for group in found.counts:
        for state, count in group.counts.items():
            total[state] += count
    return {
        "campaign": {
            "campaign_id": campaign.campaign_id,
            "season": campaign.season,
            "group_ids": list(campaign.group_ids),
            "text_version": campaign.text_version,
            "started_at": campaign.started_at,
            "reminder_days": campaign.reminder_days,
            "max_reminders": campaign.max_reminders,
            "closed_at": campaign.closed_at,
            "open": campaign.open,
        },
        "total": _counts(total),
        "groups": [
            {
                "group_id": g.group_id,
                "name": found.groups.get(g.group_id or "", ""),
                "counts": _counts(g.counts),
            }
            for g in found.counts
        ],
        "children": [
            {
                "child_id": line.child_id,
                "name": line.name,
                "group_id": line.group_id,
                "state": line.state,
                "answered_at": line.answered_at,
                "guardians": [
                    {
                        "guardian_id": g.guardian_id,
                        "email": g.email,
                        "state": g.state,
                        "last_sent_at": g.last_sent_at,
                        "reminders": g.reminders,
                    }
                    for g in line.guardians
                ],
            }
            for line in found.children
        ],
        "unsent": found.unsent,
        "sending": sending,
    }


def _dispatched(
    principal: Principal, campaign: rules.Campaign, *, reminders: bool
) -> dict[str, Any]:
    """One sending pass within the request's budget (the director's reminders do not wait
    for the campaign's interval), then the board."""
    sent = service.dispatch(
        principal.tenant_id,
        campaign,
        actor=staff_ref(principal),
        reminders=reminders,
        force=reminders,
        budget_seconds=SEND_BUDGET_SECONDS,
    )
    return _board(principal, sent)
