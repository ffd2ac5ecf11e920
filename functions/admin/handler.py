"""Staff API (``/api/admin/...``): routes only, registered per use case; the use cases live
in one module each (``staff``, ``sites``, ``children``, ``consents``, ``albums``, ``review``,
``audit_log``; what they share in ``common``), the request and answer types in ``contract``.

People: ``me``, ``settings``, ``staff``, ``sites``, ``groups``, ``children``, ``guardians``
(create, edit, archive), ``roster/import`` (preview, import from a CSV file). Consents:
``children/<id>/consent`` (read with history, record a paper form with its scan, record a
withdrawal, the scan's link). Albums (and their ``caption``). Items: ``tags``, ``review``
(approve / reject), ``publish``, ``unpublish``, ``caption``; the ``queue``. ``audit`` export
and verification (directors). ``home``: the director's home.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from pellicule.api import http
from pellicule.api.operations import operation

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    from pellicule.services.sessions import Principal

BASE = "/api/admin"


def _guards(app: APIGatewayHttpResolver) -> tuple[Callable[[], Principal], Callable[[], Principal]]:
    """The route guards: authentication, then the role, before anything of the request is
    parsed (a caller without a session gets 401 and one without the role 403, whatever their
    body says)."""
    from functions.admin.common import require_director

    def staff() -> Principal:
        return http.require_staff(http.principal(app.current_event.raw_event))

    def director() -> Principal:
        """Routes only directors may use at all (the use case checks it again)."""
        found = staff()
        require_director(found)
        return found

    return staff, director


def _routes(app: APIGatewayHttpResolver) -> None:
    _staff_routes(app)
    _site_routes(app)
    _child_routes(app)
    _import_routes(app)
    _consent_routes(app)
    _album_routes(app)
    _review_routes(app)
    _audit_routes(app)
    _report_routes(app)
    _campaign_routes(app)
    _home_routes(app)


def _staff_routes(app: APIGatewayHttpResolver) -> None:
    """Who is signed in, the centre's settings, the team."""
    from functions.admin import contract as c

    staff, director = _guards(app)

    @operation(app, "GET", f"{BASE}/me", auth=staff, answer=c.AdminMe)
    def me(principal: Principal) -> Any:
        """The staff member, their role, whether they may publish, the centre's settings"""
        from functions.admin import staff as logic

        return logic.me(principal)

    def settings_problems(raw: dict[str, Any]) -> None:
        # The settings rule names every problem at once, with the labels the settings page
        # marks (web/settings.js): its answer, rather than the parser's first field.
        from pellicule.services import tenant_settings

        tenant_settings.validate(raw)

    @operation(
        app,
        "PUT",
        f"{BASE}/settings",
        auth=director,
        body=c.SettingsChange,
        explain=settings_problems,
        answer=c.AdminSettings,
        errors=(401, 403),
    )
    def settings(principal: Principal, body: c.SettingsChange) -> Any:
        """Change the centre's settings (directors); those left out keep their value"""
        from functions.admin import staff as logic

        return logic.update_settings(principal, body)

    @operation(app, "GET", f"{BASE}/staff", auth=director, answer=c.AdminStaffList)
    def staff_list(principal: Principal) -> Any:
        """The centre's team (directors)"""
        from functions.admin import staff as logic

        return logic.list_staff(principal)

    @operation(
        app,
        "POST",
        f"{BASE}/staff",
        auth=director,
        body=c.StaffCreate,
        answer=c.AdminStaffCreated,
        status=201,
        errors=(401, 403, 409),
    )
    def staff_create(principal: Principal, body: c.StaffCreate) -> Any:
        """Add a staff member and e-mail them an invitation (directors)

        409: the address is already in the team. The invitation's sign-in link lives a day,
        works once, by a click.
        """
        from functions.admin import staff as logic

        return logic.create_staff(principal, body)

    @operation(
        app,
        "PATCH",
        f"{BASE}/staff/<staff_id>",
        auth=director,
        body=c.StaffChange,
        answer=c.AdminStaffMember,
        errors=(401, 403, 404, 409),
    )
    def staff_update(principal: Principal, staff_id: str, body: c.StaffChange) -> Any:
        """Change a staff member's role, trust or name (directors)

        Never demote oneself nor the last active director (409).
        """
        from functions.admin import staff as logic

        return logic.update_staff(principal, staff_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/staff/<staff_id>/archive",
        auth=director,
        answer=c.AdminStaffMember,
        errors=(401, 403, 404, 409),
    )
    def staff_archive(principal: Principal, staff_id: str) -> Any:
        """Archive a staff member (directors)

        For good; signed out at once. Never oneself nor the last active director (409).
        """
        from functions.admin import staff as logic

        return logic.archive_staff(principal, staff_id)

    @operation(
        app,
        "POST",
        f"{BASE}/staff/<staff_id>/suspend",
        auth=director,
        answer=c.AdminStaffSuspended,
        errors=(401, 403, 404, 409),
    )
    def staff_suspend(principal: Principal, staff_id: str) -> Any:
        """Suspend a staff member (directors; reversible)

        They cannot sign in and every session of theirs ends at once. Never oneself nor the
        last active director (409).
        """
        from functions.admin import staff as logic

        return logic.suspend_staff(principal, staff_id)

    @operation(
        app,
        "POST",
        f"{BASE}/staff/<staff_id>/reactivate",
        auth=director,
        answer=c.AdminStaffMember,
        errors=(401, 403, 404, 409),
    )
    def staff_reactivate(principal: Principal, staff_id: str) -> Any:
        """Let a suspended staff member sign in again (directors)"""
        from functions.admin import staff as logic

        return logic.reactivate_staff(principal, staff_id)

    @operation(
        app,
        "POST",
        f"{BASE}/staff/<staff_id>/second-factor/reset",
        auth=director,
        answer=c.AdminSecondFactorReset,
        errors=(401, 403, 404, 409),
    )
    def staff_second_factor_reset(principal: Principal, staff_id: str) -> Any:
        """Reset a staff member's second factor (lost phone and codes)

        Directors only, never their own; the person is signed out everywhere and enrols again.
        """
        from functions.admin import staff as logic

        return logic.reset_second_factor(principal, staff_id)


