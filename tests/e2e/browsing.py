"""Browser helpers shared by the Chromium journeys (tests/e2e/test_*_browser.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local.runtime import LocalRuntime
from pellicule.services import sessions

# `make screenshots` sets this: the journey saves its screenshots there (docs/screenshots).
SCREENSHOTS_ENV = "PELLICULE_SCREENSHOTS"


def sign_in(context: Any, runtime: LocalRuntime, session: str) -> Any:
    """Give a browser context a session cookie, as the magic link's button sets it (Chromium
    accepts a Secure ``__Host-`` cookie for http://127.0.0.1: loopback counts as secure)."""
    context.add_cookies(
        [
            {
                "name": sessions.COOKIE_NAME,
                "value": session,
                "domain": urlsplit(runtime.base_url).hostname,
                "path": "/",
                "secure": True,
                "httpOnly": True,
                "sameSite": "Strict",
            }
        ]
    )
    return context


def watched(page: Any) -> list[str]:
    """Console errors and page errors of a page (a CSP violation is a console error)."""
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def image_loaded(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            "(s) => { const i = document.querySelector(s); "
            "return !!i && i.complete && i.naturalWidth > 0; }",
            selector,
        )
    )


def all_images_loaded(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            "(s) => [...document.querySelectorAll(s)].every(i => i.complete && i.naturalWidth > 0)",
            selector,
        )
    )


def screenshot(page: Any, name: str, *, full_page: bool = False) -> None:
    """Save ``<name>.png`` into $PELLICULE_SCREENSHOTS when it is set (make screenshots)."""
    folder = os.environ.get(SCREENSHOTS_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)
