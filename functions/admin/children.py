"""Children and guardians: the roster families are built from (a child's first name and
initial only; a guardian's e-mail address, linked to their children on both sides)."""

from __future__ import annotations

from typing import Any

from functions.admin import contract as c
from functions.admin.common import (
    active_children,
    active_group,
    audited,
    new_id,
    normal_email,
    require_director,
    require_staff,
    tidy,
    unique_ids,
)
from pellicule.api.schema import ABSENT, InvalidRequest
from pellicule.domain.errors import BadRequest, Conflict
from pellicule.services import consent, devices
from pellicule.services.sessions import Principal
from pellicule.store import consents, roster

# --- Children ------------------------------------------------------------------------------


def child_view(
    child: roster.ChildRecord, consent_record: Any = None, *, full: bool = True
) -> dict[str, Any]:
    view = {
        "child_id": child.child_id,
        "first_name": child.first_name,
        "initial": child.initial,
        "group_id": child.group_id,
        "archived": bool(child.archived),
    }
    if full:
        view["guardian_ids"] = sorted(child.guardian_ids or ())
    described = consent.describe(consent_record)
    view["consent"] = {
        "status": described["status"],
        "terms": described["terms"],
        "pending": described["pending"] is not None,
    }
    return view


def list_children(principal: Principal) -> dict[str, Any]:
    """The roster (chips for tagging) with each child's consent in force."""
    require_staff(principal)
    children = roster.children(principal.tenant_id)
    records = {r.child_id: r for r in consents.every_current(principal.tenant_id)}
    full = principal.role == "director"
    return {"children": [child_view(c, records.get(c.child_id), full=full) for c in children]}


def _initial(raw: str) -> str:
    """Only the initial of the last name is kept, even when the whole name is sent."""
    value = tidy(raw, "initial").rstrip(".")
    if not value or not value[0].isalpha():
        raise InvalidRequest("initial", "initial_letter_expected")
    return f"{value[0].upper()}."


def create_child(principal: Principal, body: c.ChildCreate) -> dict[str, Any]:
    """A child: first name and the initial of the last name only (data minimisation)."""
    require_director(principal)
    group = active_group(principal.tenant_id, body.group_id)
    child_id = new_id()
    child = roster.new_child(
        principal.tenant_id,
        child_id,
        first_name=tidy(body.first_name, "first_name"),
        initial=_initial(body.initial),
        group_id=group.group_id,
    )
    audited(principal, f"child:{child_id}", "created", roster.created(child))
    return child_view(child)


def update_child(principal: Principal, child_id: str, body: c.ChildChange) -> dict[str, Any]:
    require_director(principal)
    child = roster.child_or_404(principal.tenant_id, child_id)
    changes: dict[str, Any] = {}
    if body.first_name is not ABSENT:
        changes["first_name"] = tidy(body.first_name, "first_name")
    if body.initial is not ABSENT:
        changes["initial"] = _initial(body.initial)
    if body.group_id is not ABSENT:
        changes["group_id"] = active_group(principal.tenant_id, body.group_id).group_id
    if not changes:
        raise BadRequest("nothing_to_change")
    audited(principal, f"child:{child_id}", "updated", roster.updated(child, changes))
    return child_view(roster.reloaded(child), consent.current(principal.tenant_id, child_id))


def archive_child(principal: Principal, child_id: str) -> dict[str, Any]:
    """The child leaves the centre: their family's access to the child's photos ends now;
    each active guardian who may download gets one souvenir pack of what they could see
    (``pellicule.services.child_souvenir``: after the write, never blocking it)."""
    from pellicule.services import child_souvenir

    require_director(principal)
    child = roster.child_or_404(principal.tenant_id, child_id)
    families = [] if child.archived else child_souvenir.families_before(principal.tenant_id, child)
    audited(principal, f"child:{child_id}", "archived", roster.archived(child))
    child_souvenir.offer(principal.tenant_id, child_id, families)
    return child_view(roster.reloaded(child), consent.current(principal.tenant_id, child_id))


