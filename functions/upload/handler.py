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

from pellicule.api import http
from pellicule.api.operations import operation

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    from pellicule.services.sessions import Principal

BASE = "/api/upload"
# What a multipart upload route can answer besides the session's errors: 400 (not a
# multipart upload, or the wrong size received) and 409 (already finished, parts missing).
MULTIPART_ERRORS = (400, 401, 403, 404, 409)


def _routes(app: APIGatewayHttpResolver) -> None:
    from functions.upload import contract as c
    from functions.upload import logic

    def staff() -> Principal:
        return http.require_staff(http.principal(app.current_event.raw_event))

    @operation(
        app,
        "POST",
        f"{BASE}/grants",
        auth=staff,
        body=c.GrantsRequest,
        answer=c.Grants,
        status=201,
        errors=(401, 403, 404, 413),
    )
    def grants(principal: Principal, body: c.GrantsRequest) -> Any:
        """One upload grant per file: an exact ingest key, type and size

        Photos and small videos get a presigned POST (15 minutes at most); large videos a
        multipart upload. 413: a file is larger than the centre allows.
        """
        return {"grants": logic.request_grants(principal, body)}

    @operation(
        app,
        "GET",
        f"{BASE}/multipart/<media_id>",
        auth=staff,
        answer=c.PartsReceived,
        errors=MULTIPART_ERRORS,
    )
    def parts_received(principal: Principal, media_id: str) -> Any:
        """The parts of a multipart upload already received (a client resumes with the rest)"""
        return logic.uploaded_parts(principal, media_id)

    @operation(
        app,
        "POST",
        f"{BASE}/multipart/<media_id>/parts",
        auth=staff,
        body=c.PartsRequest,
        answer=c.PartUrls,
        errors=MULTIPART_ERRORS,
    )
    def sign_parts(principal: Principal, media_id: str, body: c.PartsRequest) -> Any:
        """Presigned PUT URLs for some parts of this multipart upload"""
        return logic.sign_parts(principal, media_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/multipart/<media_id>/complete",
        auth=staff,
        answer=c.UploadState,
        errors=MULTIPART_ERRORS,
    )
    def complete(principal: Principal, media_id: str) -> Any:
        """Assemble the parts received; an upload of the wrong size is discarded (400)"""
        return logic.complete(principal, media_id)

    @operation(
        app,
        "PUT",
        f"{BASE}/media/<media_id>/faces",
        auth=staff,
        body=c.FacesRequest,
        answer=c.FacesSaved,
        errors=(401, 403, 404, 409),
    )
    def face_boxes(principal: Principal, media_id: str, body: c.FacesRequest) -> Any:
        """The face boxes to blur on a processed photo, and the tagged children they hide

        The blurred variants are rendered again. 409: not a processed photo, or changed
        meanwhile.
        """
        return logic.set_face_boxes(principal, media_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/multipart/<media_id>/abort",
        auth=staff,
        answer=c.UploadState,
        errors=MULTIPART_ERRORS,
    )
    def abort(principal: Principal, media_id: str) -> Any:
        """Give up a multipart upload (the parts received are discarded)"""
        return logic.abort(principal, media_id)


@cache
def _app() -> APIGatewayHttpResolver:
    return http.resolver("upload", _routes)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
