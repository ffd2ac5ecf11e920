"""Functions invoked at once through the gateway each see their own request, as in Lambda.

Powertools keeps the event being resolved in a class attribute shared by the process; locally
every function runs in that one process (docs/local-runtime.md, "Invocations"). Before
``local/invocation.py`` a director's consent call could run with a parent's request (and its
session), and moto's transactions could fail under concurrent writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from local.runtime import LocalRuntime
from tests.e2e.journeys import api
from tests.integration.scenario import Scenario, build, consent_text_hash

CALLS = 150
WIDE = ["families_of_group", "all_families_of_centre"]
NARROW = ["families_of_group"]


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}


Check = Callable[[requests.Response], str | None]


def _calls(runtime: LocalRuntime, centre: Scenario) -> list[tuple[str, Callable[[], Any], Check]]:
    """150 calls to the admin and family functions, each with an answer only it should get."""
    children = centre.children
    g1, g3, g4 = (centre.families[who] for who in ("g1", "g3", "g4"))
    calls: list[tuple[str, Callable[[], Any], Check]] = []
    for index in range(CALLS):
        kind = index % 5
        if kind == 0:  # the director reads a child's consent file
            child = ("lea", "noah", "zoe")[index // 5 % 3]
            child_id = children[child]

            def check_read(r: requests.Response, child_id: str = child_id) -> str | None:
                return None if r.json()["child"]["child_id"] == child_id else "another child"

            calls.append(
                (
                    f"director reads {child}",
                    lambda c=child_id: api(
                        runtime, centre.director, "GET", f"/api/admin/children/{c}/consent"
                    ),
                    check_read,
                )
            )
        elif kind == 1:  # the director records a withdrawal asked for by Léa's guardian
            body = {"requested_by": [g1.guardian_id]}

            def check_withdraw(r: requests.Response) -> str | None:
                found = r.json()
                return None if found["action"] == "unchanged" and found["terms"] is None else "?"

            calls.append(
                (
                    "director withdraws lea",
                    lambda b=body: api(
                        runtime,
                        centre.director,
                        "POST",
                        f"/api/admin/children/{children['lea']}/consent/withdraw",
                        b,
                    ),
                    check_withdraw,
                )
            )
        elif kind in (2, 3):  # Noah's and Zoé's guardians widen or narrow their consent
            family, child = (g3, "noah") if kind == 2 else (g4, "zoe")
            audiences = WIDE if index // 5 % 2 else NARROW
            kinds = ["photo", "video"] if index // 10 % 2 else ["photo"]
            body = {
                "audiences": audiences,
                "media_kinds": kinds,
                "text_sha256": consent_text_hash(),
            }

            def check_consent(r: requests.Response, sent: dict[str, Any] = body) -> str | None:
                terms = r.json()["terms"]
                same = (set(terms["audiences"]), set(terms["media_kinds"])) == (
                    set(sent["audiences"]),
                    set(sent["media_kinds"]),
                )
                return None if same else f"terms {terms} for {sent}"

            calls.append(
                (
                    f"{child}'s guardian consents",
                    lambda s=family.session, c=children[child], b=body: api(
                        runtime, s, "POST", f"/api/family/children/{c}/consent", b
                    ),
                    check_consent,
                )
            )
        else:  # Léa's guardian opens the family page

            def check_me(r: requests.Response) -> str | None:
                found = r.json()
                ok = found["guardian_id"] == g1.guardian_id and [
                    child["child_id"] for child in found["children"]
                ] == [children["lea"]]
                return None if ok else "another family"

            calls.append(
                (
                    "lea's guardian opens the family page",
                    lambda: api(runtime, g1.session, "GET", "/api/family/me"),
                    check_me,
                )
            )
    return calls


def test_concurrent_calls_to_different_functions_each_get_their_own_answer(
    runtime: LocalRuntime,
) -> None:
    # Given a centre with a director and four families, Léa's family having said no already
    # (so each of the withdrawals below has one answer: "unchanged")
    centre = build()
    refused = api(
        runtime,
        centre.director,
        "POST",
        f"/api/admin/children/{centre.children['lea']}/consent/withdraw",
        {"requested_by": [centre.families["g1"].guardian_id]},
    )
    assert (refused.status_code, refused.json()["action"]) == (200, "withdrawn")
    calls = _calls(runtime, centre)
    start = threading.Barrier(len(calls))

    def fire(call: tuple[str, Callable[[], Any], Check]) -> tuple[str, int, str | None]:
        label, send, check = call
        start.wait(timeout=60)
        response = send()
        if response.status_code != 200:
            return label, response.status_code, response.text[:200]
        return label, 200, check(response)

    # When 150 director and parent calls reach the gateway at the same moment
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        outcomes = list(pool.map(fire, calls))

    # Then every call answered 200 with what its own request asked for
    wrong = [outcome for outcome in outcomes if outcome[1] != 200 or outcome[2] is not None]
    assert wrong == [], (
        f"{len(wrong)} of {len(calls)} calls got another request's answer: {wrong[:5]}"
    )

    # ...no consent change was lost: each applied change is one version of the file
    applied = {"noah": 0, "zoe": 0}
    for (label, _send, _check), _outcome in zip(calls, outcomes, strict=True):
        if label.endswith("'s guardian consents"):
            applied[label.split("'")[0]] += 1
    for child in ("noah", "zoe"):
        file = api(
            runtime, centre.director, "GET", f"/api/admin/children/{centre.children[child]}/consent"
        ).json()
        assert file["consent"]["version"] == len(file["history"])
        assert 1 <= len(file["history"]) <= applied[child]

    # ...and the audit chain the transactions wrote is whole
    verified = api(runtime, centre.director, "GET", "/api/admin/audit/verify").json()
    assert verified["ok"] is True, verified
