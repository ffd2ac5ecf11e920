"""The rules of relatives (issue 17, item 6; pellicule/domain/relatives.py) and their e-mails
(the invitation, and the welcome of a new guardian, item 7): pure, no AWS."""

from __future__ import annotations

import pytest

from pellicule.domain import relatives as rules
from pellicule.domain import sessions


@pytest.mark.parametrize(
    ("revoked", "inviter", "expected"),
    [
        (False, rules.Inviter(archived=False, child_count=1), True),
        (False, rules.Inviter(archived=False, child_count=3), True),
        (True, rules.Inviter(archived=False, child_count=1), False),  # revoked
        (False, rules.Inviter(archived=True, child_count=1), False),  # guardian archived
        (False, rules.Inviter(archived=False, child_count=0), False),  # no child left
        (False, None, False),  # guardian gone
    ],
)
def test_a_relative_sees_the_family_only_while_it_is_open(
    revoked: bool, inviter: rules.Inviter | None, expected: bool
) -> None:
    assert rules.open_to(revoked, inviter) is expected


def test_the_limit_per_guardian() -> None:
    assert rules.MAX_PER_GUARDIAN == 4
    assert all(rules.may_invite(n) for n in range(rules.MAX_PER_GUARDIAN))
    assert not rules.may_invite(rules.MAX_PER_GUARDIAN)
    assert not rules.may_invite(rules.MAX_PER_GUARDIAN + 1)


@pytest.mark.parametrize(
    ("centre", "guardian", "expected"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_downloads_need_the_centre_and_the_guardian(
    centre: bool, guardian: bool, expected: bool
) -> None:
    assert rules.may_download(centre, guardian) is expected


def test_a_relative_session_keeps_the_families_timeouts() -> None:
    relative = sessions.opened(sessions.RELATIVE, 1_000)
    guardian = sessions.opened(sessions.GUARDIAN, 1_000)
    assert relative == guardian
    assert sessions.RELATIVE == rules.KIND


def _parts(text: str) -> tuple[str, str]:
    french, english = text.split("-- English --")
    return french, english


@pytest.mark.parametrize("may_download", [True, False])
def test_the_invitation_says_who_invites_and_what_they_may_do(may_download: bool) -> None:
    from pellicule.domain import relative_mail

    rendered = relative_mail.compose(
        public_url="https://photos.example.fr/",
        centre="Les Tilleuls",
        inviter="parent@example.org",
        link="https://photos.example.fr/login.html#token=abc",
        link_hours=72,
        may_download=may_download,
    )
    assert rendered.subject.startswith("Les Tilleuls : ")
    french, english = _parts(rendered.text)
    for part in (french, english):
        assert "parent@example.org" in part
        assert "https://photos.example.fr/login.html#token=abc" in part
        assert "72" in part
    assert ("télécharger les photos" in french) is may_download
    assert ("sans les télécharger" in french) is not may_download
    assert ("download the photos" in english) is may_download
    assert '<html lang="fr">' in rendered.html
    assert '<div lang="en">' in rendered.html


def test_the_welcome_says_what_who_the_consent_request_and_how_to_withdraw() -> None:
    from pellicule.domain import welcome_mail

    rendered = welcome_mail.compose(
        public_url="https://photos.example.fr",
        centre="Les Tilleuls",
        link="https://photos.example.fr/login.html#token=xyz",
        link_hours=72,
    )
    assert rendered.subject == (
        "Les Tilleuls : bienvenue sur Pellicule, votre accord est demandé / "
        "welcome to Pellicule, your consent is requested"
    )
    french, english = _parts(rendered.text)
    assert "Pellicule est l'espace privé" in french  # what it is
    assert "Les Tilleuls décide" in french
    assert "hébergée pour le centre" in french
    assert (
        "Répondre à la demande d'accord : https://photos.example.fr/login.html#token=xyz" in french
    )
    assert "retirer ou restreindre votre accord à tout moment" in french  # how to withdraw
    assert "Answer the consent request: https://photos.example.fr/login.html#token=xyz" in english
    assert "withdraw or restrict your consent at any time" in english
    assert french.index("Pellicule est") < french.index("Répondre")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, True),
        ({"email": ""}, False),  # no address: no welcome
        ({"welcome_due": None}, False),  # a guardian from before the feature, or the seed
        ({"welcome_sent_at": 1_800_000_000}, False),  # sent already
        ({"archived": True}, False),
    ],
)
def test_who_is_due_a_welcome(changes: dict[str, object], expected: bool) -> None:
    from types import SimpleNamespace
    from typing import Any, cast

    from pellicule.services import welcome

    fields: dict[str, object] = {
        "email": "parent@example.org",
        "welcome_due": True,
        "welcome_sent_at": None,
        "archived": False,
    }
    guardian = cast(Any, SimpleNamespace(**{**fields, **changes}))
    assert welcome.due(guardian) is expected
