"""Sign-in API (``/api/auth/...``): routes only; the use cases live in ``logic``.

- ``POST link``: ``{"email"}`` -> 202, the same answer whether the address is known or not
- ``POST session``: ``{"token"}`` or ``{"email", "code"}`` -> a new session cookie
- ``POST logout``: ends this session; ``POST logout-everywhere``: every session of the person
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

from pellicule import http

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

    from pellicule.ratelimit import TooManyRequests

BASE = "/api/auth"


def _routes(app: APIGatewayHttpResolver) -> None:
    from functions.auth import logic
    from pellicule import ratelimit

    def event() -> dict[str, Any]:
        raw: dict[str, Any] = app.current_event.raw_event
        return raw

    def checked_body() -> dict[str, Any]:
        http.require_csrf(event())  # before anything is read, counted or consumed
        return http.json_body(app.current_event.body)

    @app.exception_handler(ratelimit.TooManyRequests)
    def _too_many(error: TooManyRequests) -> Response:
        response = http.error_response(error)
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.post(f"{BASE}/link")
    def link() -> Response:
        """Ask for a sign-in e-mail (202, the same answer for any address)."""
        body = checked_body()
        return http.json_response(202, logic.request_link(body, ratelimit.client_address(event())))

    @app.post(f"{BASE}/session")
    def session() -> Response:
        """Exchange a link's token, or an address and its code, for a new session."""
        body = checked_body()
        signed_in = logic.exchange(
            body, ratelimit.client_address(event()), http.session_id(event())
        )
        return http.json_response(
            200,
            signed_in.view,
            cookies=[http.session_cookie(signed_in.session_id, signed_in.kind)],
        )

    @app.post(f"{BASE}/logout")
    def logout() -> Response:
        """Sign out of this browser (ends its session, clears the cookie)."""
        http.require_csrf(event())
        return http.json_response(
            200, logic.logout(http.session_id(event())), cookies=[http.cleared_session_cookie()]
        )

    @app.post(f"{BASE}/logout-everywhere")
    def logout_everywhere() -> Response:
        """Sign out everywhere (ends every session of the signed-in person)."""
        principal = http.principal(event())  # a live session and the anti-CSRF header
        return http.json_response(
            200, logic.logout_everywhere(principal), cookies=[http.cleared_session_cookie()]
        )

    @app.post(f"{BASE}/totp/enrol")
    def totp_enrol() -> Response:
        """Begin enrolling an authenticator app (staff, no confirmed factor yet): the secret,
        its otpauth URI and QR code (an SVG data URI)."""
        from functions.auth import second_factor

        return http.json_response(200, second_factor.enrol(http.pending_principal(event())))

    @app.post(f"{BASE}/totp/confirm")
    def totp_confirm() -> Response:
        """Confirm the enrolment with a first code: the recovery codes, shown once."""
        from functions.auth import second_factor

        principal = http.pending_principal(event())
        body = http.json_body(app.current_event.body)
        return http.json_response(200, second_factor.confirm(principal, body))

    @app.post(f"{BASE}/totp/verify")
    def totp_verify() -> Response:
        """Pass the second factor with a code from the app or a recovery code."""
        from functions.auth import second_factor

        principal = http.pending_principal(event())
        body = http.json_body(app.current_event.body)
        return http.json_response(200, second_factor.verify(principal, body))

    @app.get(f"{BASE}/totp")
    def totp_status() -> Response:
        """The signed-in staff member's second factor: enrolled, recovery codes left, and
        whether this session may replace the app without a code from it."""
        from functions.auth import second_factor

        return http.json_response(200, second_factor.status(http.principal(event())))

    @app.post(f"{BASE}/totp/renew")
    def totp_renew() -> Response:
        """Begin replacing the authenticator app (a new secret, its URI and QR code): after a
        sign-in with a recovery code, or with a current code of the old app."""
        from functions.auth import second_factor

        principal = http.principal(event())
        body = http.json_body(app.current_event.body)
        return http.json_response(200, second_factor.begin_renewal(principal, body))

    @app.post(f"{BASE}/totp/renew/confirm")
    def totp_renew_confirm() -> Response:
        """Confirm the new app with its first code: it replaces the old one; new recovery
        codes, shown once."""
        from functions.auth import second_factor

        principal = http.principal(event())
        body = http.json_body(app.current_event.body)
        return http.json_response(200, second_factor.confirm_renewal(principal, body))

    @app.post(f"{BASE}/totp/recovery-codes")
    def totp_recovery_codes() -> Response:
        """New recovery codes against a current code of the app; the old ones stop working."""
        from functions.auth import second_factor

        principal = http.principal(event())
        body = http.json_body(app.current_event.body)
        return http.json_response(200, second_factor.renew_recovery_codes(principal, body))

    @app.get(f"{BASE}/status")
    def status() -> Response:
        """Whether this browser is signed in, and where its home is (200 either way)."""
        return http.json_response(200, logic.status(event()))

    @app.get(f"{BASE}/me")
    def me() -> Response:
        """Who is signed in: kind, role and centre."""
        return http.json_response(200, logic.me(http.principal(event())))

    @app.get("/api/openapi.json")
    def openapi() -> Response:
        """The API description (OpenAPI 3.1), generated from the routes."""
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