def _site_routes(app: APIGatewayHttpResolver) -> None:
    """Sites and groups."""
    from functions.admin import contract as c

    staff, director = _guards(app)

    @operation(app, "GET", f"{BASE}/sites", auth=staff, answer=c.AdminSites)
    def sites(principal: Principal) -> Any:
        """The centre's sites"""
        from functions.admin import sites as logic

        return logic.list_sites(principal)

    @operation(
        app,
        "POST",
        f"{BASE}/sites",
        auth=director,
        body=c.SiteCreate,
        answer=c.AdminSiteView,
        status=201,
    )
    def site_create(principal: Principal, body: c.SiteCreate) -> Any:
        """Add a site (directors)"""
        from functions.admin import sites as logic

        return logic.create_site(principal, body)

    @operation(app, "GET", f"{BASE}/groups", auth=staff, answer=c.AdminGroups)
    def groups(principal: Principal) -> Any:
        """The centre's groups"""
        from functions.admin import sites as logic

        return logic.list_groups(principal)

    @operation(
        app,
        "POST",
        f"{BASE}/groups",
        auth=director,
        body=c.GroupCreate,
        answer=c.AdminGroupView,
        status=201,
        errors=(401, 403, 404, 409),
    )
    def group_create(principal: Principal, body: c.GroupCreate) -> Any:
        """Add a group, on a site or none (directors); 409: the site is archived"""
        from functions.admin import sites as logic

        return logic.create_group(principal, body)

    @operation(
        app,
        "PATCH",
        f"{BASE}/groups/<group_id>",
        auth=director,
        body=c.GroupChange,
        answer=c.AdminGroupView,
        errors=(401, 403, 404, 409),
    )
    def group_update(principal: Principal, group_id: str, body: c.GroupChange) -> Any:
        """Rename a group or move it to another site (directors)"""
        from functions.admin import sites as logic

        return logic.update_group(principal, group_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/groups/<group_id>/archive",
        auth=director,
        answer=c.AdminGroupView,
        errors=(401, 403, 404, 409),
    )
    def group_archive(principal: Principal, group_id: str) -> Any:
        """Archive a group (directors); 409: children are still in it"""
        from functions.admin import sites as logic

        return logic.archive_group(principal, group_id)


