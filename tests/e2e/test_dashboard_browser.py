"""The director's home (/dashboard.html, issue 18 item 4) in real Chromium, on the local stack.

A director signs in with the mailed link and their app's code and lands on the home (not the
albums): one photo waiting, no erasure request. A family asks for the erasure of their child:
the directors get an e-mail, and the home, read again, shows the request with the time left
(about 24 hours, not red) and a link to the child; one asked 19 hours ago shows red. English
and back; nothing wider than the screen on a laptop or at 390 px. An animator lands on the
albums, sees no "Accueil" there, and is told the home is the directors'."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest

from local.runtime import LocalRuntime
from pellicule.config import clock
from pellicule.services import erasure
from tests.e2e.browsing import sign_in, watched
from tests.e2e.journeys import api, mailed_link, processed_photo
from tests.integration.auth_helpers import staff
from tests.integration.scenario import Scenario, build

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def _enrolled(centre: Scenario, staff_id: str) -> str:
    """The staff member's confirmed authenticator app; returns its secret."""
    from pellicule.domain import totp
    from pellicule.store.models import Staff, tenant_pk

    factor, _ = totp.SecondFactor(
        secret=totp.new_secret(), enrolled_at=int(clock.now()), confirmed=True
    ).with_new_recovery_codes()
    record = Staff.get(tenant_pk(centre.tenant_id), f"STAFF#{staff_id}")
    record.update(actions=[Staff.second_factor.set(factor.to_dict())])
    return factor.secret


def test_the_director_lands_on_the_home_and_sees_an_erasure_request_arrive(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = build()
    noah = centre.children["noah"]
    processed_photo(runtime, centre)  # one photo waiting for a decision
    head = staff(centre.tenant_id, "head@centre.example", role="director")
    secret = _enrolled(centre, head.principal_id)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    contexts.append(context)
    page = context.new_page()
    problems = watched(page)
    # Sign in: the mailed link, the app's code, then the home
    page.goto(mailed_link(runtime, head))
    page.locator("#open-button").click()
    page.locator("#totp-verify").wait_for(state="visible")
    page.fill("#totp-verify-code", pyotp.TOTP(secret).now())
    page.locator("#totp-verify-form button").click()
    page.wait_for_url(f"{runtime.base_url}/dashboard.html")
    page.locator("#cards").wait_for(state="visible")
    assert page.locator("h2").inner_text() == "Accueil de la direction"
    assert page.locator('nav a[aria-current="page"]').inner_text() == "Accueil"
    assert page.locator("#waiting-count").inner_text() == "1"
    assert page.locator("#card-waiting a").get_attribute("href") == "/review.html"
    assert page.locator("#erasures-none").is_visible()
    assert page.locator("#purge-none").is_visible()
    assert [page.locator("#card-shortcuts a").nth(i).get_attribute("href") for i in range(3)] == [
        "/team.html",
        "/campaign.html",
        "/coverage.html",
    ]
    # A family asks for Noah's erasure: the directors are e-mailed, the home shows it
    mails = len(runtime.sent_mail())
    asked = api(
        runtime,
        centre.families["g3"].session,
        "POST",
        f"/api/family/children/{noah}/erasure-request",
        {"confirm": True},
    )
    assert asked.status_code == 200, asked.text
    alert = [m for m in runtime.sent_mail()[: len(runtime.sent_mail()) - mails]]
    assert sorted(to for m in alert if "demande d'effacement" in m.subject for to in m.to) == [
        "dir-1@centre.example",
        "head@centre.example",
    ]
    page.reload()
    row = page.locator("#erasures li")
    row.wait_for(state="visible")
    text = row.inner_text()
    assert "Noah X." in text
    assert re.search(r"Reste 2[34] h \d\d min", text), text
    assert "urgent" not in (row.get_attribute("class") or "")
    assert row.locator("a").get_attribute("href") == f"/people.html#/enfant/{noah}"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    # English, and back
    page.locator("#lang-switch").click()
    assert page.locator("h2").inner_text() == "Director's home"
    assert re.search(r"2[34] h \d\d min left", row.inner_text())
    assert page.locator("#card-shortcuts").inner_text().count("Consent campaign") == 1
    page.locator("#lang-switch").click()
    assert page.locator("h2").inner_text() == "Accueil de la direction"
    assert problems == []


def test_a_request_with_less_than_six_hours_left_is_red_and_the_page_fits_a_phone(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = build()
    zoe = centre.children["zoe"]
    erasure.request(centre.tenant_id, zoe, "guardian:x", at=clock.now() - 19 * 3600)
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    contexts.append(context)
    page = sign_in(context, runtime, centre.director).new_page()
    problems = watched(page)
    page.goto(f"{runtime.base_url}/dashboard.html")
    row = page.locator("#erasures li")
    row.wait_for(state="visible")
    assert "urgent" in (row.get_attribute("class") or "")
    assert re.search(r"Reste [45] h \d\d min", row.inner_text())
    color = row.locator(".left").evaluate("node => getComputedStyle(node).color")
    assert color == "rgb(166, 27, 15)"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert problems == []


def test_an_animator_lands_on_the_albums_and_is_refused_the_home(
    runtime: LocalRuntime, browser: Any, contexts: list[Any]
) -> None:
    centre = build()
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    contexts.append(context)
    page = sign_in(context, runtime, centre.animator).new_page()
    page.goto(f"{runtime.base_url}/staff.html")
    page.locator("#albums-view").wait_for(state="visible")
    assert page.locator("#nav-home").is_hidden()  # the home is the directors'
    page.goto(f"{runtime.base_url}/dashboard.html")
    page.locator("#refused").wait_for(state="visible")
    assert page.locator("#cards").is_hidden()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
