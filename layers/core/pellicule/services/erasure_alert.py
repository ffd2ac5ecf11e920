"""Telling a centre's directors that a family asked for an erasure (issue 18, item 4;
docs/erasure.md).

Called by the use case that records a family's request, only when the request was created
(``erasure.request`` answers ``created`` False for a request already open: asking again sends
nothing). Every active director with an address gets one e-mail (French then English): the
centre in the subject, never the child; the child's first name and initial, the deadline and a
link to the director's home in the body. Never raises: the request is recorded and stands
(the home page and the purge do not depend on the e-mail). Logs carry staff refs, counts and
error codes only.
"""

from __future__ import annotations

from dataclasses import dataclass

from pellicule.config.observability import logger
from pellicule.config.settings import get_settings
from pellicule.domain import home
from pellicule.domain.errors import error_code
from pellicule.store import roster, tenants

LOG = "erasure"
DIRECTOR = "director"


@dataclass(frozen=True)
class Sent:
    sent: int = 0
    failed: int = 0


def _directors(tenant_id: str) -> list[roster.StaffRecord]:
    return [
        s
        for s in roster.every_staff(tenant_id)
        if s.role == DIRECTOR and not s.archived and s.email
    ]


def send(tenant_id: str, child_id: str, due_by: float) -> Sent:
    """E-mail the centre's directors about a new request for ``child_id``."""
    from pellicule.adapters import delivery, outbox
    from pellicule.domain import erasure_alert

    settings = get_settings()
    if not settings.mail_from:
        return Sent()
    try:
        tenant = tenants.profile(tenant_id)
        child = roster.child(tenant_id, child_id)
        directors = _directors(tenant_id)
        if tenant is None or child is None or not directors:
            return Sent()
        rendered = erasure_alert.compose(
            public_url=delivery.public_url(),
            centre=tenant.name,
            child=home.child_label(child.first_name, child.initial),
            due_by=due_by,
        )
        message = outbox.Message(rendered.subject, rendered.text, rendered.html)
        ses = outbox.client()
    except Exception as error:  # noqa: BLE001 - the request stands without its alert
        logger(LOG).error("erasure alert not prepared", extra={"error": error_code(error)})
        return Sent()
    sent = failed = 0
    for director in directors:
        ref = f"staff:{director.staff_id}"
        try:
            outbox.send(ses, settings.mail_from, director.email, message)
        except Exception as error:  # noqa: BLE001 - one director's failure does not stop the others
            failed += 1
            logger(LOG).error(
                "erasure alert not sent", extra={"staff": ref, "error": error_code(error)}
            )
            continue
        sent += 1
    logger(LOG).info("erasure alert sent", extra={"sent": sent, "failed": failed})
    return Sent(sent, failed)
