"""The sign-in e-mail: one template (French then English; plain text and HTML); through SES.

``compose`` is pure (tested on its own); ``send`` is the only AWS call. Its words are in the
message catalogue (``pellicule.domain.messages.mail``), its shape below. Links are built from
the configured public URL handed in by the caller, never from a request header.
"""

from __future__ import annotations

# Re-exported: callers (and tests) use mail.send / mail.client.
from pellicule.adapters.outbox import Message as Message
from pellicule.adapters.outbox import client as client
from pellicule.adapters.outbox import send as send
from pellicule.domain import emails
from pellicule.domain.emails import Action, Bullets, Paragraph, Phrase, Strong, Url
from pellicule.services import magic_links

LOGIN_PAGE = "/login.html"
SUBJECT = "sign_in_mail_subject"

_SPACE = {
    "guardian": "sign_in_mail_space_guardian",
    "director": "sign_in_mail_space_director",
    "animator": "sign_in_mail_space_animator",
    "relative": "sign_in_mail_space_relative",  # issue 17
}


def link_url(public_url: str, link: magic_links.IssuedLink) -> str:
    """``https://<public>/login.html#token=<token>``: the token rides in the fragment, which
    browsers never send to a server (nor in a Referer). Staff links say so, for the button's
    wording only (the exchange trusts the token alone)."""
    url = f"{public_url.rstrip('/')}{LOGIN_PAGE}#token={link.token}"
    return f"{url}&for=staff" if link.account.kind == "staff" else url


def _space(account: magic_links.Account) -> str:
    return _SPACE.get(account.role, _SPACE["animator" if account.kind == "staff" else "guardian"])


def _button(links: list[magic_links.IssuedLink]) -> str:
    """The button the login page shows: named when every link opens the same kind of space."""
    kinds = {link.account.kind for link in links}
    if kinds == {"staff"}:
        return "sign_in_mail_button_staff"
    if kinds <= {"guardian", "relative"}:  # families (issue 17: relatives too)
        return "sign_in_mail_button_gallery"
    return "sign_in_mail_button_any"


def template(public_url: str, links: list[magic_links.IssuedLink]) -> emails.Email:
    """The e-mail listing one link and code per account of the address."""
    page = f"{public_url.rstrip('/')}{LOGIN_PAGE}"
    accounts: list[list[emails.Line]] = [
        [
            Paragraph(
                "sign_in_mail_account",
                {"centre": Strong(link.account.tenant_name), "space": Phrase(_space(link.account))},
            ),
            Action("sign_in_mail_sign_in", link_url(public_url, link)),
            Paragraph("sign_in_mail_code", {"code": Strong(link.code)}),
        ]
        for link in links
    ]
    return emails.Email(
        SUBJECT,
        [
            Paragraph("mail_greeting"),
            Paragraph("sign_in_mail_intro", {"minutes": magic_links.TOKEN_TTL_SECONDS // 60}),
            Bullets(accounts),
            Paragraph("sign_in_mail_button", {"button": Phrase(_button(links)), "page": Url(page)}),
            Paragraph("sign_in_mail_not_you"),
        ],
    )


def compose(public_url: str, links: list[magic_links.IssuedLink]) -> Message:
    rendered = emails.render(template(public_url, links))
    return Message(rendered.subject, rendered.text, rendered.html)