def _child_routes(app: APIGatewayHttpResolver) -> None:
    """Children and guardians."""
    from functions.admin import contract as c

    staff, director = _guards(app)

    @operation(app, "GET", f"{BASE}/children", auth=staff, answer=c.AdminChildren)
    def children(principal: Principal) -> Any:
        """The roster with each child's consent in force (guardians: directors only)"""
        from functions.admin import children as logic

        return logic.list_children(principal)

    @operation(
        app,
        "POST",
        f"{BASE}/children",
        auth=director,
        body=c.ChildCreate,
        answer=c.AdminChildView,
        status=201,
        errors=(401, 403, 404, 409),
    )
    def child_create(principal: Principal, body: c.ChildCreate) -> Any:
        """Add a child to a group (directors); 409: the group is archived"""
        from functions.admin import children as logic

        return logic.create_child(principal, body)

    @operation(
        app,
        "PATCH",
        f"{BASE}/children/<child_id>",
        auth=director,
        body=c.ChildChange,
        answer=c.AdminChildView,
        errors=(401, 403, 404, 409),
    )
    def child_update(principal: Principal, child_id: str, body: c.ChildChange) -> Any:
        """Change a child's name, initial or group (directors)"""
        from functions.admin import children as logic

        return logic.update_child(principal, child_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/children/<child_id>/archive",
        auth=director,
        answer=c.AdminChildView,
        errors=(401, 403, 404, 409),
    )
    def child_archive(principal: Principal, child_id: str) -> Any:
        """Archive a child (directors)"""
        from functions.admin import children as logic

        return logic.archive_child(principal, child_id)

    @operation(app, "GET", f"{BASE}/guardians", auth=director, answer=c.AdminGuardians)
    def guardians(principal: Principal) -> Any:
        """The centre's guardians (directors)"""
        from functions.admin import children as logic

        return logic.list_guardians(principal)

    @operation(
        app,
        "POST",
        f"{BASE}/guardians",
        auth=director,
        body=c.GuardianCreate,
        answer=c.AdminGuardianView,
        status=201,
        errors=(401, 403, 404, 409),
    )
    def guardian_create(principal: Principal, body: c.GuardianCreate) -> Any:
        """Add a guardian linked to their children (directors); 409: already a guardian"""
        from functions.admin import children as logic

        return logic.create_guardian(principal, body)

    @operation(
        app,
        "PATCH",
        f"{BASE}/guardians/<guardian_id>",
        auth=director,
        body=c.GuardianChange,
        answer=c.AdminGuardianView,
        errors=(401, 403, 404, 409),
    )
    def guardian_update(principal: Principal, guardian_id: str, body: c.GuardianChange) -> Any:
        """Change a guardian's address or children (directors)"""
        from functions.admin import children as logic

        return logic.update_guardian(principal, guardian_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/guardians/<guardian_id>/archive",
        auth=director,
        answer=c.AdminGuardianView,
        errors=(401, 403, 404, 409),
    )
    def guardian_archive(principal: Principal, guardian_id: str) -> Any:
        """Archive a guardian: they lose access; their consent history stays as proof"""
        from functions.admin import children as logic

        return logic.archive_guardian(principal, guardian_id)


def _import_routes(app: APIGatewayHttpResolver) -> None:
    """The roster import from a CSV file (directors; docs/roster-import.md)."""
    from functions.admin import contract as c

    _, director = _guards(app)

    @operation(
        app,
        "POST",
        f"{BASE}/roster/import/preview",
        auth=director,
        body=c.RosterImport,
        answer=c.AdminImportPreview,
        errors=(401, 403, 413),
    )
    def roster_import_preview(principal: Principal, body: c.RosterImport) -> Any:
        """Read a CSV file (base64): encoding, separator, the proposed column mapping, the
        first lines as they would be stored and each line's errors; nothing is written"""
        from functions.admin import roster_import as logic

        return logic.preview(principal, body)

    @operation(
        app,
        "POST",
        f"{BASE}/roster/import",
        auth=director,
        body=c.RosterImport,
        answer=c.AdminImportResult,
        errors=(401, 403, 409, 413),
    )
    def roster_import(principal: Principal, body: c.RosterImport) -> Any:
        """Import children and guardians from a CSV file (``dry_run``: check only); lines
        with errors are skipped; new guardians get their welcome e-mail with the next daily
        run; 409: the roster changed meanwhile (import again: it is idempotent)"""
        from functions.admin import roster_import as logic

        return logic.run(principal, body)


