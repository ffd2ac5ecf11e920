"""Every route of the API description, fed hostile input, answers 4xx, never 5xx or a crash.

A seeded, bounded fuzzer (no network, no timing): for each operation of
``layers/core/pellicule/openapi.json`` it sends bodies built from the field names the handlers
read, with values of every wrong type and size (integers no float holds, NaN, Infinity, deep
lists, control characters, Unicode digits, dates past the calendar), path parameters that are
real ids, another kind's id or garbage, and hostile query strings. The handler must return a
response below 500; an exception escaping it is what API Gateway turns into a 500.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Aws, Centre, LambdaContext, api_event
from tests.integration.staff_api import (
    create_album,
    create_child,
    create_group,
    create_guardian,
    create_staff,
    guardian_session,
    ready_photo,
    staff_session,
    tag,
)

OPENAPI = Path(__file__).resolve().parents[2] / "layers/core/pellicule/openapi.json"
SEED = 20261205
BODIES_PER_OPERATION = 12

# Field names the handlers read from bodies (kept wide on purpose: unknown ones must be ignored).
FIELDS = (
    "album_id",
    "audiences",
    "boxes",
    "child_ids",
    "code",
    "confirm",
    "date",
    "decision",
    "email",
    "files",
    "group_id",
    "hides",
    "media_id",
    "media_kinds",
    "mode",
    "no_identifiable_child",
    "part_numbers",
    "requested_by",
    "revision",
    "role",
    "scan_id",
    "signed_by",
    "site_id",
    "size",
    "tenant_id",
    "text_sha256",
    "token",
    "trusted",
    "type",
    "valid_from",
    "valid_until",
    "version",
    "display_name",
    "first_name",
    "initial",
    "name",
    "reason",
    "recovery_code",
    "title",
    "content_type",
    "filename",
    "max_photo_bytes",
    "max_video_bytes",
    "max_video_seconds",
    "max_video_edge",
    "media_retention_months",
    "validation_mode",
    "staff_second_factor",
    "two_guardian_widening",
    "allow_downloads",
    "season_end",
    "parts",
    "etag",
    "part_number",
    "upload_id",
    "audience",
)

# JSON texts, not Python values: some cannot be produced by json.dumps (1e400, NaN, 10**400).
HOSTILE = (
    "null",
    "true",
    "false",
    "0",
    "-1",
    "9223372036854775808",
    "1" + "0" * 400,
    "-" + "1" + "0" * 400,
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    "0.5",
    '""',
    '" "',
    json.dumps("x" * 5000),
    '"\u00b2"',
    '"\u2460"',
    '"\\u0000"',
    '"\\ud800"',
    '"9999-12-31"',
    '"0000-00-00"',
    '"2026-02-30"',
    '"<script>alert(1)</script>"',
    '"../../../etc/passwd"',
    "[]",
    "[null]",
    "[[]]",
    "[[1e400, 0, 1, 1]]",
    "[" + ",".join(['"x"'] * 300) + "]",
    "{}",
    '{"a": {"b": {"c": 1}}}',
    "[" * 5000 + "]" * 5000,
    '["photo", "video", "photo"]',
    '["families_of_group"]',
)

QUERY = {
    "limit": ["\u00b2", "0", "-1", "99999999999999999999", "", "1"],
    "cursor": ["MEDIA#000000000000#a", "x" * 3000, "\u0000", ""],
    "format": ["csv", "json", "xml", ""],
    "since": ["-1", "9" * 30, "x"],
    "until": ["1e400", "NaN"],
    "action": ["view", "\u0000"],
    "album_id": ["", "x" * 300],
    "child_id": [""],
    "state": ["", "ready", "x"],
}


def _operations() -> list[tuple[str, str]]:
    spec = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return [
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _handler(path: str) -> Any:
    import importlib

    prefix = path.split("/")[2].removesuffix(".json")
    module = {"openapi": "auth"}.get(prefix, prefix)
    return importlib.import_module(f"functions.{module}.handler").handler


def _body(rng: random.Random, ids: dict[str, str]) -> str:
    fields = rng.sample(FIELDS, rng.randint(1, 8))
    parts = []
    for field in fields:
        if rng.random() < 0.3 and ids:
            value = json.dumps(rng.choice([*ids.values(), list(ids.values())]))
        else:
            value = rng.choice(HOSTILE)
        parts.append(f"{json.dumps(field)}: {value}")
    return "{" + ", ".join(parts) + "}"


def _fill(path: str, rng: random.Random, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return rng.choice(
            [
                ids.get(name, "x"),
                ids.get(name, "x"),
                rng.choice(list(ids.values())),
                "AAAAAAAAAAAAAAAAAAAAAA",
                "x" * 300,
                "%00",
                "..",
                "\u00e9t\u00e9",
            ]
        )

    return re.sub(r"\{([a-z_]+)\}", value, path)


@pytest.fixture
def world(aws: Aws, centre: Centre) -> dict[str, Any]:
    director = centre.director_session
    group = create_group(director)
    child = create_child(director, group)
    guardian = create_guardian(director, "fuzz@example.org", [child])
    staff = create_staff(director, "anim@example.org")
    album = create_album(director, "Piscine", group)
    media = ready_photo(aws, centre, album)
    tag(director, media, [child])
    ids = {
        "album_id": album,
        "child_id": child,
        "group_id": group,
        "guardian_id": guardian,
        "staff_id": staff,
        "media_id": media,
    }
    return {"centre": centre, "ids": ids, "guardian": guardian}


def test_hostile_input_never_crashes_a_route(aws: Aws, world: dict[str, Any]) -> None:
    failures: list[str] = []
    operations = _operations()
    assert len(operations) > 50  # the description lists every route
    for method, path in operations:
        failures += _fuzz(world, method, path)
    assert not failures, "\n".join(failures)


def _fuzz(world: dict[str, Any], method: str, path: str) -> list[str]:
    centre: Centre = world["centre"]
    ids: dict[str, str] = world["ids"]
    rng = random.Random(f"{SEED}{method}{path}")
    handler = _handler(path)
    failures = []
    for attempt in range(BODIES_PER_OPERATION):
        # A fresh session each time: a fuzzed call may sign out, archive or demote its caller.
        if path.startswith("/api/family"):
            session = guardian_session(centre.tenant_id, world["guardian"])
        else:
            session = staff_session(centre.tenant_id, "staff-1")
        target = _fill(path, rng, ids)
        event = api_event(method, target, session=session if attempt % 6 else None)
        if method != "GET":
            event["body"] = _body(rng, ids) if attempt % 8 else rng.choice(HOSTILE)
        query = {k: rng.choice(v) for k, v in QUERY.items() if rng.random() < 0.3}
        if query:
            event["queryStringParameters"] = query
        try:
            response = handler(event, LambdaContext())
        except Exception as error:  # noqa: BLE001 - what escapes here is a 500 on AWS
            failures.append(f"{method} {target} {event.get('body')!r:.200} -> {error!r:.300}")
            continue
        if response["statusCode"] >= 500:
            failures.append(f"{method} {target} {event.get('body')!r:.200} -> {response}")
    return failures
