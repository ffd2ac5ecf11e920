"""Staff API (``/api/admin/...``): routes only; the use cases live in ``logic``, the request
and answer types in ``contract``.

People: ``me``, ``settings``, ``staff``, ``sites``, ``groups``, ``children``, ``guardians``
(create, edit, archive). Consents: ``children/<id>/consent`` (read with history, record a
paper form with its scan, record a withdrawal, the scan's link). Albums. Items: ``tags``,
``review`` (approve / reject), ``publish``, ``unpublish``; the ``queue``. ``audit`` export
and verification (directors).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from pellicule.api import http
from pellicule.api.operations import operation

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

    from pellicule.services.sessions import Principal

BASE = "/api/admin"
# Routes whose body may be left out (it then means ``{}``): ``operation`` reads a body as
# soon as one is declared, so an empty one is made ``{}`` before it is parsed.
_OPTIONAL_BODY = ("/publish", "/consent/withdraw")


def _routes(app: APIGatewayHttpResolver) -> None:
    from functions.admin import contract as c
    from functions.admin import logic

    def who() -> Principal:
        return http.require_staff(http.principal(app.current_event.raw_event))

    def ok(payload: Any, status: int = 200) -> Response:
        return http.json_response(status, payload)

    @operation(app, "GET", f"{BASE}/me", answer=c.AdminMe)
    def me() -> Any:
        """The staff member, their role, whether they may publish, the centre's settings"""
        return logic.me(who())

    # Untyped: its checks name every problem at once with the labels the settings page marks.
    @app.put(f"{BASE}/settings")
    def settings() -> Response:
        """Change the centre's settings (directors)"""
        principal = who()
        return ok(logic.update_settings(principal, http.json_body(app.current_event.body)))

    # Staff
    @operation(app, "GET", f"{BASE}/staff", answer=c.AdminStaffList)
    def staff_list() -> Any:
        """The centre's team (directors)"""
        return logic.list_staff(who())

    @operation(
        app,
        "POST",
        f"{BASE}/staff",
        body=c.StaffCreate,
        answer=c.AdminStaffMember,
        status=201,
        errors=(401, 403, 409),
    )
    def staff_create(body: c.StaffCreate) -> Any:
        """Add a staff member (directors); 409: the address is already in the team"""
        return logic.create_staff(who(), body)

    @operation(
        app,
        "PATCH",
        f"{BASE}/staff/<staff_id>",
        body=c.StaffChange,
        answer=c.AdminStaffMember,
        errors=(401, 403, 404, 409),
    )
    def staff_update(staff_id: str, body: c.StaffChange) -> Any:
        """Change a staff member's role, trust or name (directors; never demote oneself)"""
        return logic.update_staff(who(), staff_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/staff/<staff_id>/archive",
        answer=c.AdminStaffMember,
        errors=(401, 403, 404, 409),
    )
    def staff_archive(staff_id: str) -> Any:
        """Archive a staff member (directors; never oneself)"""
        return logic.archive_staff(who(), staff_id)

    @operation(
        app,
        "POST",
        f"{BASE}/staff/<staff_id>/second-factor/reset",
        answer=c.AdminSecondFactorReset,
        errors=(401, 403, 404, 409),
    )
    def staff_second_factor_reset(staff_id: str) -> Any:
        """Reset a staff member's second factor (lost phone and codes)

        Directors only, never their own; the person is signed out everywhere and enrols again.
        """
        return logic.reset_second_factor(who(), staff_id)

    # Sites and groups
    @operation(app, "GET", f"{BASE}/sites", answer=c.AdminSites)
    def sites() -> Any:
        """The centre's sites"""
        return logic.list_sites(who())

    @operation(app, "POST", f"{BASE}/sites", body=c.SiteCreate, answer=c.AdminSiteView, status=201)
    def site_create(body: c.SiteCreate) -> Any:
        """Add a site (directors)"""
        return logic.create_site(who(), body)

    @operation(app, "GET", f"{BASE}/groups", answer=c.AdminGroups)
    def groups() -> Any:
        """The centre's groups"""
        return logic.list_groups(who())

    @operation(
        app,
        "POST",
        f"{BASE}/groups",
        body=c.GroupCreate,
        answer=c.AdminGroupView,
        status=201,
        errors=(401, 403, 404, 409),
    )
    def group_create(body: c.GroupCreate) -> Any:
        """Add a group, on a site or none (directors); 409: the site is archived"""
        return logic.create_group(who(), body)

    @operation(
        app,
        "PATCH",
        f"{BASE}/groups/<group_id>",
        body=c.GroupChange,
        answer=c.AdminGroupView,
        errors=(401, 403, 404, 409),
    )
    def group_update(group_id: str, body: c.GroupChange) -> Any:
        """Rename a group or move it to another site (directors)"""
        return logic.update_group(who(), group_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/groups/<group_id>/archive",
        answer=c.AdminGroupView,
        errors=(401, 403, 404, 409),
    )
    def group_archive(group_id: str) -> Any:
        """Archive a group (directors); 409: children are still in it"""
        return logic.archive_group(who(), group_id)

    # Children and their consents
    @operation(app, "GET", f"{BASE}/children", answer=c.AdminChildren)
    def children() -> Any:
        """The roster with each child's consent in force (guardians: directors only)"""
        return logic.list_children(who())

    @operation(
        app,
        "POST",
        f"{BASE}/children",
        body=c.ChildCreate,
        answer=c.AdminChildView,
        status=201,
        errors=(401, 403, 404, 409),
    )
    def child_create(body: c.ChildCreate) -> Any:
        """Add a child to a group (directors); 409: the group is archived"""
        return logic.create_child(who(), body)

    @operation(
        app,
        "PATCH",
        f"{BASE}/children/<child_id>",
        body=c.ChildChange,
        answer=c.AdminChildView,
        errors=(401, 403, 404, 409),
    )
    def child_update(child_id: str, body: c.ChildChange) -> Any:
        """Change a child's name, initial or group (directors)"""
        return logic.update_child(who(), child_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/children/<child_id>/archive",
        answer=c.AdminChildView,
        errors=(401, 403, 404, 409),
    )
    def child_archive(child_id: str) -> Any:
        """Archive a child (directors)"""
        return logic.archive_child(who(), child_id)

    @operation(app, "GET", f"{BASE}/children/<child_id>/consent", answer=c.AdminChildConsent)
    def consent_read(child_id: str) -> Any:
        """A child's consent in force and its history (directors)"""
        return logic.child_consent(who(), child_id)

    @operation(
        app,
        "POST",
        f"{BASE}/children/<child_id>/consent/scan",
        body=c.ScanRequest,
        answer=c.AdminScanGrant,
        status=201,
    )
    def consent_scan(child_id: str, body: c.ScanRequest) -> Any:
        """A presigned POST for the scan of a signed consent form (exact key, type and size)"""
        return logic.scan_grant(who(), child_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/children/<child_id>/consent",
        body=c.PaperConsent,
        answer=c.AdminConsentOutcome,
        errors=(401, 403, 404, 409),
    )
    def consent_record(child_id: str, body: c.PaperConsent) -> Any:
        """Record the consent of a signed paper form; its scan is the evidence (directors)"""
        return logic.record_paper_consent(who(), child_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/children/<child_id>/consent/withdraw",
        body=c.Withdrawal,
        answer=c.AdminConsentOutcome,
        errors=(401, 403, 404, 409),
    )
    def consent_withdraw(child_id: str, body: c.Withdrawal) -> Any:
        """Record a withdrawal made by letter, phone or in person (directors); no body: ``{}``"""
        return logic.record_withdrawal(who(), child_id, body)

    @operation(app, "GET", f"{BASE}/erasure-requests", answer=c.AdminErasureRequests)
    def erasure_requests() -> Any:
        """Open erasure requests of the centre, the most urgent first (directors)"""
        return logic.erasure_requests(who())

    @operation(
        app,
        "POST",
        f"{BASE}/children/<child_id>/erasure-request",
        body=c.ErasureRecord,
        answer=c.AdminErasureCreated,
    )
    def erasure_request(child_id: str, body: c.ErasureRecord) -> Any:
        """Record a guardian's erasure request, e.g. made on paper (directors)"""
        return logic.request_erasure(who(), child_id, body)

    @operation(
        app,
        "PATCH",
        f"{BASE}/children/<child_id>/erasure-request",
        body=c.ErasureChoice,
        answer=c.AdminErasureView,
        errors=(401, 403, 404, 409),
    )
    def erasure_mode(child_id: str, body: c.ErasureChoice) -> Any:
        """Choose what happens to the items showing the child: remove them, or blur the child

        404: no open request; 409: the request was carried out meanwhile.
        """
        return logic.choose_erasure_mode(who(), child_id, body)

    @operation(app, "GET", f"{BASE}/children/<child_id>/consent/evidence", answer=c.AdminEvidence)
    def consent_evidence(child_id: str) -> Any:
        """A short-lived link to the scan of the consent in force (directors)"""
        return logic.evidence_url(who(), child_id)

    # Guardians
    @operation(app, "GET", f"{BASE}/guardians", answer=c.AdminGuardians)
    def guardians() -> Any:
        """The centre's guardians (directors)"""
        return logic.list_guardians(who())

    @operation(
        app,
        "POST",
        f"{BASE}/guardians",
        body=c.GuardianCreate,
        answer=c.AdminGuardianView,
        status=201,
        errors=(401, 403, 404, 409),
    )
    def guardian_create(body: c.GuardianCreate) -> Any:
        """Add a guardian linked to their children (directors); 409: already a guardian"""
        return logic.create_guardian(who(), body)

    @operation(
        app,
        "PATCH",
        f"{BASE}/guardians/<guardian_id>",
        body=c.GuardianChange,
        answer=c.AdminGuardianView,
        errors=(401, 403, 404, 409),
    )
    def guardian_update(guardian_id: str, body: c.GuardianChange) -> Any:
        """Change a guardian's address or children (directors)"""
        return logic.update_guardian(who(), guardian_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/guardians/<guardian_id>/archive",
        answer=c.AdminGuardianView,
        errors=(401, 403, 404, 409),
    )
    def guardian_archive(guardian_id: str) -> Any:
        """Archive a guardian: they lose access; their consent history stays as proof"""
        return logic.archive_guardian(who(), guardian_id)

    # Albums
    @operation(app, "GET", f"{BASE}/albums", answer=c.AdminAlbums)
    def albums() -> Any:
        """The centre's albums, the most recent first"""
        return logic.list_albums(who())

    @operation(
        app,
        "POST",
        f"{BASE}/albums",
        body=c.AlbumCreate,
        answer=c.AdminAlbumView,
        status=201,
        errors=(401, 403, 404, 409),
    )
    def album_create(body: c.AlbumCreate) -> Any:
        """Create an album; 400: its date lies outside the centre's retention or too far ahead"""
        return logic.create_album(who(), body)

    @operation(
        app,
        "PATCH",
        f"{BASE}/albums/<album_id>",
        body=c.AlbumChange,
        answer=c.AdminAlbumView,
        errors=(401, 403, 404, 409),
    )
    def album_update(album_id: str, body: c.AlbumChange) -> Any:
        """Retitle or redate an album, or change its group (directors)"""
        return logic.update_album(who(), album_id, body)

    # Items: tagging, validation, publication
    @operation(app, "GET", f"{BASE}/queue", answer=c.AdminQueue)
    def queue() -> Any:
        """Items waiting for a decision (oldest first) and hidden items, with the gate's preview"""
        return logic.validation_queue(who())

    @operation(
        app,
        "PUT",
        f"{BASE}/media/<media_id>/tags",
        body=c.Tags,
        answer=c.AdminMediaView,
        errors=(401, 403, 404, 409),
    )
    def tags(media_id: str, body: c.Tags) -> Any:
        """Tag the children who appear, or mark "no identifiable child"

        409: the item changed since ``version``, is not processed yet, or a child is archived.
        """
        return logic.set_tags(who(), media_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/media/<media_id>/review",
        body=c.Review,
        answer=c.AdminMediaView,
        errors=(401, 403, 404, 409),
    )
    def review(media_id: str, body: c.Review) -> Any:
        """Approve (and publish to the audiences the gate allows) or reject with a reason"""
        return logic.review(who(), media_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/media/<media_id>/publish",
        body=c.Publication,
        answer=c.AdminMediaView,
        errors=(401, 403, 404, 409),
    )
    def publish(media_id: str, body: c.Publication) -> Any:
        """Publish to the audiences the gate allows now; 409 if none; no body: ``{}``"""
        return logic.publish(who(), media_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/media/<media_id>/unpublish",
        answer=c.AdminMediaView,
        errors=(401, 403, 404, 409),
    )
    def unpublish(media_id: str) -> Any:
        """Take an item down at once (directors); any body is ignored"""
        return logic.unpublish(who(), media_id)

    # Audit (directors)
    @operation(
        app,
        "GET",
        f"{BASE}/audit",
        query=c.AuditQuery,
        answer=list[c.AdminAuditRow],
        alternatives=("text/csv",),
    )
    def audit_export(query: c.AuditQuery) -> Any:
        """The centre's audit log, every entry in order, as JSON or CSV (directors)

        ``format=csv`` answers ``text/csv`` with the same columns (details JSON-encoded).
        """
        from aws_lambda_powertools.event_handler import Response as Raw

        content, content_type = logic.audit_export(who(), query.format)
        return Raw(
            status_code=200,
            content_type=content_type,
            body=content,
            headers={
                "Cache-Control": "no-store",
                "Content-Disposition": f'attachment; filename="audit.{query.format}"',
            },
        )

    @operation(app, "GET", f"{BASE}/audit/verify", answer=c.AdminAuditReport)
    def audit_verify() -> Any:
        """Verify the audit log's hash chain (directors)"""
        return logic.audit_verify(who())


@cache
def _app() -> APIGatewayHttpResolver:
    return http.resolver("admin", _routes)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if (
        not event.get("body")
        and event.get("requestContext", {}).get("http", {}).get("method") == "POST"
        and str(event.get("rawPath", "")).endswith(_OPTIONAL_BODY)
    ):
        event = {**event, "body": "{}", "isBase64Encoded": False}
    return _app().resolve(event, context)
