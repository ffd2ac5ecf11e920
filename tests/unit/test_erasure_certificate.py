"""The erasure certificate's e-mail (``pellicule.domain.erasure.certificate_email``): its
structure, the values it carries in both languages and their escaping, not the copy (that is
the catalogue's)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pellicule.domain import emails, erasure, messages
from pellicule.domain.emails import Bullets, Paragraph, Strong

HOSTILE = '<img src=x onerror=alert(1)> "Lilas" & co'
DONE = datetime(2027, 3, 4, 10, 30, tzinfo=UTC).timestamp()
UNTIL = datetime(2032, 3, 4, tzinfo=UTC).timestamp()


def _certificate(label: str = "Léa M.") -> erasure.Certificate:
    return erasure.Certificate(
        child_label=label,
        certificate_id="0123abcd4567ef89",
        done_at=DONE,
        evidence_until=UNTIL,
        removed_items=3,
        blurred_items=2,
    )


def test_the_certificate_says_what_was_erased_when_and_how_long_the_proof_is_kept() -> None:
    template = erasure.certificate_email(_certificate())
    assert template.subject == "erasure_certificate_mail_subject"
    paragraphs = {b.code: b.params for b in template.blocks if isinstance(b, Paragraph)}
    assert paragraphs["erasure_certificate_mail_done"] == {
        "child": "Léa M.",
        "date": "04/03/2027",
        "certificate": Strong("0123abcd4567ef89"),
    }
    assert paragraphs["erasure_certificate_mail_proof"] == {"date": "04/03/2032"}
    [bullets] = [b for b in template.blocks if isinstance(b, Bullets)]
    lines = [line for item in bullets.items for line in item]
    assert [(line.code, dict(line.params)) for line in lines if isinstance(line, Paragraph)] == [
        ("erasure_certificate_mail_removed", {"count": 3}),
        ("erasure_certificate_mail_blurred", {"count": 2}),
        ("erasure_certificate_mail_data", {}),
    ]


def test_the_certificate_renders_in_french_then_english_with_its_values_in_both() -> None:
    rendered = emails.render(erasure.certificate_email(_certificate()))
    assert rendered.subject == " / ".join(
        messages.both("erasure_certificate_mail_subject").values()
    )
    french, english = rendered.text.split(emails.TEXT_SEPARATOR)
    for part, lang in zip((french, english), messages.LANGUAGES, strict=True):
        done = {"child": "Léa M.", "date": "04/03/2027", "certificate": "0123abcd4567ef89"}
        assert messages.render("erasure_certificate_mail_done", lang, done) in part
        assert messages.render("erasure_certificate_mail_removed", lang, {"count": 3}) in part
        assert messages.render("erasure_certificate_mail_proof", lang, {"date": "04/03/2032"}) in (
            part
        )
    assert rendered.html.count("<strong>0123abcd4567ef89</strong>") == 2
    assert rendered.html.count("<li>") == 6  # three lines, in each language


def test_the_childs_label_is_escaped_in_the_html_and_left_as_it_is_in_the_text() -> None:
    rendered = emails.render(erasure.certificate_email(_certificate(HOSTILE)))
    assert "<img" not in rendered.html
    assert rendered.html.count("&lt;img src=x onerror=alert(1)&gt; &quot;Lilas&quot; &amp; co") == 2
    assert rendered.text.count(HOSTILE) == 2


@pytest.mark.parametrize(
    ("initial", "label"),
    [
        ("M.", "Léa M."),
        ("M", "Léa M."),
        (" m. ", "Léa m."),
        ("", "Léa"),
        (None, "Léa"),
        (".", "Léa"),
    ],
)
def test_the_child_is_named_by_first_name_and_one_dotted_initial(
    initial: str | None, label: str
) -> None:
    from functions.purge.erasing import _label

    assert _label("Léa", initial) == label