def _consent_routes(app: APIGatewayHttpResolver) -> None:
    """Consents recorded by the director, erasure requests."""
    from functions.admin import contract as c

    _, director = _guards(app)

    @operation(
        app, "GET", f"{BASE}/children/<child_id>/consent", auth=director, answer=c.AdminChildConsent
    )
    def consent_read(principal: Principal, child_id: str) -> Any:
        """A child's consent in force and its history (directors)"""
        from functions.admin import consents as logic

        return logic.child_consent(principal, child_id)

    @operation(
        app,
        "POST",
        f"{BASE}/children/<child_id>/consent/scan",
        auth=director,
        body=c.ScanRequest,
        answer=c.AdminScanGrant,
        status=201,
    )
    def consent_scan(principal: Principal, child_id: str, body: c.ScanRequest) -> Any:
        """A presigned POST for the scan of a signed consent form (exact key, type and size)"""
        from functions.admin import consents as logic

        return logic.scan_grant(principal, child_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/children/<child_id>/consent",
        auth=director,
        body=c.PaperConsent,
        answer=c.AdminConsentOutcome,
        errors=(401, 403, 404, 409),
    )
    def consent_record(principal: Principal, child_id: str, body: c.PaperConsent) -> Any:
        """Record the consent of a signed paper form; its scan is the evidence (directors)"""
        from functions.admin import consents as logic

        return logic.record_paper_consent(principal, child_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/children/<child_id>/consent/withdraw",
        auth=director,
        body=c.Withdrawal,
        body_required=False,
        answer=c.AdminConsentOutcome,
        errors=(401, 403, 404, 409),
    )
    def consent_withdraw(principal: Principal, child_id: str, body: c.Withdrawal) -> Any:
        """Record a withdrawal made by letter, phone or in person (directors); no body: ``{}``"""
        from functions.admin import consents as logic

        return logic.record_withdrawal(principal, child_id, body)

    @operation(app, "GET", f"{BASE}/erasure-requests", auth=director, answer=c.AdminErasureRequests)
    def erasure_requests(principal: Principal) -> Any:
        """Open erasure requests of the centre, the most urgent first (directors)"""
        from functions.admin import consents as logic

        return logic.erasure_requests(principal)

    @operation(
        app,
        "POST",
        f"{BASE}/children/<child_id>/erasure-request",
        auth=director,
        body=c.ErasureRecord,
        answer=c.AdminErasureCreated,
    )
    def erasure_request(principal: Principal, child_id: str, body: c.ErasureRecord) -> Any:
        """Record a guardian's erasure request, e.g. made on paper (directors)"""
        from functions.admin import consents as logic

        return logic.request_erasure(principal, child_id, body)

    @operation(
        app,
        "PATCH",
        f"{BASE}/children/<child_id>/erasure-request",
        auth=director,
        body=c.ErasureChoice,
        answer=c.AdminErasureView,
        errors=(401, 403, 404, 409),
    )
    def erasure_mode(principal: Principal, child_id: str, body: c.ErasureChoice) -> Any:
        """Choose what happens to the items showing the child: remove them, or blur the child

        404: no open request; 409: the request was carried out meanwhile.
        """
        from functions.admin import consents as logic

        return logic.choose_erasure_mode(principal, child_id, body)

    @operation(
        app,
        "GET",
        f"{BASE}/children/<child_id>/consent/evidence",
        auth=director,
        answer=c.AdminEvidence,
    )
    def consent_evidence(principal: Principal, child_id: str) -> Any:
        """A short-lived link to the scan of the consent in force (directors)"""
        from functions.admin import consents as logic

        return logic.evidence_url(principal, child_id)


