"""Pure parts of a child's souvenir pack (issue 17, item 5): its link's token (256 random
bits, only a SHA-256 kept, one answer for anything else) and its e-mail (French then English,
the centre and the link, never a child's name)."""

from __future__ import annotations

import hashlib

from pellicule.domain import child_pack_mail, pack_tokens

LINK = "https://pellicule.example/souvenir.html#token=t1.cabc.secret"


def test_a_token_names_its_pack_and_only_its_hash_is_kept() -> None:
    issued = pack_tokens.issue("t1", "cabc")
    tenant, pack, secret = issued.token.split(".")
    assert (tenant, pack) == ("t1", "cabc")
    assert len(secret) == 43  # 32 bytes, URL-safe base64
    assert secret not in issued.digest
    assert issued.digest == pack_tokens.digest(secret)
    assert len(issued.digest) == len(hashlib.sha256().hexdigest())
    parsed = pack_tokens.parse(issued.token)
    assert parsed == pack_tokens.Parsed("t1", "cabc", secret)
    assert pack_tokens.matches(issued.digest, secret)
    assert pack_tokens.issue("t1", "cabc").token != issued.token


def test_anything_else_does_not_match_or_parse() -> None:
    issued = pack_tokens.issue("t1", "cabc")
    secret = issued.token.split(".")[2]
    assert not pack_tokens.matches(None, secret)
    assert not pack_tokens.matches("", secret)
    assert not pack_tokens.matches(issued.digest, secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    assert not pack_tokens.matches(pack_tokens.issue("t1", "cabc").digest, secret)
    for bad in (
        None,
        12,
        "",
        "t1.cabc",
        "t1.cabc.short",
        f"t1.c/abc.{secret}",
        f"{'t' * 65}.c.{secret}",
    ):
        assert pack_tokens.parse(bad) is None


def test_the_mail_is_french_then_english_with_the_link_and_no_child() -> None:
    rendered = child_pack_mail.compose(
        public_url="https://pellicule.example", centre="Les Loutres", link=LINK, until="2026-07-21"
    )
    assert rendered.subject == "Les Loutres : un souvenir de vos photos / a souvenir of your photos"
    french, _, english = rendered.text.partition("-- English --")
    assert "Télécharger le souvenir" in french
    assert "Download the souvenir" in english
    for part in (french, english):
        assert LINK in part
        assert "2026-07-21" in part
        assert "Les Loutres" in part
    assert rendered.html.count(f'href="{LINK}"') == 2
