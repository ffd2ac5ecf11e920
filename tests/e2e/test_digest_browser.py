"""The daily digest on the local runtime, and unsubscribing from it in real Chromium.

The digest runs as its schedule would (``runtime.run_digest()``); the e-mail is read from the
dev mailbox (moto's SES); its unsubscribe link is opened in the browser: loading the page (its
script runs, as a previewer's would) changes nothing; the button does.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local.runtime import LocalRuntime
from pellicule.api import http
from pellicule.domain import messages
from tests.integration.digest_helpers import family_with_news

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

UNSUBSCRIBE = re.compile(r'href="(http://[^"]+/unsubscribe\.html#[^"]+)"')
EMAIL = "parent.digest@famille.example"


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR")
    yield context
    context.close()


def _unsubscribed_at() -> Any:
    from pellicule.store.models import Guardian, tenant_pk

    found = Guardian.get(tenant_pk("tdigest"), "GUARDIAN#gdigest", consistent_read=True)
    return found.digest_unsubscribed_at


def test_the_digest_reaches_the_dev_mailbox_and_its_page_unsubscribes_on_click(
    runtime: LocalRuntime, context: Any
) -> None:
    family_with_news("tdigest", "gdigest", EMAIL)
    before = len(runtime.sent_mail())

    # When the schedule runs the digest
    result = runtime.run_digest()
    assert result["sent"] == 1
    [mail] = [m for m in runtime.sent_mail()[: len(runtime.sent_mail()) - before] if EMAIL in m.to]
    assert "Kermesse" in mail.html
    [link] = dict.fromkeys(html.unescape(url) for url in UNSUBSCRIBE.findall(mail.html))
    assert link.startswith(f"{runtime.base_url}/unsubscribe.html#")
    # A second run the same day sends nothing
    assert runtime.run_digest()["sent"] == 0

    # When the unsubscribe page is opened and its script runs (what a previewer does)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(link)
    button = page.locator("#unsubscribe-button")
    button.wait_for(state="visible")
    assert "Ne plus recevoir ces e-mails" in button.inner_text()
    assert "Stop these e-mails" not in button.inner_text()  # one language at a time
    page.wait_for_timeout(300)  # anything the page would do by itself has had its chance
    # Then nothing changed, and the token left the address bar
    assert _unsubscribed_at() is None
    assert page.evaluate("location.hash") == ""
    assert page.url == f"{runtime.base_url}/unsubscribe.html"
    assert problems == []  # no CSP violation (no inline script or style)

    # When the person clicks
    button.click()
    status = page.locator("#status")
    status.wait_for(state="visible")
    # (one language at a time: the catalogue's French, then English after the switch)
    assert status.inner_text() == messages.render("digest_unsubscribed", "fr")
    page.locator("#lang-switch").click()  # the status line follows the switch
    assert status.inner_text() == messages.render("digest_unsubscribed", "en")
    page.locator("#lang-switch").click()
    assert _unsubscribed_at() is not None
    assert problems == []


def test_a_broken_link_says_so_and_changes_nothing(runtime: LocalRuntime, context: Any) -> None:
    page = context.new_page()
    page.goto(f"{runtime.base_url}/unsubscribe.html")
    status = page.locator("#status")
    status.wait_for(state="visible")
    assert "incomplet" in status.inner_text()
    assert page.locator("#unsubscribe-button").is_disabled()
    # A forged token: the button answers with the one error message
    forged = context.new_page()  # a new document: a fragment change alone reloads nothing
    forged.goto(f"{runtime.base_url}/unsubscribe.html#tdigest.gdigest.{'A' * 43}")
    forged.locator("#unsubscribe-button").click()
    forged.locator("#status").wait_for(state="visible")
    assert forged.locator("#status").inner_text() == messages.render(
        "unsubscribe_link_invalid", "fr"
    )


def test_the_api_refuses_get_and_requests_without_the_csrf_header(runtime: LocalRuntime) -> None:
    url = f"{runtime.base_url}/api/digest/unsubscribe"
    assert requests.get(url, timeout=30).status_code == 404
    assert requests.post(url, json={"token": "x"}, timeout=30).status_code == 403
    refused = requests.post(url, json={"token": "x"}, headers={http.CSRF_HEADER: "1"}, timeout=30)
    assert refused.status_code == 400
