"""Settings and staff: who is signed in and what they may do, the centre's settings, the team
(invite, edit, suspend and reactivate, archive, reset a lost second factor; the rules that
keep a director in charge are ``pellicule.domain.team``)."""

from __future__ import annotations

from typing import Any

from functions.admin import contract as c
from functions.admin.common import (
    audited,
    may_publish,
    new_id,
    normal_email,
    require_director,
    staff_ref,
    tidy,
)
from pellicule.api.schema import ABSENT, present
from pellicule.domain import team
from pellicule.domain.errors import BadRequest, Conflict
from pellicule.services import audit, tenant_settings
from pellicule.services.sessions import Principal
from pellicule.store import roster


def me(principal: Principal) -> dict[str, Any]:
    settings = tenant_settings.for_tenant(principal.tenant_id)
    return {
        "tenant_id": principal.tenant_id,
        "staff_id": principal.principal_id,
        "role": principal.role,
        "may_publish": may_publish(principal, settings) if principal.is_staff else False,
        "settings": settings.as_dict(),
    }


def update_settings(principal: Principal, body: c.SettingsChange) -> dict[str, Any]:
    """Change the settings sent (the others keep their value), within the settings rule."""
    require_director(principal)
    current = tenant_settings.for_tenant(principal.tenant_id)
    updated = tenant_settings.validate(present(body), current)
    changed = sorted(k for k, v in updated.as_dict().items() if current.as_dict()[k] != v)
    audit.append(
        principal.tenant_id,
        "settings_changed",
        staff_ref(principal),
        f"tenant:{principal.tenant_id}",
        {"changed": ",".join(changed) or "none"},
        companions=(tenant_settings.stored(principal.tenant_id, updated),),
    )
    return updated.as_dict()


def _staff_view(staff: roster.StaffRecord) -> dict[str, Any]:
    from pellicule.store import sessions as session_store

    return {
        "staff_id": staff.staff_id,
        "role": staff.role,
        "display_name": staff.display_name,
        "email": staff.email,
        "trusted": bool(staff.trusted),
        "archived": bool(staff.archived),
        "suspended": bool(staff.suspended),
        "second_factor": team.factor_state(session_store.factor_of(staff)),
    }


def _member(staff: roster.StaffRecord) -> team.Member:
    return team.Member(
        staff.staff_id, staff.role, archived=bool(staff.archived), suspended=bool(staff.suspended)
    )


def _guard(principal: Principal, staff: roster.StaffRecord, change: team.Change) -> None:
    """The team's rule (``pellicule.domain.team``): never oneself, never the last active
    director. The team is read consistently (a director suspended a moment ago counts)."""
    members = [_member(s) for s in roster.every_staff(principal.tenant_id)]
    refused = team.refusal(principal.principal_id, _member(staff), change, members)
    if refused:
        raise Conflict(refused)


def list_staff(principal: Principal) -> dict[str, Any]:
    require_director(principal)
    return {"staff": [_staff_view(s) for s in roster.every_staff(principal.tenant_id)]}


def create_staff(principal: Principal, body: c.StaffCreate) -> dict[str, Any]:
    """Add someone to the team, then e-mail them an invitation with a sign-in link
    (``pellicule.services.staff_invite``; the answer says whether it went)."""
    from pellicule.services import staff_invite

    require_director(principal)
    email = normal_email(body.email)
    for existing in roster.staff_with_email(email):
        if existing.tenant_id == principal.tenant_id and not existing.archived:
            raise Conflict("staff_already_member")
    staff_id = new_id()
    staff = roster.new_staff(
        principal.tenant_id,
        staff_id,
        role=body.role,
        display_name=tidy(body.display_name, "display_name"),
        email=email,
        trusted=body.trusted,
    )
    audited(principal, f"staff:{staff_id}", "created", roster.created(staff))
    sent = staff_invite.send(principal.tenant_id, staff)
    audit.append(
        principal.tenant_id,
        "staff_invited",
        staff_ref(principal),
        f"staff:{staff_id}",
        {"invitation": sent, "role": staff.role},
    )
    return {**_staff_view(staff), "invitation": sent}


