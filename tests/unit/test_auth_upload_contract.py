"""The request types of the upload, gallery, digest and sign-in APIs: what the web app sends
parses, the limits match the use cases', and the parser agrees with the API description
(Pydantic, through Powertools, generates it from the same types), as for the guardian API
(``tests/unit/test_request_types.py``)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.auth import contract as auth
from functions.digest import contract as digest
from functions.upload import contract as upload
from pellicule.api.schema import InvalidRequest, parse
from tests import request_agreement as agreement

TOKEN = "Ab-_" * 11  # 44 URL-safe characters, as magic_links makes them


def refused(kind: Any, raw: Any) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        parse(kind, raw)
    return caught.value


# --- What the web app sends -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        # web/login.js
        (auth.LinkRequest, {"email": "parent@famille.example"}),
        (auth.SessionRequest, {"token": TOKEN}),
        (auth.SessionRequest, {"email": "parent@famille.example", "code": "123456"}),
        (auth.CodeRequest, {"code": "123456"}),
        (auth.VerifyRequest, {"code": "123 456"}),
        (auth.VerifyRequest, {"recovery_code": "abcd-efgh-jkmn"}),
        (auth.RenewRequest, {}),
        (auth.RecoveryCodesRequest, {"code": "123456"}),
        # web/unsubscribe.js
        (digest.UnsubscribeRequest, {"token": "tone.ga." + "s" * 43}),
        # web/staff/upload.js: a file whose type the browser did not know is sent as ""
        (
            upload.GrantsRequest,
            {
                "album_id": "a1b2",
                "files": [
                    {"name": "IMG_0001.HEIC", "type": "", "size": 3_000_000},
                    {"name": "clip.mov", "type": "video/quicktime", "size": 900_000_000},
                ],
            },
        ),
        (upload.PartsRequest, {"part_numbers": [1, 2, 3, 4]}),
        # web/review.js
        (upload.FacesRequest, {"boxes": [[0.1, 0.2, 0.3, 0.25], [0, 0, 1, 1]], "hides": ["c1"]}),
        (upload.FacesRequest, {"boxes": [], "hides": []}),
    ],
)
def test_what_the_web_app_sends_parses(kind: type, raw: dict[str, Any]) -> None:
    command = dataclasses.asdict(parse(kind, raw))  # the fields left out: their default
    assert json.loads(json.dumps({name: command[name] for name in raw})) == raw


def test_the_limits_are_the_use_cases_limits() -> None:
    from functions.upload import logic
    from pellicule.config import topology
    from pellicule.domain import faces
    from pellicule.services import magic_links

    assert upload.MAX_FILES_PER_REQUEST == logic.MAX_FILES_PER_REQUEST
    assert topology.UPLOAD.max_parts_per_request == upload.MAX_PARTS_PER_REQUEST
    assert upload.MAX_BOXES == faces.MAX_BOXES
    # Every address normalise_email accepts passes the type (the use case decides the rest)
    for email in (
        "a@b.fr",
        "  Parent.Name+tag@Famille.Example ",
        "x" * 64 + "@" + "d" * 190 + ".fr",
    ):
        assert magic_links.normalise_email(email) is not None
        assert parse(auth.LinkRequest, {"email": email}).email == email


@pytest.mark.parametrize(
    ("kind", "raw", "field"),
    [
        (auth.LinkRequest, {"email": "x" * 400 + "@a.fr"}, "email"),
        (auth.LinkRequest, {"email": "no-at-sign"}, "email"),
        (auth.LinkRequest, {"email": ["a@b.fr"]}, "email"),
        (auth.LinkRequest, {"email": "a@b.fr", "tenant_id": "t1"}, "tenant_id"),
        (auth.SessionRequest, {"token": "short"}, "token"),
        (auth.SessionRequest, {"token": "é" * 43}, "token"),
        (auth.SessionRequest, {"email": "a@b.fr", "code": "١٢٣٤٥٦"}, "code"),  # Arabic-Indic
        (auth.SessionRequest, {"email": "a@b.fr", "code": 123456}, "code"),
        (auth.VerifyRequest, {"code": "1" * 65}, "code"),
        (digest.UnsubscribeRequest, {"token": "x" * 1025}, "token"),
        (upload.GrantsRequest, {"album_id": "a", "files": []}, "files"),
        (upload.GrantsRequest, {"album_id": "a/b", "files": [{"size": 1}]}, "album_id"),
        (
            upload.GrantsRequest,
            {"album_id": "a", "files": [{"size": 1, "name": "x"}] * 51},
            "files",
        ),
        (upload.GrantsRequest, {"album_id": "a", "files": [{"size": 2**41}]}, "files[0].size"),
        (upload.GrantsRequest, {"album_id": "a", "files": [{"size": True}]}, "files[0].size"),
        (
            upload.GrantsRequest,
            {"album_id": "a", "files": [{"size": 1, "path": "../x"}]},
            "files[0].path",
        ),
        (upload.PartsRequest, {"part_numbers": []}, "part_numbers"),
        (upload.PartsRequest, {"part_numbers": [0]}, "part_numbers[0]"),
        (upload.PartsRequest, {"part_numbers": [1] * 101}, "part_numbers"),
        (upload.PartsRequest, {"part_numbers": [1.5]}, "part_numbers[0]"),
        (upload.FacesRequest, {"boxes": [[0, 0, 1]]}, "boxes[0]"),
        (upload.FacesRequest, {"boxes": [[0, 0, 1, float("nan")]]}, "boxes[0][3]"),
        (upload.FacesRequest, {"boxes": [[0, 0, 1, 1e300]]}, "boxes[0][3]"),
        (upload.FacesRequest, {"boxes": [], "hides": ["../c"]}, "hides[0]"),
    ],
)
def test_each_field_is_held_to_its_limits(kind: type, raw: dict[str, Any], field: str) -> None:
    error = refused(kind, raw)
    assert error.field == field
    assert error.reason.startswith("field_")
    assert error.params["field"] == field


# --- The parser and the API description agree ----------------------------------------------

CASES = [
    (auth.LinkRequest, {"email": "parent@famille.example"}),
    (auth.SessionRequest, {"token": TOKEN}),
    (auth.SessionRequest, {"email": "parent@famille.example", "code": "123456"}),
    (auth.CodeRequest, {"code": "123 456"}),
    (auth.VerifyRequest, {"code": "123456", "recovery_code": "abcd-efgh-jkmn"}),
    (auth.RenewRequest, {"code": "123456"}),
    (auth.RecoveryCodesRequest, {"code": "123456"}),
    (digest.UnsubscribeRequest, {"token": "tone.ga." + "s" * 43}),
    (
        upload.GrantsRequest,
        {"album_id": "a1", "files": [{"name": "a.jpg", "type": "image/jpeg", "size": 10}]},
    ),
    (upload.FileRequest, {"name": "a.jpg", "type": "image/jpeg", "size": 10}),
    (upload.PartsRequest, {"part_numbers": [1, 2]}),
    (upload.FacesRequest, {"boxes": [[0.1, 0.2, 0.3, 0.4]], "hides": ["c1"]}),
]


@pytest.mark.parametrize(
    ("kind", "base"), CASES, ids=[f"{kind.__name__}-{i}" for i, (kind, _) in enumerate(CASES)]
)
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_parser_and_the_described_schema_accept_the_same_bodies(
    kind: type, base: dict[str, Any], data: st.DataObject
) -> None:
    agreement.check(kind, data.draw(agreement.near(kind, base)))
