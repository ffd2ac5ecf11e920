"""Upload API: ``POST /api/upload/grants`` (staff only)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from pellicule import http

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver


def _routes(app: APIGatewayHttpResolver) -> None:
    from aws_lambda_powertools.event_handler import Response

    from functions.upload import logic

    @app.post("/api/upload/grants")
    def grants() -> Response:
        principal = http.require_staff(http.principal(app.current_event.raw_event))
        album_id, files = logic.parse_files(http.json_body(app.current_event.body))
        issued = logic.request_grants(principal, album_id, files)
        return http.json_response(201, {"grants": [grant.as_dict() for grant in issued]})


@cache
def _app() -> APIGatewayHttpResolver:
    return http.resolver("upload", _routes)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