def update_staff(principal: Principal, staff_id: str, body: c.StaffChange) -> dict[str, Any]:
    require_director(principal)
    staff = roster.staff_or_404(principal.tenant_id, staff_id)
    changes: dict[str, Any] = {}
    if body.role is not None:
        if body.role != "director" and staff.role == "director":
            _guard(principal, staff, "demote")  # never oneself, never the last director
        changes["role"] = body.role
    if body.trusted is not None:
        changes["trusted"] = body.trusted
    if body.display_name is not ABSENT:
        changes["display_name"] = tidy(body.display_name, "display_name")
    if not changes:
        raise BadRequest("nothing_to_change")
    audited(principal, f"staff:{staff_id}", "updated", roster.updated(staff, changes))
    return _staff_view(roster.reloaded(staff))


def archive_staff(principal: Principal, staff_id: str) -> dict[str, Any]:
    """Remove someone from the team for good (the record stays, archived, for the audit log's
    names); their sessions are refused from the next request on (``api.http`` reads the
    person at each one)."""
    require_director(principal)
    if staff_id == principal.principal_id:
        raise Conflict("staff_cannot_archive_self")
    staff = roster.staff_or_404(principal.tenant_id, staff_id)
    _guard(principal, staff, "archive")
    audited(principal, f"staff:{staff_id}", "archived", roster.archived(staff))
    return _staff_view(roster.reloaded(staff))


def suspend_staff(principal: Principal, staff_id: str) -> dict[str, Any]:
    """Suspend a staff member (reversible): they cannot sign in any more and every session
    of theirs ends at once; :func:`reactivate_staff` undoes it."""
    require_director(principal)
    staff = roster.staff_or_404(principal.tenant_id, staff_id)
    if staff.archived:
        raise Conflict("staff_archived")
    _guard(principal, staff, "suspend")
    if not staff.suspended:
        # The flag first: a request made after it is refused (api.http checks it each time),
        # then every session of theirs goes.
        audited(
            principal, f"staff:{staff_id}", "suspended", roster.updated(staff, {"suspended": True})
        )
    ended = _sign_out_everywhere(principal, staff_id, "suspended")
    return {**_staff_view(roster.reloaded(staff)), "sessions_ended": ended}


def reactivate_staff(principal: Principal, staff_id: str) -> dict[str, Any]:
    """Let a suspended staff member sign in again (they ask for a sign-in link as usual)."""
    require_director(principal)
    staff = roster.staff_or_404(principal.tenant_id, staff_id)
    if staff.archived:
        raise Conflict("staff_archived")
    if staff.suspended:
        audited(
            principal,
            f"staff:{staff_id}",
            "reactivated",
            roster.updated(staff, {"suspended": None}),
        )
    return _staff_view(roster.reloaded(staff))


def _sign_out_everywhere(principal: Principal, staff_id: str, scope: str) -> int:
    """End every session of a staff member; the audit says who did it and how many."""
    from pellicule.services import sessions

    ended = sessions.revoke_all(principal.tenant_id, "staff", staff_id)
    audit.append(
        principal.tenant_id,
        "logout",
        staff_ref(principal),
        f"staff:{staff_id}",
        {"scope": scope, "sessions": ended},
    )
    return ended


def reset_second_factor(principal: Principal, staff_id: str) -> dict[str, Any]:
    """A staff member lost their phone and their recovery codes: clear their second factor
    (secret, recovery codes, any app change under way) and sign them out everywhere; their
    next sign-in starts a new enrolment. Never one's own (docs/second-factor.md)."""

    require_director(principal)
    if staff_id == principal.principal_id:
        raise Conflict("staff_cannot_reset_own_factor")
    staff = roster.staff_or_404(principal.tenant_id, staff_id)
    # The factor first: a session opened after this cannot pass the old one; then every
    # session, pending or complete (the index may miss one opened a split second before).
    audited(
        principal,
        f"staff:{staff_id}",
        "second_factor_reset",
        roster.updated(staff, {"second_factor": None, "second_factor_renewal": None}),
    )
    ended = _sign_out_everywhere(principal, staff_id, "second_factor_reset")
    return {"staff_id": staff_id, "second_factor": "reset", "sessions_ended": ended}
