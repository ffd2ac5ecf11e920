"""The invitation e-mail of a relative (issue 17, item 6; docs/relatives.md).

French then English (``pellicule.domain.emails``): who invites them (the guardian's address,
which the relative knows), from which centre, what they will see (what that family sees,
never more; downloads or not), a sign-in link, and how to sign in later. Pure.
"""

from __future__ import annotations

from pellicule.domain import emails
from pellicule.domain.emails import Action, Paragraph, Strong, Url

SUBJECT = "relative_mail_subject"
LOGIN_PAGE = "/login.html"


def template(
    *,
    public_url: str,
    centre: str,
    inviter: str,
    link: str,
    link_hours: int,
    may_download: bool,
) -> emails.Email:
    login_page = f"{public_url.rstrip('/')}{LOGIN_PAGE}"
    return emails.Email(
        SUBJECT,
        [
            Paragraph("mail_greeting"),
            Paragraph(
                "relative_mail_intro", {"inviter": Strong(inviter), "centre": Strong(centre)}
            ),
            Paragraph("relative_mail_what"),
            Paragraph(
                "relative_mail_downloads_yes" if may_download else "relative_mail_downloads_no"
            ),
            Action("relative_mail_open", link),
            Paragraph("relative_mail_link_note", {"hours": link_hours, "page": Url(login_page)}),
            Paragraph("relative_mail_private"),
        ],
        subject_name=centre,
    )


def compose(
    *,
    public_url: str,
    centre: str,
    inviter: str,
    link: str,
    link_hours: int,
    may_download: bool,
) -> emails.Rendered:
    return emails.render(
        template(
            public_url=public_url,
            centre=centre,
            inviter=inviter,
            link=link,
            link_hours=link_hours,
            may_download=may_download,
        )
    )