def _album_routes(app: APIGatewayHttpResolver) -> None:
    """Albums."""
    from functions.admin import contract as c

    staff, _ = _guards(app)

    @operation(app, "GET", f"{BASE}/albums", auth=staff, answer=c.AdminAlbums)
    def albums(principal: Principal) -> Any:
        """The centre's albums, the most recent first"""
        from functions.admin import albums as logic

        return logic.list_albums(principal)

    @operation(
        app,
        "POST",
        f"{BASE}/albums",
        auth=staff,
        body=c.AlbumCreate,
        answer=c.AdminAlbumView,
        status=201,
        errors=(401, 403, 404, 409),
    )
    def album_create(principal: Principal, body: c.AlbumCreate) -> Any:
        """Create an album; 400: its date lies outside the centre's retention or too far ahead"""
        from functions.admin import albums as logic

        return logic.create_album(principal, body)

    @operation(
        app,
        "PATCH",
        f"{BASE}/albums/<album_id>",
        auth=staff,
        body=c.AlbumChange,
        answer=c.AdminAlbumView,
        errors=(401, 403, 404, 409),
    )
    def album_update(principal: Principal, album_id: str, body: c.AlbumChange) -> Any:
        """Retitle or redate an album, or change its group (directors)"""
        from functions.admin import albums as logic

        return logic.update_album(principal, album_id, body)

    @operation(
        app,
        "PUT",
        f"{BASE}/albums/<album_id>/caption",
        auth=staff,
        body=c.CaptionChange,
        answer=c.AdminAlbumView,
        errors=(401, 403, 404, 409),
    )
    def album_caption(principal: Principal, album_id: str, body: c.CaptionChange) -> Any:
        """Set an album's caption (``""``: none; at most 300 characters)

        400: a control character, or too long. 409 ``caption_full_name``: it holds a child's
        full name; send it again with ``confirm_names: true`` to keep it.
        """
        from functions.admin import albums as logic

        return logic.caption_album(principal, album_id, body)


def _review_routes(app: APIGatewayHttpResolver) -> None:
    """Items: tagging, validation, publication."""
    from functions.admin import contract as c

    staff, director = _guards(app)

    @operation(app, "GET", f"{BASE}/queue", auth=staff, answer=c.AdminQueue)
    def queue(principal: Principal) -> Any:
        """Items waiting for a decision (oldest first) and hidden items, with the gate's preview"""
        from functions.admin import review as logic

        return logic.validation_queue(principal)

    @operation(
        app,
        "PUT",
        f"{BASE}/media/<media_id>/tags",
        auth=staff,
        body=c.Tags,
        answer=c.AdminMediaView,
        errors=(401, 403, 404, 409),
    )
    def tags(principal: Principal, media_id: str, body: c.Tags) -> Any:
        """Tag the children who appear, or mark "no identifiable child"

        409: the item changed since ``version``, is not processed yet, or a child is archived.
        """
        from functions.admin import review as logic

        return logic.set_tags(principal, media_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/media/<media_id>/review",
        auth=staff,
        body=c.Review,
        answer=c.AdminMediaView,
        errors=(401, 403, 404, 409),
    )
    def review(principal: Principal, media_id: str, body: c.Review) -> Any:
        """Approve (and publish to the audiences the gate allows) or reject with a reason"""
        from functions.admin import review as logic

        return logic.review(principal, media_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/review/approve-batch",
        auth=staff,
        body=c.ApproveBatch,
        answer=c.AdminApproveBatch,
        errors=(401, 403),
    )
    def approve_batch(principal: Principal, body: c.ApproveBatch) -> Any:
        """Approve in bulk: each item (at most 50) that passes the gate is approved and published
        as a single approval would be (one audit entry each); an answer per item, ``refused``
        with its reason otherwise; an item already published is ``unchanged``
        """
        from functions.admin import review_batch as logic

        return logic.approve_batch(principal, body)

    @operation(
        app,
        "POST",
        f"{BASE}/media/<media_id>/publish",
        auth=staff,
        body=c.Publication,
        body_required=False,
        answer=c.AdminMediaView,
        errors=(401, 403, 404, 409),
    )
    def publish(principal: Principal, media_id: str, body: c.Publication) -> Any:
        """Publish to the audiences the gate allows now; 409 if none; no body: ``{}``"""
        from functions.admin import review as logic

        return logic.publish(principal, media_id, body)

    @operation(
        app,
        "POST",
        f"{BASE}/media/<media_id>/unpublish",
        auth=director,
        answer=c.AdminMediaView,
        errors=(401, 403, 404, 409),
    )
    def unpublish(principal: Principal, media_id: str) -> Any:
        """Take an item down at once (directors); any body is ignored"""
        from functions.admin import review as logic

        return logic.unpublish(principal, media_id)

    @operation(
        app, "GET", f"{BASE}/media/<media_id>/caption", auth=staff, answer=c.AdminItemCaption
    )
    def item_caption(principal: Principal, media_id: str) -> Any:
        """An item's caption, and whether this person may change it now"""
        from functions.admin import review as logic

        return logic.item_caption(principal, media_id)

    @operation(
        app,
        "PUT",
        f"{BASE}/media/<media_id>/caption",
        auth=staff,
        body=c.CaptionChange,
        answer=c.AdminItemCaption,
        errors=(401, 403, 404, 409),
    )
    def item_caption_change(principal: Principal, media_id: str, body: c.CaptionChange) -> Any:
        """Set an item's caption (``""``: none; at most 200 characters)

        Animators caption an item before its validation (or where they may publish),
        directors any processed item. 400: a control character, or too long. 409
        ``caption_full_name``: it holds a child's full name; send it again with
        ``confirm_names: true`` to keep it.
        """
        from functions.admin import review as logic

        return logic.caption_item(principal, media_id, body)


