"""HTTP glue shared by every API function.

One place refuses what did not come through CloudFront (its secret origin header, before any
routing), maps domain errors to status codes, reads the principal from the session cookie
(never from the body, path or headers) and enforces the CSRF header on state-changing calls.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pellicule.domain import messages
from pellicule.domain.errors import BadRequest, Forbidden, PelliculeError

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
    from aws_lambda_powertools.shared.cookies import Cookie

    from pellicule.services.sessions import Principal

CSRF_HEADER = "x-pellicule-csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_JSON_BYTES = 256 * 1024
# No request of ours nests more than a few levels; deeper bodies are refused before any logic.
MAX_JSON_DEPTH = 16


def _cookie(cookies: list[str] | None, name: str) -> str | None:
    for cookie in cookies or []:
        for part in cookie.split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
    return None


def principal(event: dict[str, Any]) -> Principal:
    """Authorize a request from its session cookie; enforce CSRF on state changes.

    A session whose second factor (TOTP) is still pending is refused here, for every route:
    only the TOTP routes accept it, through :func:`pending_principal`.
    """
    found = pending_principal(event)
    if found.second_factor_pending:
        from pellicule.domain.errors import SecondFactorRequired

        raise SecondFactorRequired("second_factor_required")
    return found


def pending_principal(event: dict[str, Any]) -> Principal:
    """Like :func:`principal` but also accepts a session whose second factor is pending:
    for the TOTP routes (``/api/auth/totp/...``) only."""
    from pellicule.services import sessions  # data access: imported on first request, not at init

    method = event.get("requestContext", {}).get("http", {}).get("method", "GET").upper()
    found = _still_allowed(sessions.resolve(_cookie(event.get("cookies"), sessions.COOKIE_NAME)))
    if method not in SAFE_METHODS:
        require_csrf(event)
    return found


def _still_allowed(found: Principal) -> Principal:
    """The session's person as they are NOW: an archived (or suspended) person is signed out at
    once, a changed role (e.g. a director demoted to animator) applies on the very next
    request, and nobody of a suspended (or deleting) centre gets in. One consistent read of
    both items."""
    import dataclasses

    from pellicule.domain.errors import Unauthenticated
    from pellicule.store import sessions as store

    # The centre is None only while a deleted centre's last items go (its sessions went first).
    person, centre = store.person_and_centre(found.tenant_id, found.kind, found.principal_id)
    if isinstance(person, store.RelativeRecord):  # issue 17: a relative, and their guardian
        if (centre is None or centre.status == "active") and _relative_open(person):
            return found
        raise Unauthenticated("access_closed")
    # A suspended staff member (issue 18) is refused like an archived one.
    suspended = isinstance(person, store.StaffRecord) and person.suspended
    out = person is None or person.archived or suspended
    if not out and (centre is None or centre.status == "active"):
        if isinstance(person, store.StaffRecord):
            _not_elevated(found, person, centre)
            return dataclasses.replace(found, role=person.role)
        return found
    raise Unauthenticated("access_closed")


def _relative_open(relative: Any) -> bool:
    """Issue 17 (docs/relatives.md): a relative's access ends at once when revoked, or when
    the guardian who invited them is archived or has no child left (a consistent read)."""
    from pellicule.services import relatives

    return relatives.inviter_of(relative) is not None


def _not_elevated(found: Principal, person: Any, centre: Any) -> None:
    """A session that never passed the second factor does not carry a person's elevation
    (director, trusted animator, TOTP now required of animators): it is ended, and the next
    sign-in asks for the second factor (docs/second-factor.md)."""
    from pellicule.domain import totp
    from pellicule.domain.errors import Unauthenticated
    from pellicule.services import sessions, tenant_settings

    setting = tenant_settings.of_profile(centre).staff_second_factor
    reasons = totp.factor_reasons(person.role, bool(person.trusted), setting)
    if sessions.elevated(found, reasons):
        sessions.revoke_hash(found.session_hash)
        raise Unauthenticated("access_changed")


def require_staff(found: Principal) -> Principal:
    if not found.is_staff:
        raise Forbidden("staff_only")
    return found


def json_body(raw: str | None) -> dict[str, Any]:
    if not raw:
        raise BadRequest("json_body_required")
    if len(raw) > MAX_JSON_BYTES:
        raise BadRequest("request_too_large")
    try:
        body = json.loads(raw)
    except ValueError:
        raise BadRequest("json_invalid") from None
    except RecursionError:  # nested deeper than the interpreter's stack: no body of ours is
        raise _too_deep() from None
    if not isinstance(body, dict):
        raise BadRequest("json_object_expected")
    if _depth(body) > MAX_JSON_DEPTH:
        raise _too_deep()
    return body


def _too_deep() -> BadRequest:
    return BadRequest("json_too_deep", levels=MAX_JSON_DEPTH)


def _depth(value: Any) -> int:
    """How deep containers nest in a parsed JSON value (iterative: no recursion to exhaust)."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        current, level = pending.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            break
        pending.extend((child, level + 1) for child in children)
    return deepest


def json_response(status: int, payload: Any, cookies: list[Cookie] | None = None) -> Response:
    """A JSON response that no cache keeps (API answers are per person)."""
    from aws_lambda_powertools.event_handler import Response, content_types

    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(payload),
        headers={"Cache-Control": "no-store"},
        cookies=cookies,
    )


