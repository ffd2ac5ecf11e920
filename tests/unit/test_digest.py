"""Pure parts of the daily digest: the e-mail, the unsubscribe tokens, the one-a-day rule."""

from __future__ import annotations

from datetime import UTC, datetime

from functions.digest import logic, mail, tokens
from pellicule.domain import emails

PUBLIC = "https://photos.example.fr"


def _compose(albums: list[mail.AlbumNews], centre: str = "Les Tilleuls") -> mail.Message:
    return mail.compose(
        public_url=PUBLIC,
        centre=centre,
        albums=albums,
        login_link=f"{PUBLIC}/login.html#token=abc",
        link_hours=24,
        unsubscribe_link=mail.unsubscribe_url(PUBLIC, "t1.g1.secret"),
    )


def test_the_mail_counts_photos_and_videos_per_album_french_first() -> None:
    albums = [
        mail.AlbumNews("Piscine", "2026-07-08", photos=1, videos=0),
        mail.AlbumNews("Forêt", "2026-07-09", photos=3, videos=2),
    ]
    template = mail.template(
        public_url=PUBLIC,
        centre="Les Tilleuls",
        albums=albums,
        login_link=f"{PUBLIC}/login.html#token=abc",
        link_hours=24,
        unsubscribe_link=mail.unsubscribe_url(PUBLIC, "t1.g1.secret"),
    )
    # The template: its texts are catalogue codes, the counts singular or plural per kind
    assert [getattr(block, "code", getattr(block, "label", None)) for block in template.blocks] == [
        "mail_greeting",
        "digest_mail_intro",
        None,  # the albums
        "digest_mail_open",
        "digest_mail_link_note",
        "digest_mail_frequency",
        "digest_mail_unsubscribe",
    ]
    intro = template.blocks[1]
    assert isinstance(intro, emails.Paragraph)
    assert intro.params["count"] == [
        emails.Phrase("count_photos_many", {"count": 4}),
        emails.Phrase("count_videos_many", {"count": 2}),
    ]
    albums_block = template.blocks[2]
    assert isinstance(albums_block, emails.Bullets)
    # Newest album first
    [[forest], [pool]] = albums_block.items
    assert isinstance(forest, emails.Paragraph)
    assert isinstance(pool, emails.Paragraph)
    assert forest.params["title"] == emails.Strong("Forêt")
    assert pool.params["count"] == [emails.Phrase("count_photos_one", {"count": 1})]
    assert template.subject == "digest_mail_subject"
    assert template.subject_name == "Les Tilleuls"
    # The e-mail: the centre opens the subject; both parts carry both links
    message = _compose(albums)
    assert message.subject.startswith("Les Tilleuls : ")
    french, english = message.text.split(emails.TEXT_SEPARATOR)
    assert french.index("Forêt") < french.index("Piscine")
    for part in (french, english):
        assert f"{PUBLIC}/login.html#token=abc" in part
        assert f"{PUBLIC}/unsubscribe.html#t1.g1.secret" in part
    assert message.html.index('lang="fr"') < message.html.index('lang="en"')
    assert message.html.count(f'href="{PUBLIC}/login.html#token=abc"') == 2
    assert message.html.count(f'href="{PUBLIC}/unsubscribe.html#t1.g1.secret"') == 2
    assert "<img" not in message.html


def test_names_are_escaped_in_the_html() -> None:
    message = _compose([mail.AlbumNews("<b>Sortie</b>", "2026-07-08", 1, 0)], centre="A & B")
    assert "<b>Sortie</b>" not in message.html
    assert "&lt;b&gt;Sortie&lt;/b&gt;" in message.html
    assert "A &amp; B" in message.html


def test_tokens_carry_256_bits_and_only_their_hash_is_kept() -> None:
    issued = tokens.issue("t1", "g1", 1_000)
    tenant_id, guardian_id, secret = issued.token.split(".")
    assert (tenant_id, guardian_id) == ("t1", "g1")
    assert len(secret) == 43  # 32 bytes, URL-safe base64
    assert secret not in issued.stored
    assert issued.stored.startswith("1000:")
    parsed = tokens.parse(issued.token)
    assert parsed is not None
    assert tokens.matches([issued.stored], parsed.secret)
    assert not tokens.matches([issued.stored], tokens.issue("t1", "g1", 1_000).token[-43:])
    for bad in (None, 3, "", "a.b", f"t1.g1.{secret}x", f"t 1.g1.{secret}", f"t1..{secret}"):
        assert tokens.parse(bad) is None


def test_the_last_month_of_tokens_is_kept() -> None:
    stored: list[str] = []
    issued = []
    for day in range(tokens.KEPT + 5):
        new = tokens.issue("t1", "g1", day)
        issued.append(new)
        stored = tokens.kept(stored, new.stored)
    assert len(stored) == tokens.KEPT
    secrets_ = [i.token.rsplit(".", 1)[1] for i in issued]
    assert tokens.matches(stored, secrets_[-1])
    assert tokens.matches(stored, secrets_[5])
    assert not tokens.matches(stored, secrets_[4])


def test_one_digest_per_utc_day_and_never_two_within_twelve_hours() -> None:
    def at(text: str) -> int:
        return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())

    # Yesterday's 17:00 digest allows today's 17:00 one; an earlier one today does not
    assert at("2026-07-08T17:00:00") < logic.day_threshold(at("2026-07-09T17:00:00"))
    assert at("2026-07-09T01:00:00") >= logic.day_threshold(at("2026-07-09T17:00:00"))
    # 23:59 then 00:01: a new UTC day, but too soon
    assert at("2026-07-08T23:59:00") >= logic.day_threshold(at("2026-07-09T00:01:00"))