# --- Guardians -----------------------------------------------------------------------------


def _guardian_view(guardian: roster.GuardianRecord) -> dict[str, Any]:
    return {
        "guardian_id": guardian.guardian_id,
        "email": guardian.email,
        "child_ids": sorted(guardian.child_ids or ()),
        "archived": bool(guardian.archived),
    }


def list_guardians(principal: Principal) -> dict[str, Any]:
    require_director(principal)
    return {"guardians": [_guardian_view(g) for g in roster.guardians(principal.tenant_id)]}


def create_guardian(principal: Principal, body: c.GuardianCreate) -> dict[str, Any]:
    """A guardian (e-mail only) linked to their children, both sides in one transaction."""
    require_director(principal)
    email = normal_email(body.email)
    # at least one child (type)
    children = active_children(principal.tenant_id, unique_ids(body.child_ids))
    for existing in roster.guardians_with_email(email):
        if existing.tenant_id == principal.tenant_id and not existing.archived:
            raise Conflict("guardian_exists")
    guardian_id = new_id()
    guardian = roster.new_guardian(
        principal.tenant_id,
        guardian_id,
        email=email,
        child_ids=[c.child_id for c in children],
        welcome_due=True,
    )
    audited(
        principal,
        f"guardian:{guardian_id}",
        "created",
        roster.created(guardian),
        *roster.links(guardian_id, add=children, remove=()),
    )
    # The welcome e-mail (issue 17): after the write, never blocking it; a failure leaves it
    # due and the digest's run sends it (pellicule.services.welcome).
    from pellicule.services import welcome

    welcome.send(principal.tenant_id, guardian)
    return _guardian_view(guardian)


def _check_address_free(principal: Principal, guardian_id: str, email: str) -> None:
    """No other active guardian of the centre has this address."""
    for existing in roster.guardians_with_email(email):
        if (
            existing.tenant_id == principal.tenant_id
            and existing.guardian_id != guardian_id
            and not existing.archived
        ):
            raise Conflict("guardian_address_taken")


def update_guardian(
    principal: Principal, guardian_id: str, body: c.GuardianChange
) -> dict[str, Any]:
    require_director(principal)
    guardian = roster.guardian_or_404(principal.tenant_id, guardian_id)
    if guardian.archived:
        raise Conflict("guardian_archived")
    changes: dict[str, Any] = {}
    add: list[roster.ChildRecord] = []
    remove: list[roster.ChildRecord] = []
    if body.email is not ABSENT:
        email = normal_email(body.email)
        _check_address_free(principal, guardian_id, email)
        changes["email"] = email  # its index entry follows
    if body.child_ids is not ABSENT:
        wanted = set(body.child_ids)  # at least one (type)
        have = set(guardian.child_ids or ())
        add = active_children(principal.tenant_id, sorted(wanted - have))
        remove = [roster.child_or_404(principal.tenant_id, c) for c in sorted(have - wanted)]
        changes["child_ids"] = wanted
    if not changes:
        raise BadRequest("nothing_to_change")
    audited(
        principal,
        f"guardian:{guardian_id}",
        "updated",
        roster.updated(guardian, changes),
        *roster.links(guardian_id, add=add, remove=remove),
    )
    return _guardian_view(roster.reloaded(guardian))


def archive_guardian(principal: Principal, guardian_id: str) -> dict[str, Any]:
    """Archive a guardian: they lose access; their past consent history stays as proof."""
    require_director(principal)
    guardian = roster.guardian_or_404(principal.tenant_id, guardian_id)
    children = [
        roster.child_or_404(principal.tenant_id, c) for c in sorted(guardian.child_ids or ())
    ]
    audited(
        principal,
        f"guardian:{guardian_id}",
        "archived",
        roster.archived(guardian),
        *roster.links(guardian_id, add=(), remove=children),
    )
    # Their trusted devices end now (their sessions are refused on their next request).
    devices.end_all(principal.tenant_id, "guardian", guardian_id, "archived")
    return _guardian_view(roster.reloaded(guardian))
