"""The API description: generated from the routes, shipped with the code, kept in step."""

from __future__ import annotations

import importlib
import json
import runpy
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generator() -> dict[str, Any]:
    return runpy.run_path(str(ROOT / "scripts" / "openapi.py"), run_name="openapi_generator")


def test_the_shipped_description_matches_the_routes(generator: dict[str, Any]) -> None:
    shipped = (ROOT / "layers" / "core" / "pellicule" / "openapi.json").read_text()
    assert shipped == generator["render"](), "run `make openapi`"


def test_every_route_of_every_api_function_is_described(generator: dict[str, Any]) -> None:
    from pellicule.config import topology

    document = generator["build"]()
    described = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    for function in {route.function for route in topology.API_ROUTES}:
        app = importlib.import_module(f"functions.{function}.handler")._app()
        for route in generator["_routes"](app):
            assert (route.method, route.openapi_path) in described
            assert route.openapi_path.startswith(f"/api/{function}/") or route.openapi_path == (
                "/api/openapi.json"
            )


def test_the_description_is_valid_openapi(generator: dict[str, Any]) -> None:
    from openapi_spec_validator import validate

    validate(json.loads(generator["render"]()))


def test_session_and_csrf_are_the_default_security(generator: dict[str, Any]) -> None:
    document = generator["build"]()
    assert document["security"] == [{"session": [], "csrf": []}]
    schemes = document["components"]["securitySchemes"]
    assert schemes["session"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "__Host-pellicule-session",
    }
    consent = document["paths"]["/api/family/children/{child_id}/consent"]["post"]
    assert consent["parameters"][0]["name"] == "child_id"
    assert "security" not in consent  # the default: a session and the anti-CSRF header


def test_the_description_is_served_without_a_session() -> None:
    from functions.auth.handler import handler
    from tests.conftest import LambdaContext, api_event

    event = api_event("GET", "/api/openapi.json", csrf=False)
    event["routeKey"] = "GET /api/openapi.json"
    response = handler(event, LambdaContext())
    assert response["statusCode"] == 200
    document = json.loads(response["body"])
    assert "/api/family/albums/{album_id}" in document["paths"]
    assert "/api/openapi.json" in document["paths"]
