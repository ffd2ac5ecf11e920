"""E-mails as templates (``pellicule.domain.emails``) and the sign-in e-mail's template: the
structure, the links and the escaping, not the copy (that is the catalogue's)."""

from __future__ import annotations

import pytest

from functions.auth import mail
from pellicule.domain import emails, messages
from pellicule.domain.emails import Action, Bullets, Email, Paragraph, Phrase, Strong, Url
from pellicule.services import magic_links

PUBLIC = "https://photos.example.fr"
HOSTILE = '<img src=x onerror=alert(1)> "Lilas" & co'


def _render(*blocks: emails.Block, name: str | None = None) -> emails.Rendered:
    return emails.render(Email("digest_mail_subject", blocks, subject_name=name))


def test_french_then_english_in_text_and_html() -> None:
    rendered = _render(Paragraph("mail_greeting"))
    assert rendered.subject == " / ".join(messages.both("digest_mail_subject").values())
    french, english = rendered.text.split(emails.TEXT_SEPARATOR)
    assert messages.render("mail_greeting", "fr") in french
    assert messages.render("mail_greeting", "en") in english
    assert rendered.html.startswith('<!doctype html><html lang="fr">')
    assert rendered.html.index("<p>Bonjour,</p>") < rendered.html.index('<div lang="en">')
    assert _render(Paragraph("mail_greeting"), name="Les Tilleuls").subject.startswith(
        "Les Tilleuls : "
    )


def test_every_value_is_escaped_in_the_html_and_left_as_it_is_in_the_text() -> None:
    rendered = _render(
        Paragraph("sign_in_mail_account", {"centre": Strong(HOSTILE), "space": HOSTILE}),
        Paragraph("digest_mail_album", {"title": HOSTILE, "count": 1}),
        name=HOSTILE,
    )
    assert "<img" not in rendered.html
    assert rendered.html.count("&lt;img src=x onerror=alert(1)&gt; &quot;Lilas&quot; &amp; co") == 7
    assert "<strong>&lt;img" in rendered.html
    assert rendered.text.count(HOSTILE) == 6  # the text part is not HTML


def test_links_are_links_in_the_html_and_addresses_in_the_text() -> None:
    url = f"{PUBLIC}/login.html#token=a&for=staff"
    rendered = _render(
        Action("digest_mail_open", url),
        Paragraph("digest_mail_link_note", {"hours": 24, "page": Url(f"{PUBLIC}/login.html")}),
    )
    escaped = url.replace("&", "&amp;")
    assert rendered.html.count(f'<a href="{escaped}">') == 2
    assert rendered.html.count(f'<a href="{PUBLIC}/login.html">{PUBLIC}/login.html</a>') == 2
    french, english = rendered.text.split(emails.TEXT_SEPARATOR)
    for part, lang in zip((french, english), messages.LANGUAGES, strict=True):
        label = messages.render("digest_mail_open", lang)
        assert messages.render("mail_action", lang, {"label": label, "url": url}) in part


def test_lists_nest_catalogue_phrases_joined_by_commas() -> None:
    counts = [Phrase("count_photos_many", {"count": 3}), Phrase("count_videos_one", {"count": 1})]
    rendered = _render(
        Bullets([[Paragraph("digest_mail_album", {"title": Strong("Forêt"), "count": counts})]])
    )
    french = rendered.text.split(emails.TEXT_SEPARATOR)[0]
    photos = messages.render("count_photos_many", "fr", {"count": 3})
    videos = messages.render("count_videos_one", "fr", {"count": 1})
    line = messages.render("digest_mail_album", "fr", {"title": "Forêt", "count": [photos, videos]})
    assert f"• {line}\n" in french
    assert "<ul><li><strong>Forêt</strong>" in rendered.html


def test_a_wrong_parameter_in_a_template_is_a_programming_error() -> None:
    with pytest.raises(messages.MessageError):
        _render(Paragraph("digest_mail_album", {"title": "x"}))


# --- The sign-in e-mail -----------------------------------------------------------------------


def _link(
    kind: str, role: str, name: str = "Les Tilleuls", code: str = "123456"
) -> magic_links.IssuedLink:
    account = magic_links.Account("t1", name, kind, f"{kind}-1", role)
    return magic_links.IssuedLink(account, f"token-{kind}", code, 0)


def test_the_sign_in_mail_lists_each_account_with_its_link_and_code() -> None:
    links = [_link("guardian", "guardian"), _link("staff", "director", "Les Chênes", "654321")]
    template = mail.template(PUBLIC, links)
    assert template.subject == mail.SUBJECT
    [accounts] = [block for block in template.blocks if isinstance(block, Bullets)]
    assert len(accounts.items) == 2
    for item, link in zip(accounts.items, links, strict=True):
        heading, action, code = item
        assert isinstance(heading, Paragraph)
        assert heading.params["centre"] == Strong(link.account.tenant_name)
        assert isinstance(action, Action)
        assert action.href == mail.link_url(PUBLIC, link)
        assert isinstance(code, Paragraph)
        assert code.params == {"code": Strong(link.code)}
    spaces = [getattr(item[0], "params", {}).get("space") for item in accounts.items]
    assert spaces == [Phrase("sign_in_mail_space_guardian"), Phrase("sign_in_mail_space_director")]
    # Staff links say so in the fragment (the page's button wording only)
    assert mail.link_url(PUBLIC, links[1]).endswith("#token=token-staff&for=staff")


@pytest.mark.parametrize(
    ("kinds", "button"),
    [
        (["guardian"], "sign_in_mail_button_gallery"),
        (["staff"], "sign_in_mail_button_staff"),
        (["guardian", "staff"], "sign_in_mail_button_any"),
    ],
)
def test_the_button_named_is_the_one_the_page_shows(kinds: list[str], button: str) -> None:
    links = [_link(kind, "guardian" if kind == "guardian" else "animator") for kind in kinds]
    [paragraph] = [
        block
        for block in mail.template(PUBLIC, links).blocks
        if isinstance(block, Paragraph) and block.code == "sign_in_mail_button"
    ]
    assert paragraph.params["button"] == Phrase(button)
    assert paragraph.params["page"] == Url(f"{PUBLIC}/login.html")


def test_the_sign_in_mail_renders_codes_and_links_in_both_parts() -> None:
    message = mail.compose(PUBLIC, [_link("guardian", "guardian")])
    french, english = message.text.split(emails.TEXT_SEPARATOR)
    for part in (french, english):
        assert f"{PUBLIC}/login.html#token=token-guardian" in part
        assert "123456" in part
    assert message.html.count(f'href="{PUBLIC}/login.html#token=token-guardian"') == 2
    assert message.html.count("<strong>123456</strong>") == 2
