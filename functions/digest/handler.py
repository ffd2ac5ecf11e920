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

from pellicule.api import http
from pellicule.api.operations import operation

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

    from pellicule.api.schema import InvalidRequest
    from pellicule.services.sessions import Principal
    from pellicule.store.ratelimit import TooManyRequests

BASE = "/api/digest"
UNSUBSCRIBE = f"{BASE}/unsubscribe"


def _routes(app: APIGatewayHttpResolver) -> None:
    from functions.digest import contract as c
    from functions.digest import logic
    from pellicule.api.schema import InvalidRequest
    from pellicule.store import ratelimit

    def event() -> dict[str, Any]:
        raw: dict[str, Any] = app.current_event.raw_event
        return raw

    def csrf_first(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
        # Every POST needs the anti-CSRF header, checked before the body is parsed, anything
        # is counted or changed (typed routes parse their body before the route runs).
        if app.current_event.http_method.upper() not in http.SAFE_METHODS:
            http.require_csrf(event())
        return next_middleware(app)

    app.use(middlewares=[csrf_first])

    @app.exception_handler(ratelimit.TooManyRequests)
    def _too_many(error: TooManyRequests) -> Response:
        response = http.error_response(error)
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.exception_handler(InvalidRequest)
    def _invalid(error: InvalidRequest) -> Response:
        # One answer for every unsubscribe token that does not work, whatever is wrong with it.
        if app.current_event.path == UNSUBSCRIBE and error.field == "token":
            return http.error_response(logic.InvalidUnsubscribeLink(logic.INVALID))
        return http.error_response(error)

    @operation(
        app,
        "POST",
        UNSUBSCRIBE,
        body=c.UnsubscribeRequest,
        answer=c.Unsubscribed,
        errors=(403, 429),
        public=True,
    )
    def unsubscribe(body: c.UnsubscribeRequest) -> Any:
        """Stop the daily digest with an e-mail's unsubscribe token (no session needed)

        The same answer whether the digest was already stopped or not; one error
        (``invalid_unsubscribe_link``, 400) for every token that does not work.
        """
        return logic.unsubscribe(body, ratelimit.client_address(event()))

    # Authentication before anything of the request is read (after the anti-CSRF header).
    def authenticated() -> Principal:
        return http.principal(event())

    @operation(
        app,
        "GET",
        f"{BASE}/subscription",
        auth=authenticated,
        answer=c.Subscription,
        errors=(401, 403),
    )
    def subscription(principal: Principal) -> Any:
        """Whether the signed-in guardian receives the daily digest"""
        return logic.subscription(principal)

    @operation(
        app,
        "POST",
        f"{BASE}/subscribe",
        auth=authenticated,
        answer=c.Subscription,
        errors=(401, 403),
    )
    def subscribe(principal: Principal) -> Any:
        """Receive the daily digest again (signed-in guardian)"""
        return logic.subscribe(principal)


def build_app() -> APIGatewayHttpResolver:
    return http.resolver("digest", _routes)


@cache
def _app() -> APIGatewayHttpResolver:
    return build_app()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "requestContext" in event:  # API Gateway (every HTTP event has it; schedules do not)
        return _app().resolve(event, context)
    from functions.digest import logic
    from pellicule.config.observability import logger

    named = event.get("tenants")  # an operator's re-run for some centres; schedules name none
    only = [str(t) for t in named] if isinstance(named, list) and named else None
    report = logic.run(only=only)
    summary = {k: v for k, v in asdict(report).items() if k != "by_tenant"}
    logger("digest").info("digest run finished", extra=summary)
    return asdict(report)
