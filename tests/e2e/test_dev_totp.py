"""``/_dev/totp`` (local stack only): the staff's current authenticator codes, so a person
trying the demo without an authenticator app can still sign in as the director."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests

from local.runtime import LocalRuntime
from pellicule.domain import totp
from pellicule.services import sessions
from tests.e2e.journeys import api
from tests.integration.auth_helpers import centre, staff

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}


def test_the_page_shows_a_code_that_confirms_the_enrolment(runtime: LocalRuntime) -> None:
    director = staff(centre("Les Érables"), "direction@erables.example", role="director")
    pending = sessions.create(
        director.tenant_id, "staff", director.principal_id, "director", second_factor_pending=True
    )
    empty = requests.get(f"{runtime.base_url}/_dev/totp", timeout=30)
    assert empty.status_code == 200
    assert empty.headers["Cache-Control"] == "no-store"
    # Given an enrolment begun (the secret stored, not yet confirmed)
    enrolled = api(runtime, pending, "POST", "/api/auth/totp/enrol", {})
    assert enrolled.status_code == 200, enrolled.text
    secret = enrolled.json()["secret"]
    # When the page is read, it shows the code of this step for that person
    page = requests.get(f"{runtime.base_url}/_dev/totp", timeout=30).text
    assert "Les Érables" in page
    shown = re.findall(r"<code>(\d{6})</code>", page)
    step = totp.time_step(time.time())
    assert {totp.code_at(secret, step), totp.code_at(secret, step - 1)} & set(shown)
    # And that code confirms the enrolment
    confirmed = api(runtime, pending, "POST", "/api/auth/totp/confirm", {"code": shown[-1]})
    assert confirmed.status_code == 200, confirmed.text
    # The page is never under the app's API or static paths (local gateway only)
    assert requests.post(f"{runtime.base_url}/_dev/totp", timeout=30).status_code == 405
