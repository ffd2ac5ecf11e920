"""Guardian API (``/api/family/...``): routes only; the use cases live in ``logic``.

- ``GET  me``: the guardian's children and their consents
- ``GET  consent-text``: the text a guardian accepts (version and hash)
- ``GET  children/<id>/consent``: current consent and its history
- ``POST children/<id>/consent``: give, widen or narrow (electronic acceptance)
- ``POST children/<id>/consent/withdraw``: withdraw, in one action
- ``GET  albums``, ``GET albums/<id>?cursor=&limit=&filter=all|mine``: what the publication gate
  allows now (with the "new" marks of the visit and the items showing the family's children),
  one page at a time
- ``GET  media/<id>/download``: a short-lived link to the full-size file
- ``GET/POST relatives``, ``POST relatives/<id>/revoke``: a guardian's invited relatives;
  ``GET invitation``: a relative's own view (issue 17, docs/relatives.md)
- ``GET  downloads?cursor=&limit=``: what this family member downloaded, newest first
- ``POST albums/<id>/archive``: a zip of the album (or of a selection), built in the background
- ``GET  archives/<id>``: that zip's progress and, once built, a short-lived link to it
- ``POST souvenir`` ``{"token"}``: a child's souvenir pack by its e-mail's token (no session;
  the anti-CSRF header), once built a short-lived link to it
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from pellicule.api import http
from pellicule.api.operations import operation

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    from pellicule.services.sessions import Principal

BASE = "/api/family"
SOUVENIR_WINDOW_SECONDS = 3600


def _souvenir_limit() -> Any:
    from pellicule.store import ratelimit

    return ratelimit.Limit("souvenir-ip", 30, SOUVENIR_WINDOW_SECONDS)


def _routes(app: APIGatewayHttpResolver) -> None:
    from functions.family import contract as c
    from functions.family import logic

    def who() -> Principal:
        return http.principal(app.current_event.raw_event)

    @operation(app, "GET", f"{BASE}/me", auth=who, answer=c.Me)
    def me(principal: Principal) -> Any:
        """The guardian's children and their consents"""
        return logic.me(principal)

    @operation(app, "GET", f"{BASE}/consent-text", auth=who, answer=c.ConsentText)
    def text(principal: Principal) -> Any:
        """The consent text a guardian accepts (its version and hash)"""
        return logic.consent_text_view()

    @operation(app, "GET", f"{BASE}/children/<child_id>/consent", auth=who, answer=c.ConsentView)
    def consent_read(principal: Principal, child_id: str) -> Any:
        """A child's consent in force, its history and the text to accept"""
        return logic.consent_of(principal, child_id)

    @operation(
        app,
        "POST",
        f"{BASE}/children/<child_id>/consent",
        auth=who,
        body=c.ConsentRequest,
        answer=c.ConsentOutcome,
        errors=(401, 403, 404, 409),
    )
    def consent_change(principal: Principal, child_id: str, body: c.ConsentRequest) -> Any:
        """Give, widen or narrow a child's consent (electronic acceptance)

        A widening may wait for the other guardian (the centre's setting); a narrowing applies
        at once. 409: the consent text changed, or another change won the race.
        """
        return logic.give_or_change(principal, child_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/children/<child_id>/consent/withdraw",
        auth=who,
        answer=c.ConsentOutcome,
        errors=(401, 403, 404, 409),
    )
    def consent_withdraw(principal: Principal, child_id: str) -> Any:
        """Withdraw a child's consent, in one action"""
        return logic.withdraw(principal, child_id)

    @operation(
        app, "GET", f"{BASE}/children/<child_id>/erasure-request", auth=who, answer=c.ErasureView
    )
    def erasure_read(principal: Principal, child_id: str) -> Any:
        """The erasure request made for a child, if any"""
        return logic.erasure_of(principal, child_id)

    @operation(
        app,
        "POST",
        f"{BASE}/children/<child_id>/erasure-request",
        auth=who,
        body=c.ErasureRequestBody,
        answer=c.ErasureCreated,
    )
    def erasure_request(principal: Principal, child_id: str, body: c.ErasureRequestBody) -> Any:
        """Ask for the erasure of a child's images and data (done within 24 hours)"""
        return logic.request_erasure(principal, child_id, body)

    @operation(app, "GET", f"{BASE}/albums", auth=who, answer=c.Albums)
    def albums(principal: Principal) -> Any:
        """The albums holding something this family may see now"""
        return logic.albums(principal)

    @operation(
        app,
        "GET",
        f"{BASE}/albums/<album_id>",
        auth=who,
        query=c.AlbumPageQuery,
        answer=c.AlbumPage,
    )
    def album(principal: Principal, album_id: str, query: c.AlbumPageQuery) -> Any:
        """One page of an album: what the publication gate allows this family now"""
        return logic.album(principal, album_id, query)

    @operation(app, "GET", f"{BASE}/media/<media_id>/download", auth=who, answer=c.Download)
    def download(principal: Principal, media_id: str) -> Any:
        """A short-lived link to an item's full-size file, if the centre allows downloads"""
        return logic.download(principal, media_id)

    _relative_routes(app, who)
    _downloads_routes(app, who)


