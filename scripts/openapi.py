"""Generate ``layers/core/pellicule/openapi.json`` from the API functions' routes.

Every API function registers its routes on a Powertools resolver; this script walks them
(method, path, parameters, the route function's docstring) into one OpenAPI 3.1 document,
shipped as a file in the core layer (generating it at run time would cost every cold
start). ``make openapi`` rewrites it; a unit test fails when it no longer matches the routes.

Usage: ``python scripts/openapi.py [--check]``
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "layers" / "core" / "pellicule" / "openapi.json"
TITLE = "Pellicule API"
DESCRIPTION = (
    "Private photo sharing for children's leisure centres. Every call is authorised by the "
    "server-side session cookie `__Host-pellicule-session` (the centre and the role come from "
    "it, never from the request); state-changing calls also need the header "
    "`x-pellicule-csrf: 1`. Errors are `{error, message}` with a French then English message."
)


def _paths() -> None:
    for extra in (ROOT, ROOT / "layers" / "core"):
        if str(extra) not in sys.path:
            sys.path.insert(0, str(extra))


PUBLIC_PREFIXES = (
    "/api/auth/link",
    "/api/auth/session",
    "/api/digest/unsubscribe",
    "/api/openapi.json",
)
ERROR = {"$ref": "#/components/schemas/Error"}


def _routes(app: Any) -> list[Any]:
    # Powertools keeps the registered routes here (pinned version; a unit test checks that
    # every route of every function is documented, so a change would be noticed).
    return [*app._static_routes, *app._dynamic_routes]


def _summary(route: Any) -> str:
    doc = (route.func.__doc__ or "").strip().splitlines()
    return doc[0] if doc else route.func.__name__.replace("_", " ").capitalize()


def _operation(function: str, route: Any) -> dict[str, Any]:
    path = route.openapi_path
    operation: dict[str, Any] = {
        "tags": [function],
        "summary": _summary(route),
        "operationId": f"{function}_{route.func.__name__}",
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {}}}},
            "400": {
                "description": "Bad input (the message says what)",
                "content": {"application/json": {"schema": ERROR}},
            },
            "401": {
                "description": "No or expired session",
                "content": {"application/json": {"schema": ERROR}},
            },
            "403": {
                "description": "Wrong role, or missing anti-CSRF header",
                "content": {"application/json": {"schema": ERROR}},
            },
            "404": {
                "description": "Not found in the caller's centre",
                "content": {"application/json": {"schema": ERROR}},
            },
            "409": {
                "description": "The state changed, or the gate refuses",
                "content": {"application/json": {"schema": ERROR}},
            },
        },
    }
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", path)
    ]
    if parameters:
        operation["parameters"] = parameters
    if route.method in ("POST", "PUT", "PATCH"):
        operation["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    if path.startswith(PUBLIC_PREFIXES):
        operation["security"] = [{"csrf": []}] if route.method != "GET" else []
    return operation


def build() -> dict[str, Any]:
    """The merged OpenAPI document of every function behind an API route."""
    _paths()
    from pellicule import topology

    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": "1", "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "paths": {},
        "components": {
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "__Host-pellicule-session",
                },
                "csrf": {"type": "apiKey", "in": "header", "name": "x-pellicule-csrf"},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string", "examples": ["not_found"]},
                        "message": {"type": "string"},
                    },
                }
            },
        },
        "security": [{"session": [], "csrf": []}],
    }
    for function in sorted({route.function for route in topology.API_ROUTES}):
        module = importlib.import_module(f"functions.{function}.handler")
        for route in _routes(module._app()):
            operations = document["paths"].setdefault(route.openapi_path, {})
            operations[route.method.lower()] = _operation(function, route)
    document["paths"] = {
        path: dict(sorted(ops.items())) for path, ops in sorted(document["paths"].items())
    }
    return document


def render() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run `make openapi`.")
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(build()['paths'])} paths)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
