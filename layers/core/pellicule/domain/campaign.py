"""A consent campaign (issue 18, item 2; docs/consent-campaign.md): the director asks every
guardian of the centre, or of chosen groups, for the season's consent, by e-mail with a
sign-in link that opens the consents page; reminders go after a number of days; a board per
group says who answered, who is waiting, who refused and who could not be reached.

Pure (no I/O, no clock: ``now`` is a parameter). What is stored is the campaign and, per
guardian, what was sent (``Send``); a child's state is derived from its current consent and
those sends, never stored twice:

- *answered*: a consent decision recorded since the campaign started, electronic or on paper
  (a widening waiting for the other guardian counts: a guardian answered);
- *refused*: the consent was withdrawn since the campaign started;
- *bounced*: no guardian of the child can be reached (no address on file, or SES refused the
  address): the director gives a paper form;
- *waiting*: the rest (asked, or about to be, and no answer yet).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

DAY_SECONDS: Final = 24 * 3600
DEFAULT_REMINDER_DAYS: Final = 7
MIN_REMINDER_DAYS, MAX_REMINDER_DAYS = 1, 30
DEFAULT_MAX_REMINDERS: Final = 2
MAX_REMINDERS: Final = 5
# "Send the reminders now" ignores the interval but never mails a guardian twice within this
# long (a double click, a retried request).
MIN_GAP_SECONDS: Final = 12 * 3600
MAX_SEASON_LENGTH: Final = 60

# A child's state on the board.
ANSWERED: Final = "answered"
REFUSED: Final = "refused"
WAITING: Final = "waiting"
BOUNCED: Final = "bounced"
STATES: Final = (ANSWERED, WAITING, REFUSED, BOUNCED)

# A guardian's send state.
UNSENT: Final = "unsent"  # not mailed yet (the start is still sending)
SENDING: Final = "sending"  # claimed: the e-mail is going (or went: a crash after sending)
SENT: Final = "sent"
NO_EMAIL: Final = "no_email"  # no address on file: a paper form
REJECTED: Final = "rejected"  # SES refused the address

WITHDRAWN: Final = "withdrawn"  # the consent status of a withdrawal (domain.consent)


@dataclass(frozen=True)
class Campaign:
    """One campaign of a centre. ``group_ids`` empty: the whole centre."""

    campaign_id: str
    season: str
    group_ids: tuple[str, ...]
    text_version: str
    created_by: str  # staff:<id>
    started_at: int
    reminder_days: int = DEFAULT_REMINDER_DAYS
    max_reminders: int = DEFAULT_MAX_REMINDERS
    closed_at: int | None = None

    @property
    def open(self) -> bool:
        return self.closed_at is None

    def covers(self, group_id: str | None) -> bool:
        return not self.group_ids or group_id in self.group_ids

    @property
    def interval(self) -> int:
        return self.reminder_days * DAY_SECONDS


@dataclass(frozen=True)
class Send:
    """What was sent to one guardian for one campaign."""

    guardian_id: str
    state: str  # SENDING | SENT | NO_EMAIL | REJECTED
    first_sent_at: int | None = None
    last_sent_at: int | None = None
    reminders: int = 0

    @property
    def bounced(self) -> bool:
        return self.state in (NO_EMAIL, REJECTED)


@dataclass(frozen=True)
class ChildView:
    child_id: str
    group_id: str | None
    guardian_ids: frozenset[str]


@dataclass(frozen=True)
class GuardianView:
    guardian_id: str
    has_email: bool


@dataclass(frozen=True)
class ConsentView:
    """What the board needs of a child's current consent."""

    status: str  # none | active | withdrawn
    updated_at: int


def validate_settings(season: str, reminder_days: int, max_reminders: int) -> str | None:
    """The code of the first problem of a campaign's settings, or ``None``."""
    if not season.strip() or len(season) > MAX_SEASON_LENGTH:
        return "campaign_season_invalid"
    if not MIN_REMINDER_DAYS <= reminder_days <= MAX_REMINDER_DAYS:
        return "campaign_reminder_days_invalid"
    if not 0 <= max_reminders <= MAX_REMINDERS:
        return "campaign_max_reminders_invalid"
    return None


