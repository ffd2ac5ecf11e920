"""Sign-in API (``/api/auth/...``): routes only; the use cases live in ``logic``.

- ``POST link``: ``{"email"}`` -> 202, the same answer whether the address is known or not
- ``POST session``: ``{"token"}`` or ``{"email", "code"}`` (+ ``"trust_device"``) -> a new
  session cookie (and a family member's trusted device cookie)
- ``POST device``: a trusted device's cookie -> a new session (the device's secret rotates)
- ``GET  devices``, ``POST devices/<id>/revoke``: "Mes appareils"
- ``POST logout``: ends this session and this browser's trusted device;
  ``POST logout-everywhere``: every session and trusted device of the person
- ``GET  me``: who is signed in
- ``GET  status``: ``{"signed_in": false}`` or the person's kind, role and home page (never
  401: the landing page asks it without knowing)
- ``POST totp/enrol``, ``totp/confirm`` ``{"code"}``, ``totp/verify`` ``{"code"}`` or
  ``{"recovery_code"}``: the staff second factor; the only routes a session whose second
  factor is pending reaches (``http.pending_principal``)
- ``GET  totp``: the signed-in staff member's factor (enrolled, recovery codes left)
- ``POST totp/renew`` (``{}`` after a recovery login, or ``{"code"}``), ``totp/renew/confirm``
  ``{"code"}``: replace the authenticator app; ``POST totp/recovery-codes`` ``{"code"}``: new
  recovery codes (full sessions only)
- ``GET  /api/openapi.json``: the API description (public; ``make openapi`` regenerates it)

Only POST changes anything: opening a link (GET, HEAD, a scanner, a previewer running the
page's JavaScript) never reaches a route that consumes it. Every POST needs the anti-CSRF
header, sessions or not (a cross-site form cannot set it).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from pellicule.api import http
from pellicule.api.operations import operation

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

    from functions.auth.logic import Browser, SignedIn
    from pellicule.api.schema import InvalidRequest
    from pellicule.services.sessions import Principal
    from pellicule.store.ratelimit import TooManyRequests

BASE = "/api/auth"
SESSION = f"{BASE}/session"
# What the second-factor routes can answer besides the session's errors: 409 (no enrolment
# in progress, already verified...) and 429 (too many codes tried).
FACTOR_ERRORS = (401, 403, 409, 429)


def _event(app: APIGatewayHttpResolver) -> dict[str, Any]:
    raw: dict[str, Any] = app.current_event.raw_event
    return raw


def _client(app: APIGatewayHttpResolver) -> str:
    from pellicule.store import ratelimit

    return ratelimit.client_address(_event(app))


def _browser(app: APIGatewayHttpResolver) -> Browser:
    """The cookies and User-Agent a sign-in request came with."""
    from functions.auth.logic import Browser

    event = _event(app)
    return Browser(
        client_address=_client(app),
        session=http.session_id(event),
        device=http.device_cookie_value(event),
        user_agent=(event.get("headers") or {}).get("user-agent"),
    )


def _signed_in(signed_in: SignedIn) -> Response:
    """The answer of a new session: its cookie, and the trusted device's when there is one."""
    cookies = [http.session_cookie(signed_in.session_id, signed_in.kind)]
    if signed_in.device is not None:
        cookies.append(
            http.device_cookie(signed_in.device.credential.value, signed_in.device.max_age)
        )
    return http.json_response(200, signed_in.view, cookies=cookies)


# Authentication before anything of the request is parsed (after the anti-CSRF header, which
# every POST needs first): a caller without a session gets 401 whatever it sent.
def _authenticated(app: APIGatewayHttpResolver) -> Callable[[], Principal]:
    def authenticated() -> Principal:
        return http.principal(_event(app))

    return authenticated


def _factor_pending(app: APIGatewayHttpResolver) -> Callable[[], Principal]:
    def factor_pending() -> Principal:
        """A session whose second factor may still be pending (the TOTP routes only)."""
        return http.pending_principal(_event(app))

    return factor_pending


def _routes(app: APIGatewayHttpResolver) -> None:
    _guards(app)
    _sign_in_routes(app)
    _device_routes(app)
    _second_factor_routes(app)
    _description_route(app)


