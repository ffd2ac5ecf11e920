"""Consent campaigns, the use cases shared by the staff API and the daily run
(docs/consent-campaign.md): start one, send what is due (first requests, reminders), read
the board, close it.

The rules are pure (``pellicule.domain.campaign``); the items are the campaigns store's
(``pellicule.store.campaigns``). Each e-mail carries a fresh single-use sign-in link that
lands on the consents page (``magic_links.issue_link``, as the welcome e-mail's). A send is
claimed before it goes and given back when it failed, so a retried request, a double click
or two runs at once mail a guardian once. An address SES refuses is marked ``rejected`` and
never mailed again for this campaign.

Logs carry ``guardian:<id>``, counts and error codes only, never an address or a name.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from pellicule.config import clock
from pellicule.config.observability import logger
from pellicule.config.settings import get_settings
from pellicule.domain import campaign as rules
from pellicule.domain import consent_text
from pellicule.domain.campaign import Campaign, ChildView, ConsentView, GuardianView, Send
from pellicule.domain.errors import BadRequest, Conflict, error_code
from pellicule.store import campaigns, consents, roster, tenants
from pellicule.store.roster import ChildRecord, GroupRecord, GuardianRecord

LOG = "campaign"
# Read hours or days later: three days, single use, no code (as the welcome e-mail's).
LINK_TTL_SECONDS = 3 * 24 * 3600
# SES error codes that mean "this address will not do" (anything else is tried again later).
REJECTED_CODES = frozenset({"MessageRejected", "InvalidParameterValue"})


# --- Reading the centre ----------------------------------------------------------------------


@dataclass
class Snapshot:
    """What the rules need of a centre, read once (the roster and the current consents)."""

    children: list[ChildRecord]
    guardians: dict[str, GuardianRecord]
    consents: dict[str, ConsentView]

    def child_views(self) -> list[ChildView]:
        return [
            ChildView(
                c.child_id,
                c.group_id,
                frozenset(g for g in (c.guardian_ids or ()) if g in self.guardians),
            )
            for c in self.children
        ]

    def guardian_views(self) -> dict[str, GuardianView]:
        return {g: GuardianView(g, bool(r.email)) for g, r in self.guardians.items()}


def snapshot(tenant_id: str) -> Snapshot:
    return Snapshot(
        children=[c for c in roster.children(tenant_id) if not c.archived],
        guardians={g.guardian_id: g for g in roster.guardians(tenant_id) if not g.archived},
        consents={
            c.child_id: ConsentView(c.status, int(c.updated_at))
            for c in consents.every_current(tenant_id)
        },
    )


def current(tenant_id: str) -> Campaign | None:
    return campaigns.current(tenant_id)


def open_campaign(tenant_id: str) -> Campaign:
    found = campaigns.current(tenant_id)
    if found is None or not found.open:
        raise Conflict("campaign_not_open")
    return found


# --- Starting --------------------------------------------------------------------------------


def start(
    tenant_id: str,
    *,
    actor: str,
    season: str,
    group_ids: Iterable[str],
    reminder_days: int,
    max_reminders: int,
    now: int | None = None,
) -> tuple[Campaign, bool]:
    """Start a campaign (not sent yet: :func:`dispatch` sends). The same request while it is
    open resumes it (``False``: not new); another one while one is open is a ``Conflict``."""
    moment = int(clock.now() if now is None else now)
    season = " ".join(season.split())
    problem = rules.validate_settings(season, reminder_days, max_reminders)
    if problem is not None:
        raise BadRequest(problem)
    groups = tuple(sorted(dict.fromkeys(group_ids)))
    for group_id in groups:
        group: GroupRecord = roster.group_or_404(tenant_id, group_id)
        if group.archived:
            raise Conflict("group_archived")
    existing = campaigns.current(tenant_id)
    if existing is not None and existing.open:
        if existing.season == season and existing.group_ids == groups:
            return existing, False
        raise Conflict("campaign_already_open")
    campaign = Campaign(
        campaign_id=uuid.uuid4().hex[:16],
        season=season,
        group_ids=groups,
        text_version=consent_text.CURRENT.version,
        created_by=actor,
        started_at=moment,
        reminder_days=reminder_days,
        max_reminders=max_reminders,
    )
    children = rules.audience(campaign, snapshot(tenant_id).child_views())
    if not children:
        raise BadRequest("campaign_no_children")
    details = {
        "change": "started",
        "campaign": campaign.campaign_id,
        "groups": len(groups),
        "children": len(children),
    }
    try:
        campaigns.start(tenant_id, campaign, details)
    except campaigns.CampaignConflictError:
        raise Conflict("campaign_already_open") from None
    logger(LOG).info("campaign started", extra={"tenant": tenant_id, "children": len(children)})
    return campaign, True


def close(tenant_id: str, *, actor: str, now: int | None = None) -> Campaign:
    moment = int(clock.now() if now is None else now)
    campaign = open_campaign(tenant_id)
    try:
        campaigns.close(
            tenant_id,
            campaign.campaign_id,
            actor=actor,
            at=moment,
            details={"change": "closed", "campaign": campaign.campaign_id},
        )
    except campaigns.CampaignConflictError:
        raise Conflict("campaign_not_open") from None
    return campaigns.current(tenant_id) or campaign


# --- Sending ---------------------------------------------------------------------------------


@dataclass
class Sent:
    """What a sending pass did (counts only: what logs and the audit entry carry)."""

    sent: int = 0  # first requests
    reminded: int = 0
    no_email: int = 0  # guardians without an address, recorded
    rejected: int = 0  # addresses SES refused
    failed: int = 0  # to try again (SES down...)
    left: int = 0  # not sent within this request's time: the next pass sends them

    def any(self) -> bool:
        return any(asdict(self).values())


@dataclass
class _Mailer:
    tenant_id: str
    campaign: Campaign
    at: int
    deliver: Callable[[GuardianRecord, bool], None] = field(repr=False)
    deadline: float | None = None

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline


def dispatch(
    tenant_id: str,
    campaign: Campaign,
    *,
    actor: str,
    reminders: bool,
    force: bool = False,
    budget_seconds: float | None = None,
    now: int | None = None,
) -> Sent:
    """Send what is due now: the request to every guardian of a waiting child never sent it
    and, with ``reminders``, the reminders due (``force``: without waiting for the interval).
    Stops starting new sends after ``budget_seconds`` (the rest is ``left``). One audit entry
    when something was done."""
    moment = int(clock.now() if now is None else now)
    done = Sent()
    if not campaign.open:
        return done
    tenant = tenants.profile(tenant_id)
    if tenant is None or not tenants.is_active(tenant):
        return done
    centre = snapshot(tenant_id)
    sends = campaigns.sends(tenant_id, campaign.campaign_id)
    due = rules.plan(
        campaign,
        centre.child_views(),
        centre.guardian_views(),
        centre.consents,
        sends,
        moment,
        reminders=reminders,
        force=force,
    )
    for guardian_id in due.no_email:
        if campaigns.claim(tenant_id, campaign, guardian_id, state=rules.NO_EMAIL, at=moment):
            done.no_email += 1
    if (due.first or due.reminders) and not get_settings().mail_from:
        logger(LOG).warning("campaign e-mails not sent: no sender address configured")
        done.left = len(due.first) + len(due.reminders)
    elif due.first or due.reminders:
        mailer = _Mailer(
            tenant_id,
            campaign,
            moment,
            _deliverer(tenant_id, tenant.name, campaign),
            None if budget_seconds is None else time.monotonic() + budget_seconds,
        )
        _send_all(mailer, due, centre, sends, done)
    if done.any():
        counts = {k: v for k, v in asdict(done).items() if v}
        campaigns.remind_audit(
            tenant_id,
            actor=actor,
            at=moment,
            details={"change": "sent", "campaign": campaign.campaign_id, **counts},
        )
        logger(LOG).info("campaign e-mails", extra={"tenant": tenant_id, **counts})
    return done


def _send_all(
    mailer: _Mailer, due: rules.Plan, centre: Snapshot, sends: dict[str, Send], done: Sent
) -> None:
    for guardian_id in due.first:
        if mailer.out_of_time():
            done.left += 1
        else:
            _first(mailer, centre.guardians[guardian_id], done)
    for guardian_id in due.reminders:
        if mailer.out_of_time():
            done.left += 1
        else:
            _reminder(mailer, centre.guardians[guardian_id], sends[guardian_id], done)


def _first(mailer: _Mailer, guardian: GuardianRecord, done: Sent) -> None:
    tenant_id, campaign_id = mailer.tenant_id, mailer.campaign.campaign_id
    if not campaigns.claim(
        tenant_id, mailer.campaign, guardian.guardian_id, state=rules.SENDING, at=mailer.at
    ):
        return  # sent (or being sent) by another pass
    try:
        mailer.deliver(guardian, False)
    except Exception as error:  # noqa: BLE001 - one guardian's failure never stops the pass
        if error_code(error) in REJECTED_CODES:
            campaigns.rejected(tenant_id, campaign_id, guardian.guardian_id)
            done.rejected += 1
        else:
            campaigns.release(tenant_id, campaign_id, guardian.guardian_id)
            done.failed += 1
        _log_failure(guardian, error)
        return
    campaigns.sent(tenant_id, campaign_id, guardian.guardian_id, at=mailer.at)
    done.sent += 1


def _reminder(mailer: _Mailer, guardian: GuardianRecord, send: Send, done: Sent) -> None:
    tenant_id, campaign_id = mailer.tenant_id, mailer.campaign.campaign_id
    if not campaigns.claim_reminder(tenant_id, campaign_id, send, at=mailer.at):
        return
    try:
        mailer.deliver(guardian, True)
    except Exception as error:  # noqa: BLE001
        if error_code(error) in REJECTED_CODES:
            campaigns.rejected(tenant_id, campaign_id, guardian.guardian_id)
            done.rejected += 1
        else:
            campaigns.release_reminder(tenant_id, campaign_id, send, at=mailer.at)
            done.failed += 1
        _log_failure(guardian, error)
        return
    done.reminded += 1


def _log_failure(guardian: GuardianRecord, error: Exception) -> None:
    # The error's code only: SES messages may quote the recipient's address.
    logger(LOG).error(
        "campaign e-mail not sent",
        extra={"guardian": f"guardian:{guardian.guardian_id}", "error": error_code(error)},
    )


def _deliverer(
    tenant_id: str, centre: str, campaign: Campaign
) -> Callable[[GuardianRecord, bool], None]:
    from pellicule.adapters import delivery, outbox
    from pellicule.domain import campaign_mail
    from pellicule.services import magic_links

    public_url = delivery.public_url()
    ses = outbox.client()
    sender = get_settings().mail_from

    def deliver(guardian: GuardianRecord, reminder: bool) -> None:
        account = magic_links.Account(
            tenant_id, centre, "guardian", guardian.guardian_id, "guardian"
        )
        link = magic_links.issue_link(account, LINK_TTL_SECONDS, landing="consents")
        rendered = campaign_mail.compose(
            public_url=public_url,
            centre=centre,
            season=campaign.season,
            link=magic_links.link_url(public_url, link),
            link_hours=LINK_TTL_SECONDS // 3600,
            reminder=reminder,
        )
        outbox.send(
            ses,
            sender,
            guardian.email,
            outbox.Message(rendered.subject, rendered.text, rendered.html),
        )

    return deliver


# --- The board -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardianLine:
    guardian_id: str
    email: str
    state: str  # unsent | sending | sent | no_email | rejected
    last_sent_at: int | None
    reminders: int


@dataclass(frozen=True)
class ChildLine:
    child_id: str
    name: str
    group_id: str | None
    state: str  # answered | waiting | refused | bounced
    answered_at: int | None
    guardians: list[GuardianLine]


@dataclass(frozen=True)
class Board:
    campaign: Campaign
    groups: dict[str, str]  # id -> name, the campaign's groups with children
    children: list[ChildLine]
    counts: list[rules.GroupCounts]
    unsent: int  # guardians of waiting children not mailed yet


def board(tenant_id: str) -> Board | None:
    """The current (or last) campaign and its board; ``None``: never any campaign."""
    campaign = campaigns.current(tenant_id)
    if campaign is None:
        return None
    centre = snapshot(tenant_id)
    sends = campaigns.sends(tenant_id, campaign.campaign_id)
    guardians = centre.guardian_views()
    group_names = {g.group_id: g.name for g in roster.groups(tenant_id)}
    records = {c.child_id: c for c in centre.children}
    lines: list[ChildLine] = []
    unsent: set[str] = set()
    for view in rules.audience(campaign, centre.child_views()):
        record = records[view.child_id]
        consent = centre.consents.get(view.child_id)
        state = rules.child_state(campaign, view, consent, guardians, sends)
        guardian_lines = []
        for guardian_id in sorted(view.guardian_ids):
            send = sends.get(guardian_id)
            said = rules.send_state(guardians.get(guardian_id), send)
            if said == rules.UNSENT and state == rules.WAITING and campaign.open:
                unsent.add(guardian_id)
            guardian_lines.append(
                GuardianLine(
                    guardian_id,
                    centre.guardians[guardian_id].email,
                    said,
                    None if send is None else send.last_sent_at,
                    0 if send is None else send.reminders,
                )
            )
        answered = (
            consent.updated_at if state in (rules.ANSWERED, rules.REFUSED) and consent else None
        )
        lines.append(
            ChildLine(
                view.child_id,
                f"{record.first_name} {record.initial}".strip(),
                view.group_id,
                state,
                answered,
                guardian_lines,
            )
        )
    lines.sort(key=lambda line: (group_names.get(line.group_id or "", "~"), line.name))
    counts = rules.counts((line.group_id, line.state) for line in lines)
    used = {line.group_id for line in lines if line.group_id}
    return Board(
        campaign,
        {g: n for g, n in group_names.items() if g in used},
        lines,
        counts,
        len(unsent),
    )
