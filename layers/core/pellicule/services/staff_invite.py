"""The e-mail inviting a new staff member (issue 18, item 3; docs/authentication.md).

A director adds someone to the team (``POST /api/admin/staff``): right after the roster write
the staff API calls :func:`send`. The e-mail says who invites them to which centre and as
what, with a sign-in link of the kind the daily digest uses (``magic_links.issue_link``:
256-bit token in the URL fragment, exchanged once by a click, a POST; lives
:data:`LINK_TTL_SECONDS`; no 6-digit code). Later, or once it has expired, the person asks for
a sign-in link on the sign-in page like everyone else. Never raises: the roster write it
follows has happened and stays; the answer says whether the e-mail went.

Logs carry ``staff:<id>`` and error codes only, never the address.
"""

from __future__ import annotations

from typing import Literal

from pellicule.config import clock
from pellicule.config.observability import logger
from pellicule.config.settings import get_settings
from pellicule.domain import emails
from pellicule.domain.emails import Action, Paragraph, Phrase, Strong, Url
from pellicule.domain.errors import error_code
from pellicule.store import tenants
from pellicule.store.roster import StaffRecord

LOG = "staff_invite"
# Read hours later, like a director's invitation: a day, single use, no code.
LINK_TTL_SECONDS = 24 * 3600
LOGIN_PAGE = "/login.html"

Sent = Literal["sent", "not_sent"]


def template(
    *, public_url: str, centre: str, name: str, role: str, link: str, link_hours: int
) -> emails.Email:
    """The invitation: who is invited to which centre and as what, the link, what comes next
    (the second factor for directors) and where to ask for a new link. Words in the message
    catalogue (``pellicule.domain.messages.mail``)."""
    page = f"{public_url.rstrip('/')}{LOGIN_PAGE}"
    as_role = (
        "staff_invite_mail_as_director" if role == "director" else "staff_invite_mail_as_animator"
    )
    return emails.Email(
        "staff_invite_mail_subject",
        [
            Paragraph("invitation_mail_greeting", {"name": name}),
            Paragraph(
                "staff_invite_mail_intro",
                {"centre": Strong(centre), "role": Phrase(as_role), "hours": link_hours},
            ),
            Action("invitation_mail_open", link),
            Paragraph(
                "staff_invite_mail_next",
                {"button": Phrase("sign_in_mail_button_staff"), "page": Url(page)},
            ),
            Paragraph("invitation_mail_not_expected"),
        ],
        subject_name=centre,
    )


def send(tenant_id: str, staff: StaffRecord, now: float | None = None) -> Sent:
    """``sent``, or ``not_sent`` (no sender configured, the centre closed, the mail service
    failed: the person can still ask for a sign-in link on the sign-in page)."""
    moment = int(clock.now() if now is None else now)
    ref = f"staff:{staff.staff_id}"
    if not get_settings().mail_from:
        return "not_sent"
    try:
        _deliver(tenant_id, staff, moment)
    except Exception as error:  # noqa: BLE001 - never blocks the caller
        # The error's code only: SES messages may quote the recipient's address.
        logger(LOG).error("invitation not sent", extra={"staff": ref, "error": error_code(error)})
        return "not_sent"
    logger(LOG).info("invitation sent", extra={"staff": ref})
    return "sent"


def _deliver(tenant_id: str, staff: StaffRecord, moment: int) -> None:
    from pellicule.adapters import delivery, outbox
    from pellicule.services import magic_links

    tenant = tenants.profile(tenant_id)
    if tenant is None or not tenants.is_active(tenant):
        raise RuntimeError("centre_inactive")
    public_url = delivery.public_url()
    account = magic_links.Account(tenant_id, tenant.name, "staff", staff.staff_id, staff.role)
    link = magic_links.issue_link(account, LINK_TTL_SECONDS, now=moment)
    rendered = emails.render(
        template(
            public_url=public_url,
            centre=tenant.name,
            name=staff.display_name,
            role=staff.role,
            link=magic_links.link_url(public_url, link),
            link_hours=LINK_TTL_SECONDS // 3600,
        )
    )
    message = outbox.Message(rendered.subject, rendered.text, rendered.html)
    outbox.send(outbox.client(), get_settings().mail_from, staff.email, message)