def _audit_routes(app: APIGatewayHttpResolver) -> None:
    """The audit log (directors)."""
    from functions.admin import contract as c

    _, director = _guards(app)

    @operation(
        app,
        "GET",
        f"{BASE}/audit",
        auth=director,
        query=c.AuditQuery,
        answer=list[c.AdminAuditRow],
        alternatives=("text/csv",),
    )
    def audit_export(principal: Principal, query: c.AuditQuery) -> Any:
        """The centre's audit log, every entry in order, as JSON or CSV (directors)

        ``format=csv`` answers ``text/csv`` with the same columns (details JSON-encoded).
        """
        from aws_lambda_powertools.event_handler import Response as Raw

        from functions.admin import audit_log as logic

        content, content_type = logic.export(principal, query.format)
        return Raw(
            status_code=200,
            content_type=content_type,
            body=content,
            headers={
                "Cache-Control": "no-store",
                "Content-Disposition": f'attachment; filename="audit.{query.format}"',
            },
        )

    @operation(app, "GET", f"{BASE}/audit/verify", auth=director, answer=c.AdminAuditReport)
    def audit_verify(principal: Principal) -> Any:
        """Verify the audit log's hash chain (directors)"""
        from functions.admin import audit_log as logic

        return logic.verify(principal)

    @operation(
        app,
        "GET",
        f"{BASE}/audit/entries",
        auth=director,
        query=c.AuditEntriesQuery,
        answer=c.AdminAuditPage,
    )
    def audit_entries(principal: Principal, query: c.AuditEntriesQuery) -> Any:
        """The readable log: a page of entries, newest first, with names read at request time

        Filters: ``action``, ``child`` (entries on the child or its items), ``person``
        (``staff:``/``guardian:``/``relative:<id>``), ``start``/``end`` (local days). At most
        2,000 entries are read a request; ``next_cursor`` goes on. 400 ``audit_bad_date``,
        ``audit_period_reversed``, ``audit_bad_person``, ``audit_bad_action``.
        """
        from functions.admin import audit_log as logic

        return logic.entries(principal, query)

    @operation(
        app,
        "GET",
        f"{BASE}/audit/who-saw",
        auth=director,
        query=c.WhoSawQuery,
        answer=c.AdminAuditWhoSaw,
    )
    def audit_who_saw(principal: Principal, query: c.WhoSawQuery) -> Any:
        """Who viewed or downloaded the photos of a child, per person (directors)

        404 ``child_not_found``. At most 2,000 entries are read (``complete``).
        """
        from functions.admin import audit_log as logic

        return logic.who_saw(principal, query)


