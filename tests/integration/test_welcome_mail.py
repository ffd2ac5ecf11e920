"""The welcome e-mail of a guardian added by the centre (issue 17, item 7): sent once, read
from moto's SES, its link signs in and lands on the consents page; a failed send never blocks
the roster write and the digest's run sends it later; no personal data in the logs."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.conftest import Aws, Centre
from tests.integration.auth_helpers import (
    auth,
    cookie_value,
    moto_sent_count,
    payload,
    recorded_mail,
)
from tests.integration.digest_helpers import run_digest
from tests.integration.staff_api import admin, create_child, create_group, family, ok

SUBJECT = "bienvenue sur Pellicule, votre accord est demandé"
ADDRESS = "new.parent@example.org"


def _add_guardian(centre: Centre, email: str = ADDRESS) -> str:
    session = centre.director_session
    child_id = create_child(session, create_group(session), "Léa")
    created = ok(
        admin("POST", "/guardians", session, {"email": email, "child_ids": [child_id]}), 201
    )
    return str(created["guardian_id"])


def _welcomes(sent: list[Any], email: str = ADDRESS) -> list[Any]:
    return [m for m in sent if m.to == [email] and SUBJECT in m.subject]


def _guardian(centre: Centre, guardian_id: str) -> Any:
    from pellicule.store import roster

    return roster.guardian(centre.tenant_id, guardian_id, consistent=True)


def test_a_new_guardian_gets_one_welcome_whose_link_opens_the_consents_page(
    aws: Aws, centre: Centre
) -> None:
    before = moto_sent_count(aws)
    with recorded_mail() as sent:
        guardian_id = _add_guardian(centre)
        [mail] = _welcomes(sent)
        # Retries and the digest's run send nothing more.
        from pellicule.services import welcome

        assert welcome.send(centre.tenant_id, _guardian(centre, guardian_id)) == "not_due"
        run_digest()
        assert len(_welcomes(sent)) == 1
    assert moto_sent_count(aws) == before + 1  # moto's SES accepted it
    # The centre's name opens the subject; French first, then English; how to withdraw.
    assert mail.subject.startswith("Centre : ")
    french, english = mail.text.split("-- English --")
    assert "Pellicule est l'espace privé" in french
    assert "retirer" in french
    assert "Pellicule is the private space" in english
    assert "withdraw" in english
    assert "responsable du traitement" in french
    assert "controller" in english
    # One link (no 6-digit code: it lives days), to the configured public URL.
    [token] = mail.tokens
    assert "Code" not in mail.text
    assert all(link.startswith("https://") for link in mail.links)
    # Opening it signs in as this guardian, and the next page is the consents page.
    exchanged = auth("POST", "/session", {"token": token})
    assert exchanged["statusCode"] == 200, exchanged.get("body")
    view = payload(exchanged)
    assert view["next"] == "/consents.html"
    assert (view["kind"], view["principal_id"]) == ("guardian", guardian_id)
    session = cookie_value(exchanged)
    assert family("GET", "/me", session)["statusCode"] == 200
    # Single use.
    assert auth("POST", "/session", {"token": token})["statusCode"] == 401
    stored = _guardian(centre, guardian_id)
    assert stored.welcome_sent_at is not None
    assert not stored.welcome_due


def test_an_ordinary_sign_in_link_still_leads_to_the_gallery(aws: Aws, centre: Centre) -> None:
    with recorded_mail() as sent:
        _add_guardian(centre)
        assert auth("POST", "/link", {"email": ADDRESS})["statusCode"] == 202
    [asked] = [m for m in sent if SUBJECT not in m.subject]
    [token] = asked.tokens
    assert payload(auth("POST", "/session", {"token": token}))["next"] == "/gallery.html"


def test_ses_down_never_blocks_the_roster_write_and_the_digest_run_sends_it_later(
    aws: Aws, centre: Centre, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pellicule.adapters import outbox

    real_send = outbox.send

    def failing(*_: Any, **__: Any) -> None:
        raise RuntimeError("ses down")

    with recorded_mail() as sent:
        monkeypatch.setattr(outbox, "send", failing)
        guardian_id = _add_guardian(centre)  # 201 all the same
        assert _welcomes(sent) == []
        stored = _guardian(centre, guardian_id)
        assert stored.welcome_due
        assert stored.welcome_sent_at is None
        monkeypatch.setattr(outbox, "send", real_send)
        run_digest()
        assert len(_welcomes(sent)) == 1
        run_digest()  # the day after, or a retried run: not again
        assert len(_welcomes(sent)) == 1


def test_an_archived_guardian_gets_no_late_welcome(
    aws: Aws, centre: Centre, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pellicule.adapters import outbox

    real_send = outbox.send
    monkeypatch.setattr(outbox, "send", lambda *_a, **_k: (_ for _ in ()).throw(OSError("x")))
    with recorded_mail() as sent:
        guardian_id = _add_guardian(centre)
        ok(admin("POST", f"/guardians/{guardian_id}/archive", centre.director_session))
        monkeypatch.setattr(outbox, "send", real_send)
        run_digest()
        assert _welcomes(sent) == []


def test_the_welcome_logs_no_personal_data(
    aws: Aws,
    centre: Centre,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.INFO)  # the functions' application log level
    for name in ("pellicule-welcome", "pellicule-admin", "pellicule-auth"):
        caplog.set_level(logging.DEBUG, logger=name)
    with recorded_mail() as sent:
        guardian_id = _add_guardian(centre)
        [mail] = _welcomes(sent)
    # Each record whole (its extra fields too), and what was printed.
    logged = "\n".join(str(r.__dict__) for r in caplog.records) + capsys.readouterr().out
    assert f"guardian:{guardian_id}" in logged  # the welcome is logged, pseudonymously
    assert ADDRESS not in logged
    assert mail.tokens[0] not in logged
    assert "Léa" not in logged
