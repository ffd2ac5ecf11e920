"""The welcome e-mail of a new guardian in real Chromium at 390x844 (issue 17, item 7): the
director adds a guardian; the e-mail in the dev mailbox carries a link that signs in and lands
on the consents page, where the guardian answers the consent request."""

from __future__ import annotations

import html
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.e2e.browsing import watched
from tests.e2e.conftest import wait_for
from tests.e2e.journeys import LINK
from tests.e2e.journeys import api as _call
from tests.integration.scenario import build

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ADDRESS = "nouveau.parent@famille.example"


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}


def test_the_welcome_link_signs_in_on_the_consents_page(
    runtime: LocalRuntime, browser: Any
) -> None:
    centre = build()
    created = _call(
        runtime,
        centre.director,
        "POST",
        "/api/admin/guardians",
        {"email": ADDRESS, "child_ids": [centre.children["zoe"]]},
    )
    assert created.status_code == 201, created.text
    [mail] = wait_for(lambda: [m for m in runtime.sent_mail() if m.to == [ADDRESS]] or None)
    assert "bienvenue sur Pellicule" in mail.subject
    [link] = dict.fromkeys(html.unescape(url) for url in LINK.findall(mail.html))
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        problems = watched(page)
        page.goto(link)
        page.locator("#open-button").click()
        page.wait_for_url(f"{runtime.base_url}/consents.html")
        wait_for(lambda: page.evaluate("document.body.dataset.ready === 'true'"), timeout=30)
        assert "Zoe X." in page.locator("#children").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path="/tmp/welcome-consents.png", full_page=True)
        assert problems == []
    finally:
        context.close()
