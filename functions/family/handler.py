"""Guardian API (``/api/family/...``): routes only; the use cases live in ``logic``.

- ``GET  me``: the guardian's children and their consents
- ``GET  consent-text``: the text a guardian accepts (version and hash)
- ``GET  children/<id>/consent``: current consent and its history
- ``POST children/<id>/consent``: give, widen or narrow (electronic acceptance)
- ``POST children/<id>/consent/withdraw``: withdraw, in one action
- ``GET  albums``, ``GET albums/<id>?cursor=&limit=``: what the publication gate allows now,
  one page at a time
- ``GET  media/<id>/download``: a short-lived link to the full-size file
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

from pellicule import http

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

    from pellicule.sessions import Principal

BASE = "/api/family"
_LIMIT = re.compile(r"[0-9]{1,4}")


def _routes(app: APIGatewayHttpResolver) -> None:
    from functions.family import logic

    def who() -> Principal:
        return http.principal(app.current_event.raw_event)

    def ok(payload: Any) -> Response:
        return http.json_response(200, payload)

    @app.get(f"{BASE}/me")
    def me() -> Response:
        return ok(logic.me(who()))

    @app.get(f"{BASE}/consent-text")
    def text() -> Response:
        who()
        return ok(logic.consent_text_view())

    @app.get(f"{BASE}/children/<child_id>/consent")
    def consent_read(child_id: str) -> Response:
        return ok(logic.consent_of(who(), child_id))

    @app.post(f"{BASE}/children/<child_id>/consent")
    def consent_change(child_id: str) -> Response:
        principal = who()
        return ok(logic.give_or_change(principal, child_id, http.json_body(app.current_event.body)))

    @app.post(f"{BASE}/children/<child_id>/consent/withdraw")
    def consent_withdraw(child_id: str) -> Response:
        return ok(logic.withdraw(who(), child_id))

    @app.get(f"{BASE}/children/<child_id>/erasure-request")
    def erasure_read(child_id: str) -> Response:
        return ok(logic.erasure_of(who(), child_id))

    @app.post(f"{BASE}/children/<child_id>/erasure-request")
    def erasure_request(child_id: str) -> Response:
        principal = who()
        return ok(
            logic.request_erasure(principal, child_id, http.json_body(app.current_event.body))
        )

    @app.get(f"{BASE}/albums")
    def albums() -> Response:
        return ok(logic.albums(who()))

    @app.get(f"{BASE}/albums/<album_id>")
    def album(album_id: str) -> Response:
        principal = who()
        query = app.current_event.query_string_parameters or {}
        limit = query.get("limit", str(logic.PAGE))
        # ASCII digits only: str.isdigit() also accepts "²" or "①", which int() refuses.
        if not _LIMIT.fullmatch(limit):
            from pellicule.errors import BadRequest

            raise BadRequest(
                f"limit : un nombre entre 1 et {logic.PAGE}. / "
                f"limit: a number from 1 to {logic.PAGE}."
            )
        return ok(logic.album(principal, album_id, cursor=query.get("cursor"), limit=int(limit)))

    @app.get(f"{BASE}/media/<media_id>/download")
    def download(media_id: str) -> Response:
        return ok(logic.download(who(), media_id))


@cache
def _app() -> APIGatewayHttpResolver:
    return http.resolver("family", _routes)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
