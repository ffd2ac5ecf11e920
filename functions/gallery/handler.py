"""Gallery API (staff only): ``GET /api/gallery/media/<id>``, ``GET /api/gallery/albums/<id>``."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from pellicule.api import http
from pellicule.api.operations import operation

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    from pellicule.services.sessions import Principal

BASE = "/api/gallery"


def _routes(app: APIGatewayHttpResolver) -> None:
    from functions.gallery import contract as c
    from functions.gallery import logic

    def staff() -> Principal:
        return http.require_staff(http.principal(app.current_event.raw_event))

    @operation(app, "GET", f"{BASE}/media/<media_id>", auth=staff, answer=c.StaffItem)
    def media(principal: Principal, media_id: str) -> Any:
        """One item of the centre: state, tags, face boxes and signed rendition URLs"""
        return logic.media_item(principal, media_id)

    @operation(app, "GET", f"{BASE}/albums/<album_id>", auth=staff, answer=c.AlbumItems)
    def album(principal: Principal, album_id: str) -> Any:
        """An album of the centre and its items (the first 100), as staff see them"""
        return logic.album_items(principal, album_id)


@cache
def _app() -> APIGatewayHttpResolver:
    return http.resolver("gallery", _routes)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
