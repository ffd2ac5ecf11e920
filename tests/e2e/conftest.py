"""Fixtures of the end-to-end tests: one local runtime (moto + gateway + workers) per module,
one Chromium per run.

A module tunes its runtime by overriding the module-scoped ``runtime_options`` fixture
(``LocalRuntime`` keyword arguments) and ``runtime_handlers`` (function name -> fake handler,
registered before the runtime starts, so no real handler ever sees that module's events).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from local.runtime import LocalRuntime
from pellicule.api import http
from pellicule.services import sessions
from tests.conftest import Centre, make_centre


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {}


@pytest.fixture(scope="module")
def runtime_handlers() -> dict[str, Callable[[Any, Any], Any]]:
    return {}


@pytest.fixture(scope="module")
def runtime(
    runtime_options: dict[str, Any], runtime_handlers: dict[str, Callable[[Any, Any], Any]]
) -> Iterator[LocalRuntime]:
    options = {"port": 0, "moto_port": 0, "purge_interval": 3600.0, **runtime_options}
    local_runtime = LocalRuntime(**options)
    for function, handler in runtime_handlers.items():
        local_runtime.handlers.register(function, handler)
    with local_runtime:
        yield local_runtime


@pytest.fixture(scope="module")
def centre(runtime: LocalRuntime) -> Centre:
    """A centre with an album and a director's session, in this module's runtime."""
    return make_centre()


@pytest.fixture(scope="module")
def api(runtime: LocalRuntime, centre: Centre) -> Iterator[requests.Session]:
    """An HTTP client holding the director's session cookie and the CSRF header."""
    with requests.Session() as session:
        session.headers["Cookie"] = f"{sessions.COOKIE_NAME}={centre.director_session}"
        session.headers[http.CSRF_HEADER] = "1"
        yield session


# --- Real Chromium (Debian's; never `playwright install`) ------------------------------------

CHROMIUM = os.environ.get("PELLICULE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole run (a launch costs a second or two); each test or module
    opens and closes its own contexts: no cookie or storage crosses from one to another."""
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is required (make test installs it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
