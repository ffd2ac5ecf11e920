"""The e-mail of a child's souvenir pack, when the child leaves the centre (issue 17, item 5).

One template, French then English (``pellicule.domain.emails``): the centre, the link to the
pack's page (its single-purpose token in the fragment: never sent to a server by opening
it), until when it works. It never names a child. Pure: the sending is
``pellicule.services.child_souvenir``.
"""

from __future__ import annotations

from pellicule.domain import emails
from pellicule.domain.emails import Action, Paragraph, Strong

SUBJECT = "child_pack_mail_subject"


def template(*, public_url: str, centre: str, link: str, until: str) -> emails.Email:
    del public_url  # the link is absolute already
    return emails.Email(
        SUBJECT,
        [
            Paragraph("mail_greeting"),
            Paragraph("child_pack_mail_intro", {"centre": Strong(centre)}),
            Paragraph("child_pack_mail_what"),
            Action("child_pack_mail_open", link),
            Paragraph("child_pack_mail_until", {"date": until}),
            Paragraph("child_pack_mail_once"),
        ],
        subject_name=centre,
    )


def compose(*, public_url: str, centre: str, link: str, until: str) -> emails.Rendered:
    return emails.render(template(public_url=public_url, centre=centre, link=link, until=until))
