"""What the staff API's use cases share: role checks, who publishes, tidying what was typed,
the audit entry of a roster change, and the group and children a change may point to.

Every use case takes the caller's :class:`Principal` (tenant and role come from the session
only) and the typed command the handler parsed (``contract``: types, limits and formats are
checked there); ids from the path are looked up inside the caller's tenant, so another
centre's id is simply "not found". Role checks and domain rules happen in the use case.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from pellicule.api.schema import InvalidRequest
from pellicule.domain import publication as rules
from pellicule.domain.errors import Conflict, Forbidden
from pellicule.services import audit, tenant_settings
from pellicule.services.sessions import Principal
from pellicule.store import roster

# At most this many items of a list are answered (the validation queue).
PAGE = 500


# --- Roles ---------------------------------------------------------------------------------


def require_director(principal: Principal) -> None:
    if not principal.is_staff or principal.role != "director":
        raise Forbidden("directors_only")


def require_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("staff_only")


def staff_ref(principal: Principal) -> str:
    return f"staff:{principal.principal_id}"


def may_publish(principal: Principal, settings: tenant_settings.TenantSettings) -> bool:
    """The publication rule (``pellicule.domain.publication.may_publish``) for this person;
    the staff item is read only when it can change the answer (an animator, where trusted
    animators publish)."""
    staff = None
    if principal.role != "director" and settings.validation_mode == rules.TRUSTED_ANIMATORS:
        staff = roster.staff_member(principal.tenant_id, principal.principal_id)
    return rules.may_publish(
        principal.role,
        settings.validation_mode,
        trusted=bool(staff is not None and staff.trusted),
        archived=staff is None or bool(staff.archived),
    )


# --- Input helpers -------------------------------------------------------------------------


def tidy(value: str, name: str) -> str:
    """A name as kept: inner whitespace collapsed; never blank (its length is the type's).
    ``name``: the field's path in the request (a blank one is refused as if missing, naming
    it)."""
    tidy = " ".join(value.split())
    if not tidy:
        raise InvalidRequest(name, "field_required")
    return tidy


def unique_ids(values: Iterable[str]) -> list[str]:
    """Ids in the order sent, each once."""
    return list(dict.fromkeys(values))


def normal_email(value: str) -> str:
    return value.strip().lower()


def new_id() -> str:
    return uuid.uuid4().hex[:16]


# --- Roster changes ------------------------------------------------------------------------


def audited(principal: Principal, subject: str, change: str, *writes: audit.Companion) -> None:
    """Write a roster change and its audit entry in one transaction (all or nothing)."""
    try:
        audit.append(
            principal.tenant_id,
            "roster_changed",
            staff_ref(principal),
            subject,
            {"change": change},
            companions=writes,
        )
    except audit.CompanionConflictError:
        raise Conflict("roster_changed_meanwhile") from None


def active_group(tenant_id: str, group_id: str) -> roster.GroupRecord:
    """The group a child or an album is put in: it exists and is not archived."""
    group = roster.group_or_404(tenant_id, group_id)
    if group.archived:
        raise Conflict("group_archived")
    return group


def active_children(tenant_id: str, child_ids: Iterable[str]) -> list[roster.ChildRecord]:
    """The children a guardian or an item is linked to: each exists and is not archived."""
    found = []
    for child_id in child_ids:
        child = roster.child_or_404(tenant_id, child_id)
        if child.archived:
            raise Conflict("child_archived")
        found.append(child)
    return found
