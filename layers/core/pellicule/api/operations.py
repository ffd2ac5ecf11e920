"""Typed routes: each API operation declares its inputs, its answer and its errors.

:func:`operation` registers a route on a Powertools resolver the way ``@app.get`` does, and
more: before the route function runs, every path parameter, the query string and the JSON
body are parsed into their declared types (``pellicule.api.schema``); the function receives
typed values and returns the answer's payload (or a ``Response`` when it sets cookies or
headers). The declaration is kept (:func:`declared`) for the API description, which
``scripts/openapi.py`` generates offline through Powertools and Pydantic from the same types.

    @operation(app, "POST", "/api/family/children/<child_id>/consent", auth=who,
               body=ConsentRequest, answer=ConsentOutcome, errors=(401, 403, 404, 409))
    def consent_change(principal: Principal, child_id: str, body: ConsentRequest) -> Any:
        return logic.give_or_change(principal, child_id, body)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pellicule.api import http
from pellicule.api.schema import Id, InvalidRequest, parse, required_fields
from pellicule.domain.errors import NotFound

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

_PARAM = re.compile(r"<(\w+)>")
_DECLARED = "pellicule_operations"

# What an authenticated operation can always answer: the session (401), its role or the
# anti-CSRF header (403), and an object of another centre or none (404).
SESSION_ERRORS = (401, 403, 404)


@dataclass(frozen=True)
class Operation:
    """One route as declared: what the API description says about it."""

    method: str
    path: str  # Powertools' form: /api/family/children/<child_id>
    name: str
    summary: str
    description: str
    body: type | None = None
    # False: the body may be left out (no body, or an empty one), and then means ``{}``.
    body_required: bool = True
    query: type | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    answer: Any = None
    status: int = 200
    errors: tuple[int, ...] = ()
    public: bool = False
    content_type: str = "application/json"
    # Other representations of the success answer (e.g. ``text/csv``), described as text.
    alternatives: tuple[str, ...] = ()

    @property
    def openapi_path(self) -> str:
        return _PARAM.sub(r"{\1}", self.path)


def declared(app: APIGatewayHttpResolver) -> list[Operation]:
    """The operations registered on ``app`` through :func:`operation`, in order."""
    return list(getattr(app, _DECLARED, ()))


def operation(
    app: APIGatewayHttpResolver,
    method: str,
    path: str,
    *,
    body: type | None = None,
    body_required: bool = True,
    query: type | None = None,
    params: Mapping[str, Any] | None = None,
    answer: Any = None,
    status: int = 200,
    errors: tuple[int, ...] = SESSION_ERRORS,
    public: bool = False,
    content_type: str = "application/json",
    alternatives: tuple[str, ...] = (),
    auth: Callable[[], Any] | None = None,
    explain: Callable[[dict[str, Any]], None] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``method path`` on ``app``; see the module's docstring.

    ``auth``: called first, before anything of the request is parsed (a caller without a
    session learns nothing from validation errors: 401, then 403 for the role or the
    anti-CSRF header, then 400/404 for the request); what it returns reaches the route
    function as ``principal``. Every operation that is not ``public`` has one.

    ``body_required=False``: a request may leave the body out (no body, or an empty one); it
    is then parsed as ``{}``, so every field of ``body`` has a default.

    ``explain``: called with the decoded body (a JSON object) when it does not match ``body``;
    it may raise an error that says more than the parser's (a domain rule naming every
    problem at once, each a code and the field a page marks); if it raises nothing, the
    parser's error is the answer."""
    _check_declaration(f"{method} {path}", body, body_required, query, public, auth)
    names = _PARAM.findall(path)
    kinds = {name: (params or {}).get(name, Id) for name in names}

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        doc = (func.__doc__ or "").strip()
        summary, _, description = doc.partition("\n")
        declaration = Operation(
            method=method,
            path=path,
            name=func.__name__,
            summary=summary.strip() or func.__name__.replace("_", " ").capitalize(),
            description=" ".join(description.split()),
            body=body,
            body_required=body_required,
            query=query,
            params=kinds,
            answer=answer,
            status=status,
            errors=_error_codes(errors, parsed=bool(body or query), identified=bool(kinds)),
            public=public,
            content_type=content_type,
            alternatives=alternatives,
        )

        def endpoint(**raw: str) -> Any:
            event = app.current_event
            principal = auth() if auth is not None else None
            values: dict[str, Any] = {
                name: _identified(kinds[name], value, name) for name, value in raw.items()
            }
            if query is not None:
                values["query"] = parse(query, event.query_string_parameters or {}, from_query=True)
            if body is not None:
                values["body"] = _parsed_body(body, event.body, body_required, explain)
            if auth is not None:
                values["principal"] = principal
            result = func(**values)
            if _is_response(result):
                return result
            return http.json_response(status, result)

        endpoint.__name__ = func.__name__
        endpoint.__doc__ = func.__doc__
        app.route(path, method)(endpoint)
        operations = getattr(app, _DECLARED, None)
        if operations is None:
            operations = []
            setattr(app, _DECLARED, operations)
        operations.append(declaration)
        return func

    return register


def _check_declaration(
    route: str,
    body: type | None,
    body_required: bool,
    query: type | None,
    public: bool,
    auth: Callable[[], Any] | None,
) -> None:
    """Refuse a declaration that could not be served as declared, when it is made."""
    if auth is None and not public:
        raise TypeError(f"{route}: an operation that is not public needs auth=")
    for kind in (body, query):
        if kind is not None:
            required_fields(kind)  # checks the type's defaults now, not at the first request
    if not body_required and (body is None or required_fields(body)):
        raise TypeError(f"{route}: an optional body has no required field")


def _error_codes(errors: tuple[int, ...], *, parsed: bool, identified: bool) -> tuple[int, ...]:
    """The declared errors, with 400 where a query or body is parsed and 404 where a path
    parameter names something."""
    return tuple(
        sorted(set(errors) | ({400} if parsed else set()) | ({404} if identified else set()))
    )


def _parsed_body(
    body: type,
    sent: str | None,
    body_required: bool,
    explain: Callable[[dict[str, Any]], None] | None,
) -> Any:
    """The typed body; an optional one left out is parsed as ``{}``. When it does not match,
    ``explain`` may answer instead of the parser."""
    raw_body = http.json_body(sent) if sent or body_required else {}
    try:
        return parse(body, raw_body)
    except InvalidRequest:
        if explain is not None:
            explain(raw_body)
        raise


def _identified(kind: Any, raw: str, name: str) -> Any:
    """A path parameter: one that cannot name anything is answered like an unknown one."""
    try:
        return parse(kind, raw, at=name)
    except InvalidRequest:
        raise NotFound("resource_not_found") from None


def _is_response(result: Any) -> bool:
    from aws_lambda_powertools.event_handler import Response

    return isinstance(result, Response)
