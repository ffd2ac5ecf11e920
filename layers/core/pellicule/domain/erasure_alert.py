"""The e-mail to a centre's directors when a family asks for an erasure (issue 18, item 4;
docs/erasure.md): French then English (``pellicule.domain.emails``), the deadline in the
centres' time (Europe/Paris) and a link to the director's home. The subject names the centre
only, never the child; the body names the child by first name and initial, as the team does.
Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timezone

from pellicule.domain import emails
from pellicule.domain.audit_reading import offset_at
from pellicule.domain.emails import Action, Paragraph, Strong

SUBJECT = "erasure_alert_mail_subject"
HOME_PAGE = "/dashboard.html"


def paris_time(epoch: float) -> str:
    """``DD/MM/YYYY HH:MM`` in the centres' time zone."""
    instant = datetime.fromtimestamp(int(epoch), tz=UTC)
    local = instant.astimezone(timezone(offset_at(instant)))
    return local.strftime("%d/%m/%Y %H:%M")


def template(*, public_url: str, centre: str, child: str, due_by: float) -> emails.Email:
    home = f"{public_url.rstrip('/')}{HOME_PAGE}"
    return emails.Email(
        SUBJECT,
        [
            Paragraph("mail_greeting"),
            Paragraph("erasure_alert_mail_intro", {"child": Strong(child)}),
            Paragraph("erasure_alert_mail_due", {"due": Strong(paris_time(due_by))}),
            Paragraph("erasure_alert_mail_choice"),
            Action("erasure_alert_mail_open", home),
        ],
        subject_name=centre,
    )


def compose(*, public_url: str, centre: str, child: str, due_by: float) -> emails.Rendered:
    return emails.render(template(public_url=public_url, centre=centre, child=child, due_by=due_by))