def audience(campaign: Campaign, children: Iterable[ChildView]) -> list[ChildView]:
    """The children the campaign asks about (the caller gives the active ones)."""
    return [c for c in children if campaign.covers(c.group_id)]


def reachable(guardian: GuardianView | None, send: Send | None) -> bool:
    """Whether this guardian can be (or was) asked by e-mail."""
    if guardian is None or not guardian.has_email:
        return False
    return send is None or not send.bounced


def child_state(
    campaign: Campaign,
    child: ChildView,
    consent: ConsentView | None,
    guardians: Mapping[str, GuardianView],
    sends: Mapping[str, Send],
) -> str:
    """The child's state on the board (see the module's docstring)."""
    if consent is not None and consent.updated_at >= campaign.started_at:
        return REFUSED if consent.status == WITHDRAWN else ANSWERED
    if not any(reachable(guardians.get(g), sends.get(g)) for g in child.guardian_ids):
        return BOUNCED
    return WAITING


def send_state(guardian: GuardianView | None, send: Send | None) -> str:
    """A guardian's line on the board: what was sent (or why nothing can be)."""
    if send is not None:
        return send.state
    if guardian is None or not guardian.has_email:
        return NO_EMAIL
    return UNSENT


def reminder_due(campaign: Campaign, send: Send, now: int, *, force: bool = False) -> bool:
    """Whether a reminder is due to a guardian who was sent the request (the caller checks
    that one of their children is still waiting). ``force``: the director's "send the
    reminders now", which does not wait for the interval (but for ``MIN_GAP_SECONDS``)."""
    if not campaign.open or send.state != SENT or send.last_sent_at is None:
        return False
    if send.reminders >= campaign.max_reminders:
        return False
    wait = MIN_GAP_SECONDS if force else campaign.interval
    return send.last_sent_at + wait <= now


@dataclass
class Plan:
    """What a sending pass does: first requests, reminders, addresses missing."""

    first: list[str] = field(default_factory=list)
    reminders: list[str] = field(default_factory=list)
    no_email: list[str] = field(default_factory=list)


def plan(
    campaign: Campaign,
    children: Iterable[ChildView],
    guardians: Mapping[str, GuardianView],
    consents: Mapping[str, ConsentView],
    sends: Mapping[str, Send],
    now: int,
    *,
    reminders: bool,
    force: bool = False,
) -> Plan:
    """The guardians to mail now: every guardian of a waiting child who was never sent the
    request (``first``), the ones due a reminder (``reminders``, when asked), and those with
    no address (``no_email``: recorded once, then shown as "give a paper form"). Sorted ids,
    each guardian once."""
    result = Plan()
    if not campaign.open:
        return result
    waiting: set[str] = set()
    for child in audience(campaign, children):
        state = child_state(campaign, child, consents.get(child.child_id), guardians, sends)
        if state in (WAITING, BOUNCED):
            waiting.update(g for g in child.guardian_ids if g in guardians)
    for guardian_id in sorted(waiting):
        send = sends.get(guardian_id)
        if send is None:
            if guardians[guardian_id].has_email:
                result.first.append(guardian_id)
            else:
                result.no_email.append(guardian_id)
        elif reminders and reminder_due(campaign, send, now, force=force):
            result.reminders.append(guardian_id)
    return result


@dataclass(frozen=True)
class GroupCounts:
    group_id: str | None
    counts: Mapping[str, int]


def counts(states: Iterable[tuple[str | None, str]]) -> list[GroupCounts]:
    """Per group (in the order first met), how many children are in each state."""
    found: dict[str | None, dict[str, int]] = {}
    for group_id, state in states:
        found.setdefault(group_id, dict.fromkeys(STATES, 0))[state] += 1
    return [GroupCounts(g, c) for g, c in found.items()]