def _relative_routes(app: APIGatewayHttpResolver, who: Any) -> None:
    """Relatives (issue 17, docs/relatives.md): a guardian's; a relative gets 403
    ``relative_read_only`` on these, and reads ``invitation``."""
    from functions.family import contract as c
    from functions.family import logic

    @operation(app, "GET", f"{BASE}/relatives", auth=who, answer=c.Relatives)
    def relatives(principal: Principal) -> Any:
        """The relatives this guardian invited (a relative: 403)"""
        return logic.relatives_list(principal)

    @operation(
        app,
        "POST",
        f"{BASE}/relatives",
        auth=who,
        body=c.RelativeInvite,
        answer=c.RelativeInvited,
        status=201,
        errors=(401, 403, 409),
    )
    def relative_invite(principal: Principal, body: c.RelativeInvite) -> Any:
        """Invite a relative by e-mail (at most a few); 409: already invited or the limit"""
        return logic.relative_invite(principal, body)

    @operation(
        app,
        "POST",
        f"{BASE}/relatives/<relative_id>/revoke",
        auth=who,
        answer=c.RelativeRevoked,
        errors=(401, 403, 404),
    )
    def relative_revoke(principal: Principal, relative_id: str) -> Any:
        """Revoke a relative: their sessions end at once"""
        return logic.relative_revoke(principal, relative_id)

    @operation(app, "GET", f"{BASE}/invitation", auth=who, answer=c.Invitation)
    def invitation(principal: Principal) -> Any:
        """A relative's own view: who invited them, whether they may download"""
        return logic.invitation(principal)


def _downloads_routes(app: APIGatewayHttpResolver, who: Callable[[], Principal]) -> None:
    """ "Mes téléchargements": what this family member downloaded."""
    from functions.family import contract as c
    from functions.family import logic

    @operation(
        app, "GET", f"{BASE}/downloads", auth=who, query=c.DownloadsQuery, answer=c.Downloads
    )
    def downloads(principal: Principal, query: c.DownloadsQuery) -> Any:
        """What this family member downloaded, newest first (thumbnails only of the items
        the publication gate still lets them see)"""
        return logic.downloads(principal, query)


def _archive_routes(app: APIGatewayHttpResolver) -> None:
    """Album archives (zip downloads): docs/delivery.md, "Album archives"."""
    from functions.family import contract as c
    from functions.family import logic

    def who() -> Principal:
        return http.principal(app.current_event.raw_event)

    @operation(
        app,
        "POST",
        f"{BASE}/albums/<album_id>/archive",
        auth=who,
        body=c.ArchiveRequest,
        answer=c.ArchiveStatus,
        errors=(401, 403, 404, 413, 429),
    )
    def archive_create(principal: Principal, album_id: str, body: c.ArchiveRequest) -> Any:
        """Ask for a zip of what this family may download in an album (or of a selection)

        The items the publication gate allows now are recorded; the archive is built in the
        background (each item checked again just before it is written). Poll
        ``GET archives/<id>``. 403: the centre does not allow downloads.
        """
        return logic.create_archive(principal, album_id, body)

    @operation(app, "GET", f"{BASE}/archives/<archive_id>", auth=who, answer=c.ArchiveStatus)
    def archive_status(principal: Principal, archive_id: str) -> Any:
        """An album archive's progress and, once built, a short-lived link to it"""
        return logic.archive_status(principal, archive_id)


SOUVENIR = f"{BASE}/souvenir"


def _souvenir_routes(app: APIGatewayHttpResolver) -> None:
    """A child's souvenir pack, by its e-mail's token: no session (the child's family may
    have no access left). Only the page's button POSTs the token: opening the link (a mail
    scanner, a previewer) changes nothing and reaches no route."""
    from functions.family import contract as c
    from pellicule.api.schema import InvalidRequest
    from pellicule.services import child_souvenir
    from pellicule.store import ratelimit

    if TYPE_CHECKING:
        from aws_lambda_powertools.event_handler import Response
        from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

    def csrf_first(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
        # Before the body is parsed or anything is counted (typed routes parse first).
        if app.current_event.path == SOUVENIR:
            http.require_csrf(app.current_event.raw_event)
        return next_middleware(app)

    app.use(middlewares=[csrf_first])

    @app.exception_handler(InvalidRequest)
    def _invalid(error: InvalidRequest) -> Response:
        # One answer for every token that does not work, whatever is wrong with it.
        if app.current_event.path == SOUVENIR and error.field == "token":
            return http.error_response(child_souvenir.InvalidSouvenirLink(child_souvenir.INVALID))
        return http.error_response(error)

    @operation(
        app,
        "POST",
        SOUVENIR,
        body=c.SouvenirRequest,
        answer=c.SouvenirPack,
        errors=(403, 429),
        public=True,
    )
    def souvenir(body: c.SouvenirRequest) -> Any:
        """A child's souvenir pack, with its e-mail's token (no session needed)

        Its progress and, once built, a short-lived link to that one zip. One error
        (``invalid_souvenir_link``, 400) for every token that does not work.
        """
        raw: dict[str, Any] = app.current_event.raw_event
        ratelimit.enforce((_souvenir_limit(), ratelimit.client_address(raw)))
        return child_souvenir.redeem(body.token)


def _every_route(app: APIGatewayHttpResolver) -> None:
    _routes(app)
    _archive_routes(app)
    _souvenir_routes(app)


@cache
def _app() -> APIGatewayHttpResolver:
    return http.resolver("family", _every_route)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