def _report_routes(app: APIGatewayHttpResolver) -> None:
    """Reports (directors)."""
    from functions.admin import contract as c

    _, director = _guards(app)

    @operation(
        app,
        "GET",
        f"{BASE}/reports/weekly-coverage",
        auth=director,
        query=c.CoverageQuery,
        answer=c.AdminCoverage,
        errors=(400, 401, 403),
    )
    def weekly_coverage(principal: Principal, query: c.CoverageQuery) -> Any:
        """The children tagged on few or no items published in an ISO week, per group
        (directors); ``week`` left out: the last complete week"""
        from functions.admin import coverage as logic

        return logic.weekly(principal, query)


def _campaign_routes(app: APIGatewayHttpResolver) -> None:
    """A consent campaign (directors; docs/consent-campaign.md)."""
    from functions.admin import contract as c

    _, director = _guards(app)

    @operation(app, "GET", f"{BASE}/campaign", auth=director, answer=c.AdminCampaignBoard)
    def campaign_board(principal: Principal) -> Any:
        """The current (or last) consent campaign and its board: per group and per child,
        answered, waiting, refused or bounced; per guardian, what was sent (directors)"""
        from functions.admin import campaigns as logic

        return logic.read(principal)

    @operation(
        app,
        "POST",
        f"{BASE}/campaign",
        auth=director,
        body=c.CampaignStart,
        answer=c.AdminCampaignBoard,
        status=201,
        errors=(400, 401, 403, 404, 409),
    )
    def campaign_start(principal: Principal, body: c.CampaignStart) -> Any:
        """Start a consent campaign and send its e-mails (directors)

        The same request while it is open resumes the sending; another one is a 409
        ``campaign_already_open``. 400 ``campaign_no_children``; 404 ``group_not_found``.
        What could not be sent within the request is ``unsent``: ``POST .../campaign/send``.
        """
        from functions.admin import campaigns as logic

        return logic.start(principal, body)

    @operation(
        app,
        "POST",
        f"{BASE}/campaign/send",
        auth=director,
        answer=c.AdminCampaignBoard,
        errors=(401, 403, 409),
    )
    def campaign_send(principal: Principal) -> Any:
        """Send the campaign's requests not sent yet (directors); 409 ``campaign_not_open``"""
        from functions.admin import campaigns as logic

        return logic.send(principal)

    @operation(
        app,
        "POST",
        f"{BASE}/campaign/reminders",
        auth=director,
        answer=c.AdminCampaignBoard,
        errors=(401, 403, 409),
    )
    def campaign_reminders(principal: Principal) -> Any:
        """Send the reminders now to the guardians of the children still waiting (directors;
        never twice within 12 hours, never more than the campaign's number)"""
        from functions.admin import campaigns as logic

        return logic.remind(principal)

    @operation(
        app,
        "POST",
        f"{BASE}/campaign/close",
        auth=director,
        answer=c.AdminCampaignBoard,
        errors=(401, 403, 409),
    )
    def campaign_close(principal: Principal) -> Any:
        """Close the consent campaign: no more reminders (directors)"""
        from functions.admin import campaigns as logic

        return logic.close(principal)


def _home_routes(app: APIGatewayHttpResolver) -> None:
    """The director's home."""
    from functions.admin import contract as c

    _, director = _guards(app)

    @operation(app, "GET", f"{BASE}/home", auth=director, answer=c.AdminHome)
    def home(principal: Principal) -> Any:
        """What needs the director now (directors): items waiting for a decision, open erasure
        requests with their deadline, consents ending within 30 days, the last purge run"""
        from functions.admin import home as logic

        return logic.summary(principal)


@cache
def _app() -> APIGatewayHttpResolver:
    return http.resolver("admin", _routes)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
