"""Daily digest use cases: the scheduled run, unsubscribing by link, subscribing again.

docs/notifications.md has the rules and the choices. Logs and audit entries carry counts and
pseudonymous ids only: never an e-mail address, a child's name, a token or an album title.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from functions.digest import contract, tokens
from pellicule.config import clock
from pellicule.config.observability import logger
from pellicule.config.settings import get_settings
from pellicule.domain import messages
from pellicule.domain.errors import BadRequest, Forbidden, error_code
from pellicule.services import audit
from pellicule.services.sessions import Principal
from pellicule.store import data, ratelimit, roster, tenants
from pellicule.store import media as media_store
from pellicule.store.media import AlbumRecord, MediaRecord
from pellicule.store.roster import ChildRecord, GuardianRecord
from pellicule.store.tenants import TenantRecord

if TYPE_CHECKING:
    from functions.digest import mail

# The scheduled run's own imports (the gate, the e-mail, the links) are made by the run: the
# subscription routes, in the same function, answer without them (docs/performance.md).

LOG = "digest"
ACTOR = "system:digest"
DAY_SECONDS = 24 * 3600
# At most one digest a day: a new one only after the UTC day of the last one ended AND at
# least this long after it (a run just before and one just after midnight send one).
MIN_GAP_SECONDS = 12 * 3600
# A guardian's first digest covers what was published during the last day.
FIRST_LOOKBACK_SECONDS = DAY_SECONDS
# The digest's sign-in link is read hours later, not minutes: it lives a day (single use,
# exchanged only by a click, no code; docs/notifications.md).
LINK_TTL_SECONDS = DAY_SECONDS
WINDOW_SECONDS = 15 * 60
UNSUBSCRIBE_PER_IP = ratelimit.Limit("unsubscribe-ip", 30, WINDOW_SECONDS)


class InvalidUnsubscribeLink(BadRequest):
    """Malformed, unknown, old or someone else's token: one answer for all."""

    code = "invalid_unsubscribe_link"


INVALID = "unsubscribe_link_invalid"
UNSUBSCRIBED = "digest_unsubscribed"


# --- The scheduled run ---------------------------------------------------------------------


@dataclass
class TenantCounts:
    guardians_due: int = 0  # subscribed, with an address, no digest yet today
    sent: int = 0
    nothing_new: int = 0
    already_sent: int = 0  # another run claimed them first
    failed: int = 0
    items: int = 0  # items announced, summed over the e-mails


@dataclass
class DigestReport:
    tenants: int = 0
    guardians_due: int = 0
    sent: int = 0
    nothing_new: int = 0
    already_sent: int = 0
    failed: int = 0
    items: int = 0
    by_tenant: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, tenant_id: str, counts: TenantCounts) -> None:
        self.tenants += 1
        for name, value in asdict(counts).items():
            setattr(self, name, getattr(self, name) + value)
        self.by_tenant[tenant_id] = asdict(counts)


def day_threshold(now: int) -> int:
    """A guardian whose last digest is older than this may get one now."""
    day_start = now - now % DAY_SECONDS
    return min(day_start, now - MIN_GAP_SECONDS + 1)


def _due(guardian: GuardianRecord, threshold: int) -> bool:
    return (
        not guardian.archived
        and guardian.digest_unsubscribed_at is None
        and bool(guardian.email)
        and (guardian.last_digest_at is None or int(guardian.last_digest_at) < threshold)
    )


def _since(guardian: GuardianRecord, now: int) -> int:
    if guardian.last_digest_at is None:
        return now - FIRST_LOOKBACK_SECONDS
    return int(guardian.last_digest_at)


