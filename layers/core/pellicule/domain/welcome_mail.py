"""The welcome e-mail of a guardian added by a centre (issue 17, item 7).

One template, French then English (``pellicule.domain.emails``): what Pellicule is, who runs
it (the centre, and the operator who hosts it for the centre), the centre's consent request
with a sign-in link that opens the consents page, and how to withdraw. It never names a
child. Pure: the sending is ``pellicule.services.welcome``.
"""

from __future__ import annotations

from pellicule.domain import emails
from pellicule.domain.emails import Action, Paragraph, Strong, Url

SUBJECT = "welcome_mail_subject"
LOGIN_PAGE = "/login.html"


def template(*, public_url: str, centre: str, link: str, link_hours: int) -> emails.Email:
    login_page = f"{public_url.rstrip('/')}{LOGIN_PAGE}"
    return emails.Email(
        SUBJECT,
        [
            Paragraph("mail_greeting"),
            Paragraph("welcome_mail_intro", {"centre": Strong(centre)}),
            Paragraph("welcome_mail_what"),
            Paragraph("welcome_mail_who", {"centre": Strong(centre)}),
            Paragraph("welcome_mail_consent", {"centre": Strong(centre)}),
            Action("welcome_mail_answer", link),
            Paragraph("welcome_mail_link_note", {"hours": link_hours, "page": Url(login_page)}),
            Paragraph("welcome_mail_withdraw"),
            Paragraph("welcome_mail_not_you", {"centre": Strong(centre)}),
        ],
        subject_name=centre,
    )


def compose(*, public_url: str, centre: str, link: str, link_hours: int) -> emails.Rendered:
    return emails.render(
        template(public_url=public_url, centre=centre, link=link, link_hours=link_hours)
    )
