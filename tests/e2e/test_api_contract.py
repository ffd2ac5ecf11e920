"""Contract fuzzing: every operation of the served API description, called through the local
runtime's gateway by Schemathesis (pinned) with generated paths, queries and bodies, as the
anonymous visitor, a parent, an animator and a director.

For every call: no 5xx, a status the description documents for that operation, the content
type it documents, and a body that matches the documented schema. About 25 examples per
operation and role (5 for the anonymous visitor where a session is needed: all 401). The
people get a new session after any 401 (a generated sign-out or archive must not starve the
calls after it).
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from local.runtime import LocalRuntime
from pellicule.api import http
from pellicule.services import sessions
from tests.integration.scenario import Scenario, build

pytestmark = [pytest.mark.e2e, pytest.mark.contract]

ROLES = ("anonymous", "parent", "animator", "director")
EXAMPLES = 25
ANONYMOUS_EXAMPLES = 5
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def runtime_options() -> dict[str, Any]:
    return {"workers": False}


@pytest.fixture(scope="module")
def scenario(runtime: LocalRuntime) -> Scenario:
    return build()


class Sessions:
    """A live session cookie per role (none for the anonymous visitor), opened again after any
    401: a generated sign-out, revocation or archive must not starve the calls after it."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.people = {
            "parent": ("guardian", scenario.families["g3"].guardian_id, "guardian"),
            "animator": ("staff", "anim-1", "animator"),
            "director": ("staff", "dir-1", "director"),
        }
        self.open: dict[str, str] = {}

    def cookies(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        if role not in self.open:
            kind, principal_id, person_role = self.people[role]
            self.open[role] = sessions.create(
                self.scenario.tenant_id, kind, principal_id, person_role
            )
        return {sessions.COOKIE_NAME: self.open[role]}

    def answered(self, role: str, status: int) -> None:
        if status == 401:
            self.open.pop(role, None)


@pytest.fixture(scope="module")
def session_of(scenario: Scenario) -> Sessions:
    return Sessions(scenario)


@pytest.fixture(scope="module")
def operations(runtime: LocalRuntime) -> list[tuple[Any, bool]]:
    """Every operation of the description the runtime serves, and whether it is public (it
    needs no session)."""
    document = requests.get(f"{runtime.base_url}/api/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(document)
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        described = document["paths"][operation.path][operation.method.lower()]
        security = described.get("security", document["security"])
        found.append((operation, not any("session" in scheme for scheme in security)))
    return found


def _fuzz(
    operation: Any,
    role: str,
    runtime: LocalRuntime,
    people: Sessions,
    seen: dict[int, int],
    examples: int,
) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def calls(case: Any) -> None:
        response = case.call_and_validate(
            base_url=runtime.base_url,
            headers={http.CSRF_HEADER: "1"},
            cookies=people.cookies(role),
            checks=CHECKS,
            timeout=30,
        )
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        people.answered(role, response.status_code)

    calls()


@pytest.mark.parametrize("role", ROLES)
def test_every_answer_is_the_one_described(
    role: str,
    runtime: LocalRuntime,
    operations: list[tuple[Any, bool]],
    session_of: Sessions,
) -> None:
    failures = []
    seen: dict[int, int] = {}
    for operation, public in operations:
        # Without a session, an operation that needs one answers 401 before reading anything.
        examples = EXAMPLES if public or role != "anonymous" else ANONYMOUS_EXAMPLES
        try:
            _fuzz(operation, role, runtime, session_of, seen, examples)
        except Exception as failure:  # noqa: BLE001 - gathered, all reported below
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    print(
        f"contract fuzzing as {role}: {sum(seen.values())} calls, statuses {sorted(seen.items())}"
    )
    assert sum(seen.values()) >= len(operations)  # every operation was called
    assert not failures, f"{len(failures)} operations answer off their description:\n" + (
        "\n\n".join(failures)
    )
