"""Digest function: the daily schedule (EventBridge) and ``/api/digest/...``.

- scheduled event: one digest run over every centre (``logic.run``)
- ``POST unsubscribe`` ``{"token"}``: stop the digest with the token of an e-mail's
  unsubscribe link (no session; the anti-CSRF header)
- ``GET  subscription``, ``POST subscribe``: a signed-in guardian reads or turns the digest
  back on

Opening the unsubscribe page (GET, a mail scanner, a previewer running its script) never
reaches a route that changes anything: only the page's button POSTs the token.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from typing import TYPE_CHECKING, Any

from pellicule import http

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

    from pellicule.ratelimit import TooManyRequests

BASE = "/api/digest"


def _routes(app: APIGatewayHttpResolver) -> None:
    from functions.digest import logic
    from pellicule import ratelimit

    def event() -> dict[str, Any]:
        raw: dict[str, Any] = app.current_event.raw_event
        return raw

    @app.exception_handler(ratelimit.TooManyRequests)
    def _too_many(error: TooManyRequests) -> Response:
        response = http.error_response(error)
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.post(f"{BASE}/unsubscribe")
    def unsubscribe() -> Response:
        """Stop the daily digest with an e-mail's unsubscribe token (no session needed)."""
        http.require_csrf(event())  # before anything is read, counted or changed
        body = http.json_body(app.current_event.body)
        return http.json_response(200, logic.unsubscribe(body, ratelimit.client_address(event())))

    @app.get(f"{BASE}/subscription")
    def subscription() -> Response:
        """Whether the signed-in guardian receives the daily digest."""
        return http.json_response(200, logic.subscription(http.principal(event())))

    @app.post(f"{BASE}/subscribe")
    def subscribe() -> Response:
        """Receive the daily digest again (signed-in guardian)."""
        return http.json_response(200, logic.subscribe(http.principal(event())))


def build_app() -> APIGatewayHttpResolver:
    return http.resolver("digest", _routes)


@cache
def _app() -> APIGatewayHttpResolver:
    return build_app()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "requestContext" in event:  # API Gateway (every HTTP event has it; schedules do not)
        return _app().resolve(event, context)
    from functions.digest import logic
    from pellicule.observability import logger

    report = logic.run()
    summary = {k: v for k, v in asdict(report).items() if k != "by_tenant"}
    logger("digest").info("digest run finished", extra=summary)
    return asdict(report)
