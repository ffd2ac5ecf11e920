"""Generate ``layers/core/pellicule/openapi.json``, the API description, from the typed routes.

An API function declares each route with ``pellicule.api.operations.operation``: its path
parameters, query and body types, its answer's type, its status and its error answers. This
script hands those declarations to Powertools' own OpenAPI generator (a resolver with the same
routes, whose signatures carry Pydantic versions of the same types): the request and answer
schemas come from the library, not from this file. Pydantic is needed here only: the functions
parse requests with ``pellicule.api.schema`` (why: docs/decisions.md), and a property test
checks that both accept and refuse the same values (``tests/unit/test_request_types.py``).

A route registered any other way (``@app.get``...) fails the generation (``UntypedRoute``):
every operation of the description has its request and answer schemas. The document ships as
a file in the core layer (generating it at run time would cost every cold start); a unit test
fails when it no longer matches the routes.

Usage: ``python scripts/openapi.py [--check]``
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import inspect
import json
import sys
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "layers" / "core" / "pellicule" / "openapi.json"
TITLE = "Pellicule API"
DESCRIPTION = (
    "Private photo sharing for children's leisure centres. Every call is authorised by the "
    "server-side session cookie `__Host-pellicule-session` (the centre and the role come from "
    "it, never from the request); state-changing calls also need the header "
    "`x-pellicule-csrf: 1`. Errors are `{error, reason, params, message: {fr, en}}`: the "
    "family, the message's stable code and its parameters, and the message in both languages."
)


def _paths() -> None:
    for extra in (ROOT, ROOT / "layers" / "core"):
        if str(extra) not in sys.path:
            sys.path.insert(0, str(extra))


class UntypedRoute(Exception):
    """A route registered without ``operation``: the description would not say what it takes."""


def _routes(app: Any) -> list[Any]:
    # Powertools keeps the registered routes here (pinned version; a unit test checks that
    # every route of every function is documented, so a change would be noticed).
    return [*app._static_routes, *app._dynamic_routes]


def check_typed(function: str, app: Any) -> None:
    """Every route of ``app`` is declared with its types (``operation``), or
    :class:`UntypedRoute` lists those that are not."""
    from pellicule.api.operations import declared

    typed = {(operation.method, operation.openapi_path) for operation in declared(app)}
    untyped = sorted(
        f"{route.method} {route.openapi_path}"
        for route in _routes(app)
        if (route.method, route.openapi_path) not in typed
    )
    if untyped:
        raise UntypedRoute(
            f"{function}: routes not declared with pellicule.api.operations.operation "
            f"(their inputs and answer would be undescribed): {', '.join(untyped)}"
        )


ERROR_ANSWERS = {
    400: "Bad input (the message says which field and why)",
    401: "No session, or an expired or closed one",
    403: "Wrong role, or missing anti-CSRF header",
    404: "Not found in the caller's centre",
    409: "The state changed meanwhile, or the gate refuses",
    413: "Too large",
    429: "Too many requests: try again later",
}
SUCCESS = {200: "OK", 201: "Created", 202: "Accepted"}
_MODELS: dict[Any, Any] = {}


def pydantic_type(annotation: Any) -> Any:
    """The Pydantic (v2) equivalent of a request or answer annotation of ``pellicule.api``:
    the same limits as ``Text``/``Whole``/``Number``/``Items``; dataclasses and TypedDicts
    become models (requests: strict, no unknown field)."""
    from pydantic import Field, StringConstraints

    from pellicule.api.schema import (
        DATE_PATTERN,
        EARLIEST_YEAR,
        LATEST_YEAR,
        Absent,
        Items,
        Number,
        Text,
        Whole,
    )

    markers: list[Any] = []
    if get_origin(annotation) is Annotated:
        annotation, *markers = get_args(annotation)
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        # ``Omittable[T]``: what may be sent is ``T``; being left out is the field's default.
        options = [option for option in get_args(annotation) if option is not Absent]
        return Union[tuple(pydantic_type(option) for option in options)]  # noqa: UP007
    if origin is Literal:
        return annotation
    if (dataclasses.is_dataclass(annotation) and isinstance(annotation, type)) or (
        typing.is_typeddict(annotation)
    ):
        return model_of(annotation)
    for marker in markers:
        if isinstance(marker, Text) and marker.pattern == DATE_PATTERN:
            # A calendar day of 2000–2100 (the parser checks the date is real, too).
            return Annotated[
                datetime.date,
                Field(ge=datetime.date(EARLIEST_YEAR, 1, 1), le=datetime.date(LATEST_YEAR, 12, 31)),
            ]
        if isinstance(marker, Text):
            pattern = f"^(?:{marker.pattern})$" if marker.pattern else None
            return Annotated[
                str,
                StringConstraints(
                    min_length=marker.min_length, max_length=marker.max_length, pattern=pattern
                ),
            ]
        if isinstance(marker, Whole):
            return Annotated[int, Field(ge=marker.ge, le=marker.le)]
        if isinstance(marker, Number):
            return Annotated[float, Field(ge=marker.ge, le=marker.le, allow_inf_nan=False)]
    limits = next((m for m in markers if isinstance(m, Items)), None)
    sized = {"min_length": limits.min_items, "max_length": limits.max_items} if limits else {}
    if origin in (tuple, list):
        inner: Any = list[pydantic_type(get_args(annotation)[0])]  # type: ignore[misc]
        return Annotated[inner, Field(**sized)] if sized else inner
    if origin is dict:
        key, value = get_args(annotation)
        inner = dict[pydantic_type(key), pydantic_type(value)]  # type: ignore[misc]
        return Annotated[inner, Field(**sized)] if sized else inner
    return annotation


def _absent() -> Any:
    from pellicule.api.schema import ABSENT

    return ABSENT


def model_of(kind: type) -> Any:
    """A Pydantic model with the fields (and limits) of a request dataclass or an answer
    TypedDict; one per type, named after it. A field with a default is not required; an
    ``Omittable`` one (default ``ABSENT``) shows no default, and ``null`` only if its type
    allows it."""
    from pydantic import ConfigDict, Field, create_model

    from pellicule.api.schema import ABSENT, required_fields

    if kind in _MODELS:
        return _MODELS[kind]
    same_name = [other for other in _MODELS if other.__name__ == kind.__name__]
    if same_name:
        # One schema name per type: otherwise the description's names would depend on the
        # order the functions were read in.
        raise ValueError(
            f"two request/answer types are named {kind.__name__} "
            f"({same_name[0].__module__} and {kind.__module__}): rename one"
        )
    hints = typing.get_type_hints(kind, include_extras=True)
    fields: dict[str, Any] = {}
    if dataclasses.is_dataclass(kind):
        required = required_fields(kind)
        for field in dataclasses.fields(kind):
            default: Any = ... if field.name in required else field.default
            if field.default is ABSENT:
                # A factory: the description shows no default (ABSENT is no JSON value).
                default = Field(default_factory=_absent)
            elif field.default_factory is not dataclasses.MISSING:
                default = Field(default_factory=field.default_factory)
            fields[field.name] = (pydantic_type(hints[field.name]), default)
        config = ConfigDict(extra="forbid", strict=True, title=kind.__name__)
    else:
        required_keys = getattr(kind, "__required_keys__", frozenset())
        for name, hint in hints.items():
            fields[name] = (pydantic_type(hint), ... if name in required_keys else None)
        config = ConfigDict(title=kind.__name__)
    model = create_model(kind.__name__, __config__=config, __doc__=kind.__doc__, **fields)
    _MODELS[kind] = model
    return model


def _parameter_limits(annotation: Any) -> tuple[Any, dict[str, Any]]:
    """(type, Powertools ``Query``/``Path`` keyword limits) of a query or path parameter."""
    from pellicule.api.schema import Absent, Text, Whole

    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a not in (type(None), Absent)]
        optional = len(options) < len(get_args(annotation))
        (annotation,) = options  # one type, or None
    markers: list[Any] = []
    if get_origin(annotation) is Annotated:
        annotation, *markers = get_args(annotation)
    limits: dict[str, Any] = {}
    for marker in markers:
        if isinstance(marker, Text):
            limits.update(min_length=marker.min_length, max_length=marker.max_length)
            if marker.pattern:
                limits["pattern"] = f"^(?:{marker.pattern})$"
        if isinstance(marker, Whole):
            limits.update(ge=marker.ge, le=marker.le)
    # An optional query parameter is one that may be left out (never ``null``).
    del optional
    return annotation, limits


def _endpoint(operation: Any) -> Any:
    """A stand-in route function whose signature tells Powertools the operation's inputs."""
    from aws_lambda_powertools.event_handler.openapi.params import Body, Query
    from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam

    from pellicule.api.schema import ABSENT

    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = []
    for name, kind in operation.params.items():
        base, limits = _parameter_limits(kind)
        parameters.append(
            inspect.Parameter(name, keyword, annotation=Annotated[base, PathParam(**limits)])
        )
    if operation.query is not None:
        hints = typing.get_type_hints(operation.query, include_extras=True)
        for field in dataclasses.fields(operation.query):
            base, limits = _parameter_limits(hints[field.name])
            default = inspect.Parameter.empty
            if field.default is ABSENT:
                default = None  # left out (a query parameter is never null)
            elif field.default is not dataclasses.MISSING:
                default = field.default
            parameters.append(
                inspect.Parameter(
                    field.name,
                    keyword,
                    annotation=Annotated[base, Query(**limits)],
                    default=default,
                )
            )
    if operation.body is not None:
        parameters.append(
            inspect.Parameter(
                "body",
                keyword,
                annotation=Annotated[model_of(operation.body), Body()],
                # A body that may be left out: ``requestBody.required`` is false.
                default=inspect.Parameter.empty if operation.body_required else None,
            )
        )

    def endpoint(**_: Any) -> None:
        raise NotImplementedError("a stand-in for the API description only")

    endpoint.__name__ = operation.name
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return endpoint