def run(now: float | None = None, only: Iterable[str] | None = None) -> DigestReport:
    """One digest run over every active centre (or the centres named in ``only``: an
    operator's re-run for one centre; unknown ones are skipped)."""
    data.ready()
    moment = int(clock.now() if now is None else now)
    report = DigestReport()
    if not get_settings().mail_from:  # a deployment without mailDomain: no sender at all
        logger(LOG).warning("digest skipped: no sender address configured")
        return report
    from functions.digest import campaign

    with_campaign = campaign.open_centres()  # one query: the centres with an open campaign
    for tenant in _centres(only):
        if (tenant.status or "active") != "active":
            continue
        albums = CentreAlbums(tenant.tenant_id)
        counts = _run_tenant(tenant, moment, albums)
        report.add(tenant.tenant_id, counts)
        souvenirs = {**_souvenirs(tenant, moment, albums), **_coverage(tenant, moment)}
        if tenant.tenant_id in with_campaign:  # its own audit entry and log (counts)
            campaign.run_tenant(tenant, moment)
        if acted(counts, souvenirs):
            audit.append(
                tenant.tenant_id,
                "digest",
                ACTOR,
                f"tenant:{tenant.tenant_id}",
                details={**asdict(counts), **souvenirs},
                at=moment,
            )
        logger(LOG).info(
            "digest run of a centre",
            extra={"tenant": tenant.tenant_id, **asdict(counts), **souvenirs},
        )
    return report


def _centres(only: Iterable[str] | None) -> Iterable[TenantRecord]:
    if only is None:
        return tenants.centres_for_digest()
    found = (tenants.profile(tenant_id) for tenant_id in only)
    return [record for record in found if record is not None]


