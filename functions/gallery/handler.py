"""Gallery API: ``GET /api/gallery/media/<id>``, ``GET /api/gallery/albums/<id>``."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from pellicule import http

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response


def _routes(app: APIGatewayHttpResolver) -> None:
    from functions.gallery import logic

    @app.get("/api/gallery/media/<media_id>")
    def media(media_id: str) -> Response:
        principal = http.require_staff(http.principal(app.current_event.raw_event))
        return http.json_response(200, logic.media_item(principal, media_id))

    @app.get("/api/gallery/albums/<album_id>")
    def album(album_id: str) -> Response:
        principal = http.require_staff(http.principal(app.current_event.raw_event))
        return http.json_response(200, logic.album_items(principal, album_id))


@cache
def _app() -> APIGatewayHttpResolver:
    return http.resolver("gallery", _routes)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
