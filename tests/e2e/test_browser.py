"""The web app in real Chromium (Debian's), served by the local gateway."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.runtime import LocalRuntime

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR")
    yield context.new_page()
    context.close()


def test_home_page_speaks_french_then_english_without_csp_violations(
    runtime: LocalRuntime, page: Any
) -> None:
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    response = page.goto(f"{runtime.base_url}/")
    assert response.status == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert page.title() == "Pellicule"
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "partagées en privé" in page.locator("main").inner_text()
    # Keyboard only: Tab reaches the language switch, Enter toggles it.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "lang-switch"
    page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "shared privately" in page.locator("main").inner_text()
    # The choice is remembered.
    page.reload()
    assert page.locator("html").get_attribute("lang") == "en"
    assert problems == []