def _answers(operation: Any) -> dict[int, Any]:
    from pydantic import BaseModel

    class ErrorMessage(BaseModel):
        """The message in French and in English."""

        fr: str
        en: str

    class Error(BaseModel):
        """An error: its family (``error``), its catalogue code (``reason``) and that code's
        parameters, and the message in French and in English."""

        error: str
        reason: str
        params: dict[str, Any]
        message: ErrorMessage

    Error.model_rebuild(_types_namespace={"ErrorMessage": ErrorMessage, "Any": Any})

    success: dict[str, Any] = {"description": SUCCESS.get(operation.status, "OK")}
    if operation.answer is not None:
        success["content"] = {operation.content_type: {"model": pydantic_type(operation.answer)}}
    for alternative in operation.alternatives:
        success.setdefault("content", {})[alternative] = {"schema": {"type": "string"}}
    answers: dict[int, Any] = {operation.status: success}
    for code in operation.errors:
        answers[code] = {
            "description": ERROR_ANSWERS[code],
            "content": {"application/json": {"model": Error}},
        }
    return answers


def _security(operation: Any) -> list[dict[str, list[str]]] | None:
    """Per operation, when not the default (a session and the anti-CSRF header)."""
    changes = operation.method not in ("GET", "HEAD")
    if operation.public:
        return [{"csrf": []}] if changes else []
    return None if changes else [{"session": []}]


