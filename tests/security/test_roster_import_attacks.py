"""The roster import refuses what it must (``/api/admin/roster/import``): another role, an
oversized or malformed file, a bad mapping; hostile files never cause a 500; formula cells
(``=``, ``+``, ``-``, ``@``) are stored as text and never reach a CSV export."""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import pytest

from pellicule.domain import roster_import as rules
from tests.conftest import Aws, Centre
from tests.integration.staff_api import admin, create_staff, payload, staff_session

PATHS = ("/roster/import/preview", "/roster/import")
GOOD = "Prénom;Nom;Groupe;Courriel\nLéa;Dupré;Loutres;lea@famille.example\n"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _post(centre: Centre, path: str, body: Any, session: str | None = None) -> dict[str, Any]:
    return admin("POST", path, session or centre.director_session, body)


def _children(centre: Centre) -> list[dict[str, Any]]:
    return payload(admin("GET", "/children", centre.director_session))["children"]


@pytest.mark.parametrize("path", PATHS)
def test_only_directors_import(aws: Aws, centre: Centre, path: str) -> None:
    animator_id = create_staff(centre.director_session, "anim@example.org")
    animator = staff_session(centre.tenant_id, animator_id, "animator")
    body = {"file": _b64(GOOD.encode())}
    assert _post(centre, path, body, animator)["statusCode"] == 403
    assert _post(centre, path, body, centre.guardian_session)["statusCode"] in (401, 403)
    assert admin("POST", path, None, body)["statusCode"] == 401
    assert not [c for c in _children(centre) if c["first_name"] == "Léa"]


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"file": _b64(b"x" * (rules.MAX_FILE_BYTES + 1))}, 413, "import_file_too_large"),
        (
            {"file": _b64(b"P;N;G\n" + b"a;b;c\n" * (rules.MAX_ROWS + 1))},
            413,
            "import_too_many_rows",
        ),
        ({"file": "not base64 at all!"}, 400, "import_file_unreadable"),
        ({"file": _b64(b"PK\x03\x04\x00\x00 zip")}, 400, "import_file_unreadable"),
        ({"file": _b64(b"\n\n\n")}, 400, "import_file_empty"),
        (
            {"file": _b64(GOOD.encode()), "mapping": ["first_name", "last_name"]},
            400,
            "import_mapping_columns",
        ),
        (
            {"file": _b64(GOOD.encode()), "mapping": ["first_name", "ignore", "group", "email_1"]},
            400,
            "import_mapping_incomplete",
        ),
        (
            {"file": _b64(GOOD.encode()), "mapping": ["first_name", "last_name", "group", "x"]},
            400,
            "invalid_request",
        ),
        ({"file": _b64(GOOD.encode()), "dry_run": "yes"}, 400, "invalid_request"),
        ({"file": "A" * 300_000}, 400, None),  # over the JSON body's cap
    ],
)
def test_bad_files_and_mappings(
    aws: Aws, centre: Centre, body: dict[str, Any], status: int, reason: str | None
) -> None:
    for path in PATHS:
        response = _post(centre, path, body)
        assert response["statusCode"] == status, response["body"]
        answer = payload(response)
        if reason is not None:
            assert reason in (answer.get("reason"), answer.get("error")), answer
        assert answer["message"]["fr"]


def test_hostile_files_never_cause_a_500(aws: Aws, centre: Centre) -> None:
    generator = random.Random(20261206)
    pieces = [b";", b",", b"\t", b'"', b"\r\n", b"\n", b"\xff", b"\xc3", b"=", b"@", b"\x00"]
    pieces += ["Prénom;Nom;Groupe;Mail\n".encode(), b"a" * 50, "é".encode("cp1252")]
    for _ in range(40):
        raw = b"".join(generator.choice(pieces) for _ in range(generator.randint(1, 400)))
        for path in PATHS:
            response = _post(centre, path, {"file": _b64(raw), "dry_run": True})
            assert response["statusCode"] < 500, (raw, response["body"])


def test_formula_cells_are_text_and_never_reach_a_csv_export(aws: Aws, centre: Centre) -> None:
    hostile = (
        "Prénom;Nom;Groupe;Courriel\n"
        '"=HYPERLINK(""http://evil.example"";""x"")";Dupré;Loutres;\n'
        "+Noé;-Martin;@Ours;\n"
        'Léa;Dupré;Loutres;"=1+1@evil.example"\n'
    )
    answer = payload(_post(centre, "/roster/import", {"file": _b64(hostile.encode())}))
    assert answer["counts"]["children_created"] == 2  # the formula names, as text
    assert [(e["line"], e["field"], e["code"]) for e in answer["errors"]] == [
        (4, "email_1", "import_email_invalid")  # never taken for an address
    ]
    stored = {c["first_name"] for c in _children(centre)}
    assert {
        '=HYPERLINK("http://evil.example";"x")',
        "+Noé",
    } <= stored  # as text, verbatim (the page shows it with textContent)
    from pellicule.services import audit

    text = audit.export(centre.tenant_id, "csv")  # what GET /audit?format=csv answers
    assert "imported" in text  # the import's entry is there, with counts only
    for cell in ("=HYPERLINK", "+Noé", "@Ours", "=1+1"):
        assert cell not in text
    # the JSON answers carry them as JSON strings only
    assert json.loads(json.dumps(answer))
