"""docs/consent.md lists the staff API: every route of the generated API description is
there (a new route without its line in the docs fails here), and nothing listed is gone."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "/api/admin/"


def _described() -> set[tuple[str, str]]:
    spec = json.loads((ROOT / "layers/core/pellicule/openapi.json").read_text())
    found = set()
    for path, operations in spec["paths"].items():
        if not path.startswith(PREFIX):
            continue
        route = re.sub(r"\{(\w+)\}", r"<\1>", path[len(PREFIX) :])
        for method in operations:
            if method in {"get", "post", "put", "patch", "delete"}:
                found.add((method.upper(), route))
    return found


def _documented() -> set[tuple[str, str]]:
    text = (ROOT / "docs/consent.md").read_text()
    section = text[text.index("## Staff API") : text.index("## Family API")]
    found = set()
    for methods, route in re.findall(
        r"`((?:GET|POST|PUT|PATCH|DELETE)(?:\|[A-Z]+)*) ([^`?\s]+)", section
    ):
        for method in methods.split("|"):
            found.add((method, route))
    return found


def test_every_staff_route_is_in_the_docs_and_every_documented_one_exists() -> None:
    described, documented = _described(), _documented()
    assert described, "no staff route found in openapi.json"
    assert described - documented == set(), "routes missing from docs/consent.md"
    assert documented - described == set(), "docs/consent.md lists routes that do not exist"