def require_csrf(event: dict[str, Any]) -> None:
    """The anti-CSRF header, for state-changing calls made without a session (sign-in)."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    if headers.get(CSRF_HEADER) != "1":
        raise Forbidden("csrf_header_missing")


def session_id(event: dict[str, Any]) -> str | None:
    """The session cookie's value as sent (unchecked: ``principal`` checks it)."""
    from pellicule.services import sessions

    return _cookie(event.get("cookies"), sessions.COOKIE_NAME)


def session_cookie(session_id: str, kind: str) -> Cookie:
    """The ``__Host-`` session cookie (same attributes as ``sessions.cookie_header``)."""
    from aws_lambda_powertools.shared.cookies import Cookie, SameSite

    from pellicule.services import sessions

    return Cookie(
        name=sessions.COOKIE_NAME,
        value=session_id,
        path="/",
        secure=True,
        http_only=True,
        same_site=SameSite.STRICT_MODE,
        max_age=sessions.ABSOLUTE_TIMEOUT_SECONDS[kind],
    )


def cleared_session_cookie() -> Cookie:
    """Tells the browser to drop the session cookie (sign-out)."""
    from aws_lambda_powertools.shared.cookies import Cookie, SameSite

    from pellicule.services import sessions

    return Cookie(
        name=sessions.COOKIE_NAME,
        value="",
        path="/",
        secure=True,
        http_only=True,
        same_site=SameSite.STRICT_MODE,
        max_age=0,
    )


def device_cookie_value(event: dict[str, Any]) -> str | None:
    """The trusted device cookie's value as sent (unchecked: ``services.devices`` checks it)."""
    from pellicule.services import devices

    return _cookie(event.get("cookies"), devices.COOKIE_NAME)


def device_cookie(value: str, max_age: int) -> Cookie:
    """The ``__Host-`` cookie of a trusted device: the same attributes as the session's,
    kept until the chain's end (a hint: the server decides)."""
    from aws_lambda_powertools.shared.cookies import Cookie, SameSite

    from pellicule.services import devices

    return Cookie(
        name=devices.COOKIE_NAME,
        value=value,
        path="/",
        secure=True,
        http_only=True,
        same_site=SameSite.STRICT_MODE,
        max_age=max_age,
    )


def cleared_device_cookie() -> Cookie:
    """Tells the browser to drop the trusted device cookie."""
    return device_cookie("", 0)


def error_answer(error: PelliculeError) -> dict[str, Any]:
    """What every error answers: the HTTP family (``error``), the catalogue code (``reason``)
    and its parameters, and the message in both languages for the page to pick from.

    ``{"error": "too_large", "reason": "upload_too_large", "params": {"name": "IMG_1.HEIC",
    "megabytes": 20}, "message": {"fr": "...", "en": "..."}}``. The parameters go back to the
    person who sent them; they are never logged.
    """
    return {
        "error": error.code,
        "reason": error.reason,
        "params": messages.safe_params(error.params),
        "message": error.texts,
    }


def error_response(error: PelliculeError) -> Response:
    return json_response(error.status, error_answer(error))


def _header(event: Mapping[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def origin_refusal(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The answer to a request that did not come through CloudFront, else ``None``.

    CloudFront adds the secret origin header (``topology.ORIGIN_HEADER``) to every ``/api/*``
    request; the ``execute-api`` endpoint called directly gets 403 before any route, session
    or table is looked at (docs/delivery.md). Compared in constant time with the current and
    the previous value (``pellicule.adapters.origin``: a rotation never refuses CloudFront).
    """
    from pellicule.adapters import origin
    from pellicule.config import topology
    from pellicule.config.observability import logger

    sent = _header(event, topology.ORIGIN_HEADER)
    try:
        if origin.accepted(sent):
            return None
        error: PelliculeError = Forbidden("origin_not_cloudfront")
    except PelliculeError as problem:  # the secret is missing or malformed: refuse, loudly
        logger("http").exception("origin header not checked", extra={"reason": problem.reason})
        error = problem
    else:
        # Neither the value sent nor the caller's address is logged.
        logger("http").info(
            "request refused: not through CloudFront",
            extra={"header": "wrong" if sent else "missing"},
        )
    return {
        "statusCode": error.status,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(error_answer(error)),
        "isBase64Encoded": False,
        "cookies": [],
    }


def resolver(
    service: str, register: Callable[[APIGatewayHttpResolver], None]
) -> APIGatewayHttpResolver:
    """A Powertools HTTP resolver with Pellicule's error mapping and routes from ``register``;
    it answers only requests that came through CloudFront (:func:`origin_refusal`)."""
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
    from aws_lambda_powertools.event_handler.exceptions import NotFoundError

    from pellicule.config.observability import logger

    class CloudFrontOnlyResolver(APIGatewayHttpResolver):
        def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
            refused = origin_refusal(event)
            if refused is not None:
                return refused
            return super().resolve(event, context)

    app = CloudFrontOnlyResolver()

    @app.exception_handler(PelliculeError)
    def _domain_error(error: PelliculeError) -> Response:
        if error.status >= 500:
            logger(service).exception(
                "request failed", extra={"code": error.code, "reason": error.reason}
            )
        return error_response(error)

    @app.not_found
    def _not_found(_: NotFoundError) -> Response:
        from pellicule.domain.errors import NotFound

        return error_response(NotFound("route_not_found"))

    register(app)
    return app
