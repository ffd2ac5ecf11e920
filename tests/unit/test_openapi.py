"""The API description: generated from the routes, shipped with the code, kept in step."""

from __future__ import annotations

import importlib
import json
import runpy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pellicule.api.schema import Id

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


def test_the_description_is_served_without_a_session(aws: Any) -> None:
    """(Through CloudFront: the moto account holds the origin header's secret.)"""
    from functions.auth.handler import handler
    from tests.conftest import LambdaContext, api_event

    event = api_event("GET", "/api/openapi.json", csrf=False)
    event["routeKey"] = "GET /api/openapi.json"
    response = handler(event, LambdaContext())
    assert response["statusCode"] == 200
    document = json.loads(response["body"])
    assert "/api/family/albums/{album_id}" in document["paths"]
    assert "/api/openapi.json" in document["paths"]


def test_a_field_left_out_of_an_update_is_optional_and_null_only_where_it_means_none(
    generator: dict[str, Any],
) -> None:
    schemas = generator["build"]()["components"]["schemas"]
    group = schemas["GroupChange"]
    assert "required" not in group
    assert not [p for p in group["properties"].values() if "default" in p]
    # ``site_id: null`` is a group without site; a name is never null
    assert {"type": "null"} in group["properties"]["site_id"]["anyOf"]
    assert group["properties"]["name"]["type"] == "string"
    child = schemas["ChildChange"]["properties"]
    assert "anyOf" not in child["group_id"]
    assert child["group_id"]["type"] == "string"
    # the sign-in request: a null token is sent (and does not work), so it is described
    token = schemas["SessionRequest"]["properties"]["token"]
    assert {"type": "null"} in token["anyOf"]


def test_a_body_that_may_be_left_out_is_not_required(generator: dict[str, Any]) -> None:
    paths = generator["build"]()["paths"]
    for path in (
        "/api/admin/media/{media_id}/publish",
        "/api/admin/children/{child_id}/consent/withdraw",
    ):
        assert paths[path]["post"]["requestBody"].get("required", False) is False, path
    assert paths["/api/admin/children/{child_id}/consent"]["post"]["requestBody"]["required"]


@dataclass(frozen=True)
class Needs:
    name: Id


def test_operations_refuse_a_declaration_that_cannot_hold() -> None:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    from pellicule.api.operations import operation

    app = APIGatewayHttpResolver()
    # a route that is not public authenticates its caller first
    with pytest.raises(TypeError, match="auth="):
        operation(app, "GET", "/api/x")
    # a body that may be left out means {}: none of its fields is required
    with pytest.raises(TypeError, match="optional body"):
        operation(app, "POST", "/api/x", body=Needs, body_required=False, auth=lambda: None)


def test_every_operation_has_its_request_and_answer_schemas(generator: dict[str, Any]) -> None:
    from pellicule.api.operations import declared

    document = generator["build"]()
    apps = {
        function: importlib.import_module(f"functions.{function}.handler")._app()
        for function in ("admin", "auth", "digest", "family", "gallery", "upload")
    }
    operations = {
        (op.method.lower(), op.openapi_path): op for app in apps.values() for op in declared(app)
    }
    described = [(m, p, o) for p, ops in document["paths"].items() for m, o in ops.items()]
    assert {(m, p) for m, p, _ in described} == set(operations)
    for method, path, described_op in described:
        label = f"{method.upper()} {path}"
        assert not [key for key in described_op if key.startswith("x-")], label
        declaration = operations[(method, path)]
        success = described_op["responses"][str(declaration.status)]
        schema = success["content"][declaration.content_type]["schema"]
        assert schema, label
        assert schema != {"type": "object"}, label
        if declaration.body is not None:
            body = described_op["requestBody"]["content"]["application/json"]["schema"]
            assert body == {"$ref": f"#/components/schemas/{declaration.body.__name__}"}, label
        else:
            assert "requestBody" not in described_op, label
        parameters = {p["name"]: p for p in described_op.get("parameters", [])}
        for name in declaration.params:
            assert parameters[name]["schema"].get("pattern"), (label, name)


def test_a_route_declared_without_types_fails_the_generation(generator: dict[str, Any]) -> None:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    from pellicule.api.operations import operation

    app = APIGatewayHttpResolver()
    operation(app, "GET", "/api/x/typed", public=True)(lambda: None)
    generator["check_typed"]("x", app)
    app.put("/api/x/settings")(lambda: None)
    with pytest.raises(generator["UntypedRoute"], match="PUT /api/x/settings"):
        generator["check_typed"]("x", app)