class CentreAlbums:
    """A centre's albums that are not archived, read at most once per run (by the first part
    of the centre's digest that needs them: the digest itself, when something was published
    since a guardian's last one; the souvenir e-mail, when the centre offers downloads)."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self._albums: list[AlbumRecord] | None = None

    def __call__(self) -> list[AlbumRecord]:
        if self._albums is None:
            self._albums = [a for a in media_store.albums(self.tenant_id) if not a.archived]
        return self._albums


def acted(counts: TenantCounts, souvenirs: dict[str, int]) -> bool:
    """Whether the centre's run did something worth its ``digest`` audit entry: an e-mail
    sent, failed or claimed by another run, or a souvenir, pack or coverage count (those are
    only given when non-zero, or when an album is in its notice period). A run that only
    found nothing new for anyone writes none (its log line says so)."""
    return bool(counts.sent or counts.failed or counts.already_sent or souvenirs)


def _souvenirs(tenant: TenantRecord, moment: int, albums: CentreAlbums) -> dict[str, int]:
    """The souvenir e-mails before albums' purge (``functions.digest.souvenir``): counts, or
    nothing when no album of the centre is in its notice period."""
    from functions.digest import souvenir

    found = asdict(souvenir.run_tenant(tenant, moment, albums=albums))
    packs = _pack_retries(tenant, moment)
    return {**(found if found["souvenir_albums"] else {}), **packs}


def _coverage(tenant: TenantRecord, moment: int) -> dict[str, int]:
    """The weekly "few or no photos" e-mail to the centre's directors
    (``functions.digest.coverage``): counts, or nothing when there was nothing to do. Never
    raises: the digest of the other centres goes on."""
    from functions.digest import coverage

    try:
        done = asdict(coverage.run_tenant(tenant, moment))
    except Exception as error:  # noqa: BLE001
        logger(LOG).error("coverage report failed", extra={"error": error_code(error)})
        return {}
    return {k: v for k, v in done.items() if v}


def _pack_retries(tenant: TenantRecord, moment: int) -> dict[str, int]:
    """The retry path of the souvenir packs of children who left (e-mails still due, packs
    never queued): ``pellicule.services.child_souvenir.retry``; counts only when it did
    something. Never raises: the digest of the other centres goes on."""
    from pellicule.services import child_souvenir

    try:
        done = child_souvenir.retry(tenant.tenant_id, moment)
    except Exception as error:  # noqa: BLE001
        logger(LOG).error("souvenir pack retries failed", extra={"error": error_code(error)})
        return {}
    return {k: v for k, v in done.items() if v}


def _run_tenant(
    tenant: TenantRecord, moment: int, centre_albums: CentreAlbums | None = None
) -> TenantCounts:
    from pellicule.services import consent, publication

    counts = TenantCounts()
    threshold = day_threshold(moment)
    everyone = list(roster.every_guardian(tenant.tenant_id))
    _welcome_retries(tenant, everyone, moment)
    due = [g for g in everyone if _due(g, threshold)]
    counts.guardians_due = len(due)
    if not due:
        return counts
    earliest = min(_since(g, moment) for g in due)
    published = [
        m
        for m in media_store.published_since(tenant.tenant_id, earliest)
        # Publication times are whole seconds: what was published in the run's own second
        # waits for the next run (whose window starts at this second), never counted twice.
        if m.published_at is not None and m.published_at < moment
    ]
    # The albums only when something was published (an idle centre's are not read here).
    read = centre_albums or CentreAlbums(tenant.tenant_id)
    albums = {a.album_id: a for a in read()} if published else {}
    candidates = [m for m in published if m.album_id in albums]
    children: dict[str, ChildRecord] = {}
    grants: dict[str, Any] = {}
    if candidates:
        children = {c.child_id: c for c in roster.every_child(tenant.tenant_id)}
        # The consents in force now, as the gallery reads them on every request.
        grants = consent.grants(
            tenant.tenant_id, {c for m in candidates for c in (m.tagged_child_ids or ())}
        )
    child_groups = {child_id: child.group_id for child_id, child in children.items()}
    for guardian in due:
        since = _since(guardian, moment)
        viewer = publication.viewer_of(guardian, children)
        new = (
            [
                m
                for m in candidates
                if int(m.published_at) >= since
                and publication.viewer_decision(
                    viewer, m, albums[m.album_id], child_groups, grants, moment
                ).visible
            ]
            if viewer.child_ids
            else []
        )
        if not new:
            counts.nothing_new += 1
            continue
        outcome = _send(tenant, guardian, new, albums, moment, threshold)
        if outcome == "sent":
            counts.sent += 1
            counts.items += len(new)
        elif outcome == "claimed_elsewhere":
            counts.already_sent += 1
        else:
            counts.failed += 1
    return counts


def _welcome_retries(tenant: TenantRecord, guardians: list[GuardianRecord], moment: int) -> None:
    """The retry path of the welcome e-mail (issue 17): guardians still due get it now
    (``pellicule.services.welcome``: claimed once, never raises)."""
    from pellicule.services import welcome

    for guardian in guardians:
        if welcome.due(guardian):
            welcome.send(tenant.tenant_id, guardian, now=moment)


def _news(items: Iterable[MediaRecord], albums: dict[str, AlbumRecord]) -> list[mail.AlbumNews]:
    from functions.digest import mail

    per_album: dict[str, dict[str, int]] = defaultdict(lambda: {"photo": 0, "video": 0})
    for item in items:
        per_album[item.album_id]["video" if item.kind == "video" else "photo"] += 1
    return [
        mail.AlbumNews(
            title=albums[album_id].title,
            date=albums[album_id].album_date,
            photos=found["photo"],
            videos=found["video"],
        )
        for album_id, found in per_album.items()
    ]


def _claim(guardian: GuardianRecord, moment: int, threshold: int, stored_token: str) -> bool:
    """Record today's digest before sending it: one conditional write, so two runs at once
    (or a retried one) send it once. False: someone else claimed it (or things changed)."""
    return roster.claim_digest(
        guardian,
        at=moment,
        threshold=threshold,
        unsubscribe_hashes=tokens.kept(guardian.unsubscribe_hashes, stored_token),
    )


def _release(guardian: GuardianRecord, moment: int, previous: int | None) -> None:
    """The e-mail could not be sent: give the day back, so the next run tries again (a
    guardian changed meanwhile is left as it is)."""
    roster.release_digest(guardian, at=moment, previous=previous)


def _send(
    tenant: TenantRecord,
    guardian: GuardianRecord,
    items: list[MediaRecord],
    albums: dict[str, AlbumRecord],
    moment: int,
    threshold: int,
) -> str:
    from functions.digest import mail
    from pellicule.adapters import delivery
    from pellicule.services import magic_links

    ref = f"guardian:{guardian.guardian_id}"
    previous = None if guardian.last_digest_at is None else int(guardian.last_digest_at)
    email = guardian.email
    unsubscribe = tokens.issue(tenant.tenant_id, guardian.guardian_id, moment)
    if not _claim(guardian, moment, threshold, unsubscribe.stored):
        return "claimed_elsewhere"
    try:
        settings = get_settings()
        public_url = delivery.public_url()
        account = magic_links.Account(
            tenant.tenant_id, tenant.name, "guardian", guardian.guardian_id, "guardian"
        )
        link = magic_links.issue_link(account, LINK_TTL_SECONDS, now=moment)
        message = mail.compose(
            public_url=public_url,
            centre=tenant.name,
            albums=_news(items, albums),
            login_link=magic_links.link_url(public_url, link),
            link_hours=LINK_TTL_SECONDS // 3600,
            unsubscribe_link=mail.unsubscribe_url(public_url, unsubscribe.token),
        )
        mail.send(mail.client(), settings.mail_from, email, message)
    except Exception as error:  # noqa: BLE001 - one guardian's failure must not stop the run
        _release(guardian, moment, previous)
        # The error's code only: SES messages may quote the recipient's address.
        logger(LOG).error("digest not sent", extra={"guardian": ref, "error": error_code(error)})
        return "failed"
    logger(LOG).info("digest sent", extra={"guardian": ref, "items": len(items)})
    return "sent"


# --- Unsubscribing without signing in, subscribing again -----------------------------------


def unsubscribe(
    command: contract.UnsubscribeRequest, client_address: str, now: float | None = None
) -> dict[str, Any]:
    """Stop the digest of the guardian whose token this is. The same answer whether it was
    already stopped or not; one error for every token that does not work."""
    ratelimit.enforce((UNSUBSCRIBE_PER_IP, client_address))
    parsed = tokens.parse(command.token)
    if parsed is None:
        raise InvalidUnsubscribeLink(INVALID)
    data.ready()
    moment = int(clock.now() if now is None else now)
    guardian = roster.guardian(parsed.tenant_id, parsed.guardian_id, consistent=True)
    if guardian is None:
        raise InvalidUnsubscribeLink(INVALID)
    if not tokens.matches(guardian.unsubscribe_hashes, parsed.secret):
        raise InvalidUnsubscribeLink(INVALID)
    if guardian.digest_unsubscribed_at is None:
        _set_subscription(guardian, subscribed=False, via="email_link", moment=moment)
    return {"unsubscribed": True, "reason": UNSUBSCRIBED, "message": messages.both(UNSUBSCRIBED)}


def _set_subscription(guardian: GuardianRecord, *, subscribed: bool, via: str, moment: int) -> None:
    ref = f"guardian:{guardian.guardian_id}"
    try:
        audit.append(
            guardian.tenant_id,
            "digest_subscription",
            ref,
            ref,
            details={"state": "subscribed" if subscribed else "unsubscribed", "via": via},
            companions=(roster.digest_subscription(guardian, subscribed=subscribed, at=moment),),
        )
    except audit.CompanionConflictError:
        return  # a concurrent request did the same: the outcome is the one asked for
    logger(LOG).info(
        "digest subscription changed",
        extra={"guardian": ref, "subscribed": subscribed, "via": via},
    )


def _guardian_of(principal: Principal) -> GuardianRecord:
    if principal.kind != "guardian":
        raise Forbidden("families_only")
    data.ready()
    guardian = roster.guardian(principal.tenant_id, principal.principal_id, consistent=True)
    if guardian is None:
        raise Forbidden("family_access_unknown")
    if guardian.archived:
        raise Forbidden("family_access_closed")
    return guardian


def subscription(principal: Principal) -> dict[str, Any]:
    """Whether the signed-in guardian gets the daily digest."""
    guardian = _guardian_of(principal)
    return {"subscribed": guardian.digest_unsubscribed_at is None}


def subscribe(principal: Principal, now: float | None = None) -> dict[str, Any]:
    """The signed-in guardian gets the daily digest again."""
    guardian = _guardian_of(principal)
    if guardian.digest_unsubscribed_at is not None:
        moment = int(clock.now() if now is None else now)
        _set_subscription(guardian, subscribed=True, via="session", moment=moment)
    return {"subscribed": True}
