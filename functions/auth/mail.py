"""The sign-in e-mail: French first, then English; plain text and HTML; sent through SES.

``compose`` is pure (tested on its own); ``send`` is the only AWS call. Links are built from
the configured public URL handed in by the caller, never from a request header.
"""

from __future__ import annotations

import html

# Re-exported: callers (and tests) use mail.send / mail.client.
from pellicule.adapters.outbox import Message as Message
from pellicule.adapters.outbox import client as client
from pellicule.adapters.outbox import send as send
from pellicule.services import magic_links

LOGIN_PAGE = "/login.html"
SUBJECT = "Votre lien de connexion à Pellicule / Your Pellicule sign-in link"

_SPACE = {
    "guardian": ("espace famille", "family space"),
    "director": ("équipe, direction", "staff, director"),
    "animator": ("équipe, animation", "staff, animator"),
}
_BUTTON = {
    "guardian": ("Ouvrir ma galerie", "Open my gallery"),
    "staff": ("Ouvrir l'espace équipe", "Open the staff space"),
}


def link_url(public_url: str, link: magic_links.IssuedLink) -> str:
    """``https://<public>/login.html#token=<token>``: the token rides in the fragment, which
    browsers never send to a server (nor in a Referer). Staff links say so, for the button's
    wording only (the exchange trusts the token alone)."""
    url = f"{public_url.rstrip('/')}{LOGIN_PAGE}#token={link.token}"
    return f"{url}&for=staff" if link.account.kind == "staff" else url


def _space(account: magic_links.Account) -> tuple[str, str]:
    return _SPACE.get(account.role, _SPACE["animator" if account.kind == "staff" else "guardian"])


def compose(public_url: str, links: list[magic_links.IssuedLink]) -> Message:
    """The e-mail listing one link and code per account of the address."""
    minutes = magic_links.TOKEN_TTL_SECONDS // 60
    page = f"{public_url.rstrip('/')}{LOGIN_PAGE}"
    kinds = {link.account.kind for link in links}
    if len(kinds) == 1:
        fr, en = _BUTTON["staff" if kinds == {"staff"} else "guardian"]
        button_fr, button_en = f"un bouton « {fr} »", f'an "{en}" button'
    else:
        button_fr, button_en = "un bouton", "a button"

    def items_text(english: bool) -> str:
        lines = []
        for link in links:
            fr, en = _space(link.account)
            lines += [
                f"• {link.account.tenant_name} ({en if english else fr})",
                f"  {'Link:' if english else 'Lien :'} {link_url(public_url, link)}",
                f"  {'Code:' if english else 'Code :'} {link.code}",
                "",
            ]
        return "\n".join(lines)

    text = (
        "Bonjour,\n\n"
        "Voici de quoi vous connecter à Pellicule. Chaque lien est valable "
        f"{minutes} minutes et ne sert qu'une fois :\n\n"
        f"{items_text(False)}"
        f"Le lien ouvre une page avec {button_fr} : c'est ce clic qui vous "
        f"connecte. Sur un autre appareil, saisissez votre adresse et le code sur {page}\n\n"
        "Si vous n'avez rien demandé, ignorez ce message : sans lui, personne ne peut se "
        "connecter à votre place.\n\n"
        "-- English --\n\n"
        "Hello,\n\n"
        f"Here is how to sign in to Pellicule. Each link is valid for {minutes} minutes and "
        "works once:\n\n"
        f"{items_text(True)}"
        f"The link opens a page with {button_en}: clicking it signs you in. On "
        f"another device, enter your address and the code at {page}\n\n"
        "If you did not ask for this, ignore this message: without it nobody can sign in "
        "as you.\n"
    )

    def items_html(english: bool) -> str:
        rows = []
        for link in links:
            fr, en = _space(link.account)
            url = html.escape(link_url(public_url, link), quote=True)
            name = html.escape(link.account.tenant_name)
            label = html.escape(en if english else fr)
            action = "Sign in" if english else "Me connecter"
            rows.append(
                f"<li><p><strong>{name}</strong> ({label})</p>"
                f'<p><a href="{url}">{action}</a></p>'
                f"<p>Code{'' if english else ' '}: <strong>{html.escape(link.code)}</strong></p>"
                "</li>"
            )
        return "<ul>" + "".join(rows) + "</ul>"

    page_html = html.escape(page, quote=True)
    body = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{html.escape(SUBJECT)}</title></head><body>"
        "<p>Bonjour,</p>"
        "<p>Voici de quoi vous connecter à Pellicule. Chaque lien est valable "
        f"{minutes}&nbsp;minutes et ne sert qu'une fois&nbsp;:</p>"
        f"{items_html(False)}"
        f"<p>Le lien ouvre une page avec {html.escape(button_fr)}&nbsp;: "
        "c'est ce clic qui vous connecte. Sur un autre appareil, saisissez votre adresse et le "
        f'code sur <a href="{page_html}">{page_html}</a>.</p>'
        "<p>Si vous n'avez rien demandé, ignorez ce message&nbsp;: sans lui, personne ne peut "
        "se connecter à votre place.</p>"
        '<hr><div lang="en">'
        "<p>Hello,</p>"
        f"<p>Here is how to sign in to Pellicule. Each link is valid for {minutes} minutes "
        "and works once:</p>"
        f"{items_html(True)}"
        f"<p>The link opens a page with {html.escape(button_en)}: clicking it "
        "signs you in. On another device, enter your address and the code at "
        f'<a href="{page_html}">{page_html}</a>.</p>'
        "<p>If you did not ask for this, ignore this message: without it nobody can sign in "
        "as you.</p></div></body></html>"
    )
    return Message(SUBJECT, text, body)