def _guards(app: APIGatewayHttpResolver) -> None:
    """The anti-CSRF header on every POST, and the answers of the errors met before a route."""
    from pellicule.api.schema import InvalidRequest
    from pellicule.services import magic_links
    from pellicule.store import ratelimit

    def csrf_first(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
        # Every POST needs the anti-CSRF header, sessions or not, checked before anything is
        # read, counted or consumed (typed routes parse their body before the route runs).
        if app.current_event.http_method.upper() not in http.SAFE_METHODS:
            http.require_csrf(_event(app))
        return next_middleware(app)

    app.use(middlewares=[csrf_first])

    @app.exception_handler(ratelimit.TooManyRequests)
    def _too_many(error: TooManyRequests) -> Response:
        response = http.error_response(error)
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.exception_handler(InvalidRequest)
    def _invalid(error: InvalidRequest) -> Response:
        # A token, an address or a code that cannot work gets the answer of one that does
        # not: 401 invalid_link, whatever is wrong with it (requirement 1).
        if app.current_event.path == SESSION and error.field in ("token", "email", "code"):
            return http.error_response(magic_links.InvalidLink(magic_links.INVALID))
        return http.error_response(error)


def _sign_in_routes(app: APIGatewayHttpResolver) -> None:
    """Sign in (a link or a code), sign out, who is signed in."""
    from functions.auth import contract as c
    from functions.auth import logic

    authenticated = _authenticated(app)

    @operation(
        app,
        "POST",
        f"{BASE}/link",
        body=c.LinkRequest,
        answer=c.Accepted,
        status=202,
        errors=(403, 429),
        public=True,
    )
    def link(body: c.LinkRequest) -> Any:
        """Ask for a sign-in e-mail (202, the same answer for any address)

        The same answer, in the same time, whether the address is known or not; limited per
        address and per client address (429).
        """
        return logic.request_link(body, _client(app))

    @operation(
        app,
        "POST",
        SESSION,
        body=c.SessionRequest,
        answer=c.SignedIn,
        errors=(401, 403, 429),
        public=True,
    )
    def session(body: c.SessionRequest) -> Any:
        """Exchange a link's token, or an address and its code, for a new session

        The session id is only in the ``__Host-`` cookie. 401 ``invalid_link`` for every
        token or code that does not work; limited per client address (429).
        """
        return _signed_in(logic.exchange(body, _browser(app)))

    @operation(app, "POST", f"{BASE}/logout", answer=c.SignedOut, errors=(403,), public=True)
    def logout() -> Any:
        """Sign out of this browser (ends its session, clears the cookie)"""
        http.require_csrf(_event(app))
        event = _event(app)
        return http.json_response(
            200,
            logic.logout(http.session_id(event), http.device_cookie_value(event)),
            cookies=[http.cleared_session_cookie(), http.cleared_device_cookie()],
        )

    @operation(
        app,
        "POST",
        f"{BASE}/logout-everywhere",
        auth=authenticated,
        answer=c.SignedOutEverywhere,
        errors=(401, 403),
    )
    def logout_everywhere(principal: Principal) -> Any:
        """Sign out everywhere (ends every session of the signed-in person)"""
        return http.json_response(
            200,
            logic.logout_everywhere(principal),
            cookies=[http.cleared_session_cookie(), http.cleared_device_cookie()],
        )

    def signed_in_or_not() -> Principal | None:
        from pellicule.domain.errors import Unauthenticated

        try:
            return http.principal(_event(app))
        except Unauthenticated:  # none, closed, or the second factor still pending
            return None

    @operation(
        app,
        "GET",
        f"{BASE}/status",
        auth=signed_in_or_not,
        answer=c.Status,
        errors=(),
        public=True,
    )
    def status(principal: Principal | None) -> Any:
        """Whether this browser is signed in, and where its home is (200 either way)"""
        return logic.status(principal)

    @operation(app, "GET", f"{BASE}/me", auth=authenticated, answer=c.Who, errors=(401,))
    def me(principal: Principal) -> Any:
        """Who is signed in: kind, role and centre"""
        return logic.me(principal)


def _device_routes(app: APIGatewayHttpResolver) -> None:
    """Trusted devices: sign in again with one, list them, revoke one."""
    from functions.auth import contract as c
    from functions.auth import logic

    authenticated = _authenticated(app)

    @operation(
        app,
        "POST",
        f"{BASE}/device",
        answer=c.SignedIn,
        errors=(401, 403, 429),
        public=True,
    )
    def device() -> Any:
        """Sign in again with this browser's trusted device (its cookie), for a new session

        The device's secret rotates (a new cookie); an old secret presented again ends the
        device and every session it opened (401 ``device_reused``). 401 ``device_unknown``
        or ``access_closed`` also clear the cookie. Limited per client address (429).
        """
        from pellicule.domain.errors import Unauthenticated

        try:
            return _signed_in(logic.resume_device(_browser(app)))
        except Unauthenticated as error:
            response = http.error_response(error)
            response.cookies.append(http.cleared_device_cookie())
            return response

    @operation(app, "GET", f"{BASE}/devices", auth=authenticated, answer=c.Devices, errors=(401,))
    def devices(principal: Principal) -> Any:
        """This person's trusted devices ("Mes appareils"), the most recently used first"""
        return logic.list_devices(principal)

    @operation(
        app,
        "POST",
        f"{BASE}/devices/<device_id>/revoke",
        auth=authenticated,
        params={"device_id": c.DeviceId},
        answer=c.DeviceRevoked,
        errors=(401, 403, 404),
    )
    def device_revoke(principal: Principal, device_id: str) -> Any:
        """End one trusted device and the sessions it opened (this one: signed out)"""
        revoked = logic.revoke_device(principal, device_id)
        cookies = []
        if revoked["signed_out"]:
            cookies = [http.cleared_session_cookie(), http.cleared_device_cookie()]
        return http.json_response(200, revoked, cookies=cookies)


def _second_factor_routes(app: APIGatewayHttpResolver) -> None:
    """The staff second factor: enrol, confirm, verify, its status, a new app, new codes."""
    from functions.auth import contract as c

    authenticated = _authenticated(app)
    factor_pending = _factor_pending(app)

    @operation(
        app,
        "POST",
        f"{BASE}/totp/enrol",
        auth=factor_pending,
        answer=c.Enrolment,
        errors=(401, 403, 409),
    )
    def totp_enrol(principal: Principal) -> Any:
        """Begin enrolling an authenticator app (staff, no confirmed factor yet)

        The secret, its otpauth URI and QR code (an SVG data URI).
        """
        from functions.auth import second_factor

        return second_factor.enrol(principal)

    @operation(
        app,
        "POST",
        f"{BASE}/totp/confirm",
        auth=factor_pending,
        body=c.CodeRequest,
        answer=c.RecoveryCodes,
        errors=FACTOR_ERRORS,
    )
    def totp_confirm(principal: Principal, body: c.CodeRequest) -> Any:
        """Confirm the enrolment with a first code: the recovery codes, shown once"""
        from functions.auth import second_factor

        return second_factor.confirm(principal, body)

    @operation(
        app,
        "POST",
        f"{BASE}/totp/verify",
        auth=factor_pending,
        body=c.VerifyRequest,
        answer=c.Verified,
        errors=FACTOR_ERRORS,
    )
    def totp_verify(principal: Principal, body: c.VerifyRequest) -> Any:
        """Pass the second factor with a code from the app or a recovery code"""
        from functions.auth import second_factor

        return second_factor.verify(principal, body)

    @operation(
        app, "GET", f"{BASE}/totp", auth=authenticated, answer=c.FactorStatus, errors=(401, 403)
    )
    def totp_status(principal: Principal) -> Any:
        """The signed-in staff member's second factor

        Enrolled or not, recovery codes left, and whether this session may replace the app
        without a code from it.
        """
        from functions.auth import second_factor

        return second_factor.status(principal)

    @operation(
        app,
        "POST",
        f"{BASE}/totp/renew",
        auth=authenticated,
        body=c.RenewRequest,
        answer=c.Enrolment,
        errors=FACTOR_ERRORS,
    )
    def totp_renew(principal: Principal, body: c.RenewRequest) -> Any:
        """Begin replacing the authenticator app (a new secret, its URI and QR code)

        After a sign-in with a recovery code, or with a current code of the old app.
        """
        from functions.auth import second_factor

        return second_factor.begin_renewal(principal, body)

    @operation(
        app,
        "POST",
        f"{BASE}/totp/renew/confirm",
        auth=authenticated,
        body=c.CodeRequest,
        answer=c.RecoveryCodes,
        errors=FACTOR_ERRORS,
    )
    def totp_renew_confirm(principal: Principal, body: c.CodeRequest) -> Any:
        """Confirm the new app with its first code: it replaces the old one

        New recovery codes, shown once.
        """
        from functions.auth import second_factor

        return second_factor.confirm_renewal(principal, body)

    @operation(
        app,
        "POST",
        f"{BASE}/totp/recovery-codes",
        auth=authenticated,
        body=c.RecoveryCodesRequest,
        answer=c.NewRecoveryCodes,
        errors=FACTOR_ERRORS,
    )
    def totp_recovery_codes(principal: Principal, body: c.RecoveryCodesRequest) -> Any:
        """New recovery codes against a current code of the app; the old ones stop working"""
        from functions.auth import second_factor

        return second_factor.renew_recovery_codes(principal, body)


def _description_route(app: APIGatewayHttpResolver) -> None:
    from functions.auth import contract as c

    @operation(
        app,
        "GET",
        "/api/openapi.json",
        answer=c.OpenApiDocument,
        errors=(),
        public=True,
        content_type="application/json",
    )
    def openapi() -> Any:
        """The API description (OpenAPI 3.1), generated from the routes"""
        from aws_lambda_powertools.event_handler import Response as Raw

        return Raw(
            status_code=200,
            content_type="application/json",
            body=_openapi_document(),
            headers={"Cache-Control": "public, max-age=300"},
        )


def build_app() -> APIGatewayHttpResolver:
    """A new resolver (tests running requests in parallel give each thread its own, as
    Lambda gives each concurrent request its own execution environment)."""
    return http.resolver("auth", _routes)


@cache
def _openapi_document() -> str:
    from importlib import resources

    return resources.files("pellicule").joinpath("openapi.json").read_text(encoding="utf-8")


@cache
def _app() -> APIGatewayHttpResolver:
    return build_app()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
