"""Sending a guardian's welcome e-mail, once (issue 17, item 7; docs/notifications.md).

A guardian added by staff is written with ``welcome_due``. Right after the roster write the
staff API calls :func:`send`; the daily digest run calls it again for every guardian still
due (the retry path: SES down, a missing sender, a crash between the two). Each send claims
the guardian first by one conditional write (``roster.claim_welcome``), so retries and
parallel runs send it at most once; a send that fails gives the claim back. Never raises:
the roster write it follows has happened and stays.

Logs carry ``guardian:<id>`` and error codes only, never the address.
"""

from __future__ import annotations

from pellicule.config import clock
from pellicule.config.observability import logger
from pellicule.config.settings import get_settings
from pellicule.domain.errors import error_code
from pellicule.store import roster, tenants
from pellicule.store.roster import GuardianRecord

LOG = "welcome"
# The link is read hours or days later: it lives three days, single use, no code (the same
# kind of link as the digest's: magic_links.issue_link).
LINK_TTL_SECONDS = 3 * 24 * 3600


def due(guardian: GuardianRecord) -> bool:
    return (
        bool(guardian.welcome_due)
        and guardian.welcome_sent_at is None
        and not guardian.archived
        and bool(guardian.email)
    )


def send(tenant_id: str, guardian: GuardianRecord, now: float | None = None) -> str:
    """``sent``, ``not_due`` (no address, sent already, claimed elsewhere), ``no_sender``
    (a deployment without ``mailDomain``: stays due) or ``failed`` (stays due)."""
    moment = int(clock.now() if now is None else now)
    ref = f"guardian:{guardian.guardian_id}"
    settings = get_settings()
    if not due(guardian):
        return "not_due"
    if not settings.mail_from:
        return "no_sender"
    try:
        claimed = roster.claim_welcome(guardian, at=moment)
    except Exception as error:  # noqa: BLE001 - never blocks the caller
        logger(LOG).error(
            "welcome not claimed", extra={"guardian": ref, "error": error_code(error)}
        )
        return "failed"
    if not claimed:
        return "not_due"
    try:
        _deliver(tenant_id, guardian, moment)
    except Exception as error:  # noqa: BLE001 - given back: the digest run tries again
        roster.release_welcome(guardian, at=moment)
        # The error's code only: SES messages may quote the recipient's address.
        logger(LOG).error("welcome not sent", extra={"guardian": ref, "error": error_code(error)})
        return "failed"
    logger(LOG).info("welcome sent", extra={"guardian": ref})
    return "sent"


def _deliver(tenant_id: str, guardian: GuardianRecord, moment: int) -> None:
    from pellicule.adapters import delivery, outbox
    from pellicule.domain import welcome_mail
    from pellicule.services import magic_links

    tenant = tenants.profile(tenant_id)
    if tenant is None or not tenants.is_active(tenant):
        raise RuntimeError("centre_inactive")
    public_url = delivery.public_url()
    account = magic_links.Account(
        tenant_id, tenant.name, "guardian", guardian.guardian_id, "guardian"
    )
    link = magic_links.issue_link(account, LINK_TTL_SECONDS, now=moment, landing="consents")
    rendered = welcome_mail.compose(
        public_url=public_url,
        centre=tenant.name,
        link=magic_links.link_url(public_url, link),
        link_hours=LINK_TTL_SECONDS // 3600,
    )
    message = outbox.Message(rendered.subject, rendered.text, rendered.html)
    outbox.send(outbox.client(), get_settings().mail_from, guardian.email, message)
