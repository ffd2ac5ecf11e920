"""Upload API (staff only).

- ``POST /api/upload/grants``: one grant per file (presigned POST, or multipart for big videos)
- ``GET  /api/upload/multipart/<media_id>``: parts already received (to resume)
- ``POST /api/upload/multipart/<media_id>/parts``: presigned URLs for part numbers
- ``POST /api/upload/multipart/<media_id>/complete`` and ``.../abort``
- ``PUT  /api/upload/media/<media_id>/faces``: boxes to blur (re-renders the variants)
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from pellicule import http

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

    from pellicule.sessions import Principal


def _routes(app: APIGatewayHttpResolver) -> None:
    from functions.upload import logic

    def staff() -> Principal:
        return http.require_staff(http.principal(app.current_event.raw_event))

    def body() -> dict[str, Any]:
        return http.json_body(app.current_event.body)

    @app.post("/api/upload/grants")
    def grants() -> Response:
        principal = staff()
        return http.json_response(201, {"grants": logic.request_grants(principal, body())})

    @app.get("/api/upload/multipart/<media_id>")
    def parts_received(media_id: str) -> Response:
        return http.json_response(200, logic.uploaded_parts(staff(), media_id))

    @app.post("/api/upload/multipart/<media_id>/parts")
    def sign_parts(media_id: str) -> Response:
        principal = staff()
        return http.json_response(200, logic.sign_parts(principal, media_id, body()))

    @app.post("/api/upload/multipart/<media_id>/complete")
    def complete(media_id: str) -> Response:
        return http.json_response(200, logic.complete(staff(), media_id))

    @app.put("/api/upload/media/<media_id>/faces")
    def face_boxes(media_id: str) -> Response:
        principal = staff()
        return http.json_response(200, logic.set_face_boxes(principal, media_id, body()))

    @app.post("/api/upload/multipart/<media_id>/abort")
    def abort(media_id: str) -> Response:
        return http.json_response(200, logic.abort(staff(), media_id))


@cache
def _app() -> APIGatewayHttpResolver:
    return http.resolver("upload", _routes)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
