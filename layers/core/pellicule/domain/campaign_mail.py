"""The e-mail of a consent campaign (issue 18, item 2; docs/consent-campaign.md): the
centre's request for the season's consent, and its reminders, each with a sign-in link that
opens the consents page. French then English (``pellicule.domain.emails``); it names the
centre and the season, never a child. Pure: the sending is ``pellicule.services.campaigns``.
"""

from __future__ import annotations

from pellicule.domain import emails
from pellicule.domain.emails import Action, Paragraph, Strong, Url

SUBJECT = "campaign_mail_subject"
REMINDER_SUBJECT = "campaign_mail_reminder_subject"
LOGIN_PAGE = "/login.html"


def template(
    *, public_url: str, centre: str, season: str, link: str, link_hours: int, reminder: bool
) -> emails.Email:
    login_page = f"{public_url.rstrip('/')}{LOGIN_PAGE}"
    return emails.Email(
        REMINDER_SUBJECT if reminder else SUBJECT,
        [
            Paragraph("mail_greeting"),
            Paragraph(
                "campaign_mail_reminder_intro" if reminder else "campaign_mail_intro",
                {"centre": Strong(centre), "season": Strong(season)},
            ),
            Paragraph("campaign_mail_how"),
            Action("campaign_mail_answer", link),
            Paragraph("campaign_mail_link_note", {"hours": link_hours, "page": Url(login_page)}),
            Paragraph("campaign_mail_paper", {"centre": Strong(centre)}),
            Paragraph("welcome_mail_withdraw"),
        ],
        subject_name=centre,
    )


def compose(
    *, public_url: str, centre: str, season: str, link: str, link_hours: int, reminder: bool
) -> emails.Rendered:
    return emails.render(
        template(
            public_url=public_url,
            centre=centre,
            season=season,
            link=link,
            link_hours=link_hours,
            reminder=reminder,
        )
    )