def _typed_document(declared: dict[str, list[Any]]) -> dict[str, Any]:
    """The description of the declared operations, generated by Powertools."""
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
    from aws_lambda_powertools.event_handler.openapi.models import Server

    app = APIGatewayHttpResolver()
    for function, operations in declared.items():
        for operation in operations:
            app.route(
                operation.path,
                operation.method,
                summary=operation.summary,
                description=operation.description or None,
                responses=_answers(operation),
                tags=[function],
                operation_id=f"{function}_{operation.name}",
                security=_security(operation),
                status_code=operation.status,
            )(_endpoint(operation))
    document: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(
            title=TITLE,
            version="1",
            description=DESCRIPTION,
            servers=[Server(url="/")],
            security_schemes={
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "__Host-pellicule-session",
                },
                "csrf": {"type": "apiKey", "in": "header", "name": "x-pellicule-csrf"},
            },
            security=[{"session": [], "csrf": []}],
        )
    )
    # Powertools leaves out an empty ``security`` list; a public read needs it said.
    for operations in declared.values():
        for operation in operations:
            if _security(operation) == []:
                described = document["paths"][operation.openapi_path][operation.method.lower()]
                described["security"] = []
    return document


def build() -> dict[str, Any]:
    """The merged OpenAPI document of every function behind an API route."""
    _paths()
    from pellicule.api.operations import declared as declared_on
    from pellicule.config import topology

    apps = {
        function: importlib.import_module(f"functions.{function}.handler")._app()
        for function in sorted({route.function for route in topology.API_ROUTES})
    }
    for function, app in apps.items():
        check_typed(function, app)
    declared = {function: declared_on(app) for function, app in apps.items()}
    document = _typed_document({f: ops for f, ops in declared.items() if ops})
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", _ERROR_SCHEMA)
    document["paths"] = {
        path: dict(sorted(ops.items())) for path, ops in sorted(document["paths"].items())
    }
    used = _referenced(document["paths"], schemas)
    document["components"]["schemas"] = {
        name: schema for name, schema in sorted(schemas.items()) if name in used
    }
    return document


def _referenced(root: Any, schemas: dict[str, Any]) -> set[str]:
    """Names of the component schemas reachable from ``root`` (Powertools also adds its
    validation errors' schemas, which no answer of ours uses)."""
    found: set[str] = set()
    pending = [root]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            reference = value.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/components/schemas/"):
                name = reference.rsplit("/", 1)[1]
                if name not in found:
                    found.add(name)
                    pending.append(schemas.get(name))
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return found


_ERROR_SCHEMA = {
    "type": "object",
    "title": "Error",
    "description": (
        "An error: its family (``error``), its catalogue code (``reason``) and that code's "
        "parameters, and the message in French and in English."
    ),
    "required": ["error", "reason", "params", "message"],
    "properties": {
        "error": {"type": "string", "title": "Error"},
        "reason": {"type": "string", "title": "Reason"},
        "params": {"type": "object", "title": "Params", "additionalProperties": True},
        "message": {
            "type": "object",
            "title": "ErrorMessage",
            "description": "The message in French and in English.",
            "required": ["fr", "en"],
            "properties": {
                "fr": {"type": "string", "title": "Fr"},
                "en": {"type": "string", "title": "En"},
            },
        },
    },
}


def render() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: list[str]) -> int:
    try:
        text = render()
    except UntypedRoute as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if "--check" in argv:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run `make openapi`.")
            return 1
        return 0
    OUTPUT.write_text(text)
    document = json.loads(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(document['paths'])} paths)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
