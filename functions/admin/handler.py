"""Staff API (``/api/admin/...``): routes only; the use cases live in ``logic``.

People: ``me``, ``settings``, ``staff``, ``sites``, ``groups``, ``children``, ``guardians``
(create, edit, archive). Consents: ``children/<id>/consent`` (read with history, record a
paper form with its scan, record a withdrawal, the scan's link). Albums. Items: ``tags``,
``review`` (approve / reject), ``publish``, ``unpublish``; the ``queue``. ``audit`` export
and verification (directors).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from pellicule import http

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

    from pellicule.sessions import Principal

BASE = "/api/admin"


def _routes(app: APIGatewayHttpResolver) -> None:
    from functions.admin import logic

    def who() -> Principal:
        return http.require_staff(http.principal(app.current_event.raw_event))

    def body() -> dict[str, Any]:
        return http.json_body(app.current_event.body)

    def ok(payload: Any, status: int = 200) -> Response:
        return http.json_response(status, payload)

    @app.get(f"{BASE}/me")
    def me() -> Response:
        return ok(logic.me(who()))

    @app.put(f"{BASE}/settings")
    def settings() -> Response:
        principal = who()
        return ok(logic.update_settings(principal, body()))

    # Staff
    @app.get(f"{BASE}/staff")
    def staff_list() -> Response:
        return ok(logic.list_staff(who()))

    @app.post(f"{BASE}/staff")
    def staff_create() -> Response:
        principal = who()
        return ok(logic.create_staff(principal, body()), 201)

    @app.patch(f"{BASE}/staff/<staff_id>")
    def staff_update(staff_id: str) -> Response:
        principal = who()
        return ok(logic.update_staff(principal, staff_id, body()))

    @app.post(f"{BASE}/staff/<staff_id>/archive")
    def staff_archive(staff_id: str) -> Response:
        return ok(logic.archive_staff(who(), staff_id))

    @app.post(f"{BASE}/staff/<staff_id>/second-factor/reset")
    def staff_second_factor_reset(staff_id: str) -> Response:
        """Reset a staff member's second factor (lost phone and codes): directors only,
        never their own; the person is signed out everywhere and enrols again."""
        return ok(logic.reset_second_factor(who(), staff_id))

    # Sites and groups
    @app.get(f"{BASE}/sites")
    def sites() -> Response:
        return ok(logic.list_sites(who()))

    @app.post(f"{BASE}/sites")
    def site_create() -> Response:
        principal = who()
        return ok(logic.create_site(principal, body()), 201)

    @app.get(f"{BASE}/groups")
    def groups() -> Response:
        return ok(logic.list_groups(who()))

    @app.post(f"{BASE}/groups")
    def group_create() -> Response:
        principal = who()
        return ok(logic.create_group(principal, body()), 201)

    @app.patch(f"{BASE}/groups/<group_id>")
    def group_update(group_id: str) -> Response:
        principal = who()
        return ok(logic.update_group(principal, group_id, body()))

    @app.post(f"{BASE}/groups/<group_id>/archive")
    def group_archive(group_id: str) -> Response:
        return ok(logic.archive_group(who(), group_id))

    # Children and their consents
    @app.get(f"{BASE}/children")
    def children() -> Response:
        return ok(logic.list_children(who()))

    @app.post(f"{BASE}/children")
    def child_create() -> Response:
        principal = who()
        return ok(logic.create_child(principal, body()), 201)

    @app.patch(f"{BASE}/children/<child_id>")
    def child_update(child_id: str) -> Response:
        principal = who()
        return ok(logic.update_child(principal, child_id, body()))

    @app.post(f"{BASE}/children/<child_id>/archive")
    def child_archive(child_id: str) -> Response:
        return ok(logic.archive_child(who(), child_id))

    @app.get(f"{BASE}/children/<child_id>/consent")
    def consent_read(child_id: str) -> Response:
        return ok(logic.child_consent(who(), child_id))

    @app.post(f"{BASE}/children/<child_id>/consent/scan")
    def consent_scan(child_id: str) -> Response:
        principal = who()
        return ok(logic.scan_grant(principal, child_id, body()), 201)

    @app.post(f"{BASE}/children/<child_id>/consent")
    def consent_record(child_id: str) -> Response:
        principal = who()
        return ok(logic.record_paper_consent(principal, child_id, body()))

    @app.post(f"{BASE}/children/<child_id>/consent/withdraw")
    def consent_withdraw(child_id: str) -> Response:
        principal = who()
        raw = app.current_event.body
        return ok(logic.record_withdrawal(principal, child_id, http.json_body(raw) if raw else {}))

    @app.get(f"{BASE}/erasure-requests")
    def erasure_requests() -> Response:
        return ok(logic.erasure_requests(who()))

    @app.post(f"{BASE}/children/<child_id>/erasure-request")
    def erasure_request(child_id: str) -> Response:
        principal = who()
        return ok(logic.request_erasure(principal, child_id, body()))

    @app.patch(f"{BASE}/children/<child_id>/erasure-request")
    def erasure_mode(child_id: str) -> Response:
        principal = who()
        return ok(logic.choose_erasure_mode(principal, child_id, body()))

    @app.get(f"{BASE}/children/<child_id>/consent/evidence")
    def consent_evidence(child_id: str) -> Response:
        return ok(logic.evidence_url(who(), child_id))

    # Guardians
    @app.get(f"{BASE}/guardians")
    def guardians() -> Response:
        return ok(logic.list_guardians(who()))

    @app.post(f"{BASE}/guardians")
    def guardian_create() -> Response:
        principal = who()
        return ok(logic.create_guardian(principal, body()), 201)

    @app.patch(f"{BASE}/guardians/<guardian_id>")
    def guardian_update(guardian_id: str) -> Response:
        principal = who()
        return ok(logic.update_guardian(principal, guardian_id, body()))

    @app.post(f"{BASE}/guardians/<guardian_id>/archive")
    def guardian_archive(guardian_id: str) -> Response:
        return ok(logic.archive_guardian(who(), guardian_id))

    # Albums
    @app.get(f"{BASE}/albums")
    def albums() -> Response:
        return ok(logic.list_albums(who()))

    @app.post(f"{BASE}/albums")
    def album_create() -> Response:
        principal = who()
        return ok(logic.create_album(principal, body()), 201)

    @app.patch(f"{BASE}/albums/<album_id>")
    def album_update(album_id: str) -> Response:
        principal = who()
        return ok(logic.update_album(principal, album_id, body()))

    # Items: tagging, validation, publication
    @app.get(f"{BASE}/queue")
    def queue() -> Response:
        return ok(logic.validation_queue(who()))

    @app.put(f"{BASE}/media/<media_id>/tags")
    def tags(media_id: str) -> Response:
        principal = who()
        return ok(logic.set_tags(principal, media_id, body()))

    @app.post(f"{BASE}/media/<media_id>/review")
    def review(media_id: str) -> Response:
        principal = who()
        return ok(logic.review(principal, media_id, body()))

    @app.post(f"{BASE}/media/<media_id>/publish")
    def publish(media_id: str) -> Response:
        principal = who()
        raw = app.current_event.body
        return ok(logic.publish(principal, media_id, http.json_body(raw) if raw else {}))

    @app.post(f"{BASE}/media/<media_id>/unpublish")
    def unpublish(media_id: str) -> Response:
        principal = who()
        raw = app.current_event.body
        return ok(logic.unpublish(principal, media_id, http.json_body(raw) if raw else {}))

    # Audit (directors)
    @app.get(f"{BASE}/audit")
    def audit_export() -> Response:
        from aws_lambda_powertools.event_handler import Response as Raw

        principal = who()
        fmt = (app.current_event.query_string_parameters or {}).get("format", "json")
        content, content_type = logic.audit_export(principal, fmt)
        return Raw(
            status_code=200,
            content_type=content_type,
            body=content,
            headers={
                "Cache-Control": "no-store",
                "Content-Disposition": f'attachment; filename="audit.{fmt}"',
            },
        )

    @app.get(f"{BASE}/audit/verify")
    def audit_verify() -> Response:
        return ok(logic.audit_verify(who()))


@cache
def _app() -> APIGatewayHttpResolver:
    return http.resolver("admin", _routes)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
