"""Staff use cases: roster, consents from paper forms, albums, tagging, validation, audit.

Every function takes the caller's :class:`Principal` (tenant and role come from the session
only) and the typed command the handler parsed (``contract``: types, limits and formats are
checked there); ids from the path are looked up inside the caller's tenant, so another
centre's id is simply "not found". Role checks and domain rules happen here, next to the use
case.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
import secrets
import uuid
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from pynamodb.exceptions import DoesNotExist

from functions.admin import contract as c
from pellicule.adapters import aws
from pellicule.api.schema import ABSENT, present
from pellicule.config import clock, topology
from pellicule.config.settings import get_settings
from pellicule.domain.errors import BadRequest, Conflict, Forbidden, NotFound
from pellicule.domain.gate import (
    ALL_FAMILIES_OF_CENTRE,
    AUDIENCES,
    FAMILIES_OF_GROUP,
    Visibility,
    publishable,
)
from pellicule.services import audit, consent, publication, tenant_settings
from pellicule.services.sessions import Principal
from pellicule.store import data
from pellicule.store.models import (
    Album,
    Child,
    Group,
    Guardian,
    Media,
    MediaTag,
    Site,
    Staff,
    Tenant,
    tenant_pk,
)

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_TAGS = c.MAX_TAGS
SCAN_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
SCAN_MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
MAX_SCAN_BYTES = c.MAX_SCAN_BYTES
PAGE = 500


# --- Roles ---------------------------------------------------------------------------------


def require_director(principal: Principal) -> None:
    if not principal.is_staff or principal.role != "director":
        raise Forbidden("Réservé à la direction du centre. / Directors only.")


def _staff_ref(principal: Principal) -> str:
    return f"staff:{principal.principal_id}"


def _may_publish(principal: Principal, settings: tenant_settings.TenantSettings) -> bool:
    if principal.role == "director":
        return True
    if settings.validation_mode != "trusted_animators":
        return False
    try:
        staff = Staff.get(tenant_pk(principal.tenant_id), f"STAFF#{principal.principal_id}")
    except DoesNotExist:
        return False
    return bool(staff.trusted) and not staff.archived


# --- Input helpers -------------------------------------------------------------------------


def _text(value: str, name: str, label: str) -> str:
    """A name as kept: inner whitespace collapsed; never blank (its length is the type's)."""
    tidy = " ".join(value.split())
    if not tidy:
        raise BadRequest(f"{label} : obligatoire. / {name} is required.")
    return tidy


def _ids(ids: Iterable[str]) -> list[str]:
    """Ids in the order sent, each once."""
    return list(dict.fromkeys(ids))


def _email(value: str) -> str:
    return value.strip().lower()


def _new_id() -> str:
    return uuid.uuid4().hex[:16]


def _get(model: Any, tenant_id: str, sk: str, what_fr: str, what_en: str) -> Any:
    data.ready()
    if not _ID.match(sk.split("#", 1)[1]):
        raise NotFound(f"{what_fr} introuvable. / {what_en} not found.")
    try:
        return model.get(tenant_pk(tenant_id), sk, consistent_read=True)
    except DoesNotExist:
        raise NotFound(f"{what_fr} introuvable. / {what_en} not found.") from None


def _list(model: Any, tenant_id: str, prefix: str) -> list[Any]:
    data.ready()
    return list(model.query(tenant_pk(tenant_id), model.sk.startswith(prefix), limit=PAGE * 4))


def _audited(principal: Principal, subject: str, change: str, *writes: audit.Companion) -> None:
    """Write a roster change and its audit entry in one transaction (all or nothing)."""
    try:
        audit.append(
            principal.tenant_id,
            "roster_changed",
            _staff_ref(principal),
            subject,
            {"change": change},
            companions=writes,
        )
    except audit.CompanionConflictError:
        raise Conflict(
            "Modification concurrente ; réessayez. / Concurrent change; retry."
        ) from None


def _created(item: Any, model: Any) -> audit.Companion:
    return audit.Companion(item, model.pk.does_not_exist())


def _updated(item: Any, model: Any, actions: Iterable[Any]) -> audit.Companion:
    return audit.Companion(item, model.pk.exists(), op="update", actions=tuple(actions))


# --- Settings and staff --------------------------------------------------------------------


def me(principal: Principal) -> dict[str, Any]:
    settings = tenant_settings.for_tenant(principal.tenant_id)
    return {
        "tenant_id": principal.tenant_id,
        "staff_id": principal.principal_id,
        "role": principal.role,
        "may_publish": _may_publish(principal, settings) if principal.is_staff else False,
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
        _staff_ref(principal),
        f"tenant:{principal.tenant_id}",
        {"changed": ",".join(changed) or "none"},
        companions=(
            _updated(
                Tenant(tenant_pk(principal.tenant_id), "PROFILE"),
                Tenant,
                [Tenant.settings.set(updated.as_dict())],
            ),
        ),
    )
    return updated.as_dict()


def _staff_view(staff: Staff) -> dict[str, Any]:
    return {
        "staff_id": staff.staff_id,
        "role": staff.role,
        "display_name": staff.display_name,
        "email": staff.email,
        "trusted": bool(staff.trusted),
        "archived": bool(staff.archived),
    }


def list_staff(principal: Principal) -> dict[str, Any]:
    require_director(principal)
    return {"staff": [_staff_view(s) for s in _list(Staff, principal.tenant_id, "STAFF#")]}


def create_staff(principal: Principal, body: c.StaffCreate) -> dict[str, Any]:
    require_director(principal)
    email = _email(body.email)
    for existing in Staff.by_gsi1.query(f"STAFFEMAIL#{email}"):
        if existing.tenant_id == principal.tenant_id and not existing.archived:
            raise Conflict("Cette adresse est déjà dans l'équipe. / Already a staff member.")
    staff_id = _new_id()
    staff = Staff(
        tenant_pk(principal.tenant_id),
        f"STAFF#{staff_id}",
        tenant_id=principal.tenant_id,
        staff_id=staff_id,
        role=body.role,
        display_name=_text(body.display_name, "display_name", "Nom affiché"),
        email=email,
        trusted=body.trusted,
        gsi1pk=f"STAFFEMAIL#{email}",
        gsi1sk=f"STAFF#{principal.tenant_id}",
    )
    _audited(principal, f"staff:{staff_id}", "created", _created(staff, Staff))
    return _staff_view(staff)


def update_staff(principal: Principal, staff_id: str, body: c.StaffChange) -> dict[str, Any]:
    require_director(principal)
    staff = _get(Staff, principal.tenant_id, f"STAFF#{staff_id}", "Membre de l'équipe", "Staff")
    actions = []
    if body.role is not None:
        if staff_id == principal.principal_id and body.role != "director":
            raise Conflict(
                "Vous ne pouvez pas vous retirer la direction. / Cannot demote yourself."
            )
        actions.append(Staff.role.set(body.role))
    if body.trusted is not None:
        actions.append(Staff.trusted.set(body.trusted))
    if body.display_name is not ABSENT:
        actions.append(
            Staff.display_name.set(_text(body.display_name, "display_name", "Nom affiché"))
        )
    if not actions:
        raise BadRequest("Rien à modifier. / Nothing to change.")
    _audited(principal, f"staff:{staff_id}", "updated", _updated(staff, Staff, actions))
    staff.refresh(consistent_read=True)
    return _staff_view(staff)


def archive_staff(principal: Principal, staff_id: str) -> dict[str, Any]:
    require_director(principal)
    if staff_id == principal.principal_id:
        raise Conflict("Vous ne pouvez pas vous archiver vous-même. / Cannot archive yourself.")
    staff = _get(Staff, principal.tenant_id, f"STAFF#{staff_id}", "Membre de l'équipe", "Staff")
    _audited(
        principal,
        f"staff:{staff_id}",
        "archived",
        _updated(staff, Staff, [Staff.archived.set(True)]),
    )
    staff.refresh(consistent_read=True)
    return _staff_view(staff)


def reset_second_factor(principal: Principal, staff_id: str) -> dict[str, Any]:
    """A staff member lost their phone and their recovery codes: clear their second factor
    (secret, recovery codes, any app change under way) and sign them out everywhere; their
    next sign-in starts a new enrolment. Never one's own (docs/second-factor.md)."""
    from pellicule.services import sessions

    require_director(principal)
    if staff_id == principal.principal_id:
        raise Conflict(
            "Vous ne pouvez pas réinitialiser votre propre double authentification : demandez-le "
            "à une autre personne de la direction ou à l'exploitant. / You cannot reset your own "
            "second factor: ask another director or the operator."
        )
    staff = _get(Staff, principal.tenant_id, f"STAFF#{staff_id}", "Membre de l'équipe", "Staff")
    # The factor first: a session opened after this cannot pass the old one; then every
    # session, pending or complete (the index may miss one opened a split second before).
    _audited(
        principal,
        f"staff:{staff_id}",
        "second_factor_reset",
        _updated(
            staff, Staff, [Staff.second_factor.remove(), Staff.second_factor_renewal.remove()]
        ),
    )
    ended = sessions.revoke_all(principal.tenant_id, "staff", staff_id)
    audit.append(
        principal.tenant_id,
        "logout",
        _staff_ref(principal),
        f"staff:{staff_id}",
        {"scope": "second_factor_reset", "sessions": ended},
    )
    return {"staff_id": staff_id, "second_factor": "reset", "sessions_ended": ended}


# --- Sites and groups ----------------------------------------------------------------------


def _group_view(group: Group) -> dict[str, Any]:
    return {
        "group_id": group.group_id,
        "name": group.name,
        "site_id": group.site_id,
        "archived": bool(group.archived),
    }


def list_sites(principal: Principal) -> dict[str, Any]:
    return {
        "sites": [
            {"site_id": s.site_id, "name": s.name, "archived": bool(s.archived)}
            for s in _list(Site, principal.tenant_id, "SITE#")
        ]
    }


def create_site(principal: Principal, body: c.SiteCreate) -> dict[str, Any]:
    require_director(principal)
    site_id = _new_id()
    site = Site(
        tenant_pk(principal.tenant_id),
        f"SITE#{site_id}",
        tenant_id=principal.tenant_id,
        site_id=site_id,
        name=_text(body.name, "name", "Nom du site"),
    )
    _audited(principal, f"site:{site_id}", "created", _created(site, Site))
    return {"site_id": site_id, "name": site.name, "archived": False}


def _require_site(tenant_id: str, site_id: str | None) -> None:
    if site_id is not None:
        site = _get(Site, tenant_id, f"SITE#{site_id}", "Site", "Site")
        if site.archived:
            raise Conflict("Ce site est archivé. / This site is archived.")


def list_groups(principal: Principal) -> dict[str, Any]:
    if not principal.is_staff:
        raise Forbidden("Réservé à l'équipe du centre. / Staff only.")
    return {"groups": [_group_view(g) for g in _list(Group, principal.tenant_id, "GROUP#")]}


def create_group(principal: Principal, body: c.GroupCreate) -> dict[str, Any]:
    require_director(principal)
    site_id = body.site_id
    _require_site(principal.tenant_id, site_id)
    group_id = _new_id()
    group = Group(
        tenant_pk(principal.tenant_id),
        f"GROUP#{group_id}",
        tenant_id=principal.tenant_id,
        group_id=group_id,
        name=_text(body.name, "name", "Nom du groupe"),
        site_id=site_id,
    )
    _audited(principal, f"group:{group_id}", "created", _created(group, Group))
    return _group_view(group)


def update_group(principal: Principal, group_id: str, body: c.GroupChange) -> dict[str, Any]:
    require_director(principal)
    group = _get(Group, principal.tenant_id, f"GROUP#{group_id}", "Groupe", "Group")
    actions = []
    if body.name is not ABSENT:
        actions.append(Group.name.set(_text(body.name, "name", "Nom du groupe")))
    if body.site_id is not ABSENT:
        site_id = body.site_id
        _require_site(principal.tenant_id, site_id)
        actions.append(Group.site_id.set(site_id) if site_id else Group.site_id.remove())
    if not actions:
        raise BadRequest("Rien à modifier. / Nothing to change.")
    _audited(principal, f"group:{group_id}", "updated", _updated(group, Group, actions))
    group.refresh(consistent_read=True)
    return _group_view(group)


def archive_group(principal: Principal, group_id: str) -> dict[str, Any]:
    require_director(principal)
    group = _get(Group, principal.tenant_id, f"GROUP#{group_id}", "Groupe", "Group")
    active = [
        c
        for c in _list(Child, principal.tenant_id, "CHILD#")
        if c.group_id == group_id and not c.archived
    ]
    if active:
        raise Conflict(
            f"{len(active)} enfant(s) sont encore dans ce groupe : changez-les de groupe "
            "d'abord. / Move the children of this group first."
        )
    _audited(
        principal,
        f"group:{group_id}",
        "archived",
        _updated(group, Group, [Group.archived.set(True)]),
    )
    group.refresh(consistent_read=True)
    return _group_view(group)


def _require_group(tenant_id: str, group_id: str) -> Group:
    group: Group = _get(Group, tenant_id, f"GROUP#{group_id}", "Groupe", "Group")
    if group.archived:
        raise Conflict("Ce groupe est archivé. / This group is archived.")
    return group


# --- Children and guardians ----------------------------------------------------------------


def _child_view(child: Child, consent_record: Any = None, *, full: bool = True) -> dict[str, Any]:
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
    if not principal.is_staff:
        raise Forbidden("Réservé à l'équipe du centre. / Staff only.")
    children = _list(Child, principal.tenant_id, "CHILD#")
    records = {r.child_id: r for r in _list_consents(principal.tenant_id)}
    full = principal.role == "director"
    return {"children": [_child_view(c, records.get(c.child_id), full=full) for c in children]}


def _list_consents(tenant_id: str) -> list[Any]:
    from pellicule.store.models import Consent

    return _list(Consent, tenant_id, "CONSENT#")


def _initial(raw: str) -> str:
    """Only the initial of the last name is kept, even when the whole name is sent."""
    value = _text(raw, "initial", "Initiale du nom").rstrip(".")
    if not value or not value[0].isalpha():
        raise BadRequest("Initiale : une lettre. / initial: one letter.")
    return f"{value[0].upper()}."


def create_child(principal: Principal, body: c.ChildCreate) -> dict[str, Any]:
    """A child: first name and the initial of the last name only (data minimisation)."""
    require_director(principal)
    group = _require_group(principal.tenant_id, body.group_id)
    child_id = _new_id()
    child = Child(
        tenant_pk(principal.tenant_id),
        f"CHILD#{child_id}",
        tenant_id=principal.tenant_id,
        child_id=child_id,
        first_name=_text(body.first_name, "first_name", "Prénom"),
        initial=_initial(body.initial),
        group_id=group.group_id,
    )
    _audited(principal, f"child:{child_id}", "created", _created(child, Child))
    return _child_view(child)


def update_child(principal: Principal, child_id: str, body: c.ChildChange) -> dict[str, Any]:
    require_director(principal)
    child = _get(Child, principal.tenant_id, f"CHILD#{child_id}", "Enfant", "Child")
    actions = []
    if body.first_name is not ABSENT:
        actions.append(Child.first_name.set(_text(body.first_name, "first_name", "Prénom")))
    if body.initial is not ABSENT:
        actions.append(Child.initial.set(_initial(body.initial)))
    if body.group_id is not ABSENT:
        actions.append(
            Child.group_id.set(_require_group(principal.tenant_id, body.group_id).group_id)
        )
    if not actions:
        raise BadRequest("Rien à modifier. / Nothing to change.")
    _audited(principal, f"child:{child_id}", "updated", _updated(child, Child, actions))
    child.refresh(consistent_read=True)
    return _child_view(child, consent.current(principal.tenant_id, child_id))


def archive_child(principal: Principal, child_id: str) -> dict[str, Any]:
    require_director(principal)
    child = _get(Child, principal.tenant_id, f"CHILD#{child_id}", "Enfant", "Child")
    _audited(
        principal,
        f"child:{child_id}",
        "archived",
        _updated(child, Child, [Child.archived.set(True)]),
    )
    child.refresh(consistent_read=True)
    return _child_view(child, consent.current(principal.tenant_id, child_id))


def _guardian_view(guardian: Guardian) -> dict[str, Any]:
    return {
        "guardian_id": guardian.guardian_id,
        "email": guardian.email,
        "child_ids": sorted(guardian.child_ids or ()),
        "archived": bool(guardian.archived),
    }


def list_guardians(principal: Principal) -> dict[str, Any]:
    require_director(principal)
    return {
        "guardians": [_guardian_view(g) for g in _list(Guardian, principal.tenant_id, "GUARDIAN#")]
    }


def _children(tenant_id: str, child_ids: Iterable[str]) -> list[Child]:
    found = []
    for child_id in child_ids:
        child = _get(Child, tenant_id, f"CHILD#{child_id}", "Enfant", "Child")
        if child.archived:
            raise Conflict("Cet enfant est archivé. / This child is archived.")
        found.append(child)
    return found


def _link(guardian: Guardian, add: list[Child], remove: list[Child]) -> list[audit.Companion]:
    """The children's side of a guardian's links (written with the guardian's side)."""
    return [
        *(_updated(c, Child, [Child.guardian_ids.add({guardian.guardian_id})]) for c in add),
        *(_updated(c, Child, [Child.guardian_ids.delete({guardian.guardian_id})]) for c in remove),
    ]


def create_guardian(principal: Principal, body: c.GuardianCreate) -> dict[str, Any]:
    """A guardian (e-mail only) linked to their children, both sides in one transaction."""
    require_director(principal)
    email = _email(body.email)
    children = _children(principal.tenant_id, _ids(body.child_ids))  # at least one (type)
    for existing in Guardian.by_gsi1.query(f"GUARDIANEMAIL#{email}"):
        if existing.tenant_id == principal.tenant_id and not existing.archived:
            raise Conflict(
                "Ce responsable existe déjà : ajoutez-lui l'enfant. / This guardian already "
                "exists: add the child to them."
            )
    guardian_id = _new_id()
    guardian = Guardian(
        tenant_pk(principal.tenant_id),
        f"GUARDIAN#{guardian_id}",
        tenant_id=principal.tenant_id,
        guardian_id=guardian_id,
        email=email,
        child_ids={c.child_id for c in children},
        gsi1pk=f"GUARDIANEMAIL#{email}",
        gsi1sk=f"GUARDIAN#{principal.tenant_id}",
    )
    _audited(
        principal,
        f"guardian:{guardian_id}",
        "created",
        _created(guardian, Guardian),
        *_link(guardian, children, []),
    )
    return _guardian_view(guardian)


def update_guardian(
    principal: Principal, guardian_id: str, body: c.GuardianChange
) -> dict[str, Any]:
    require_director(principal)
    guardian = _get(
        Guardian, principal.tenant_id, f"GUARDIAN#{guardian_id}", "Responsable", "Guardian"
    )
    if guardian.archived:
        raise Conflict("Ce responsable est archivé. / This guardian is archived.")
    actions: list[Any] = []
    add: list[Child] = []
    remove: list[Child] = []
    if body.email is not ABSENT:
        email = _email(body.email)
        for existing in Guardian.by_gsi1.query(f"GUARDIANEMAIL#{email}"):
            if (
                existing.tenant_id == principal.tenant_id
                and existing.guardian_id != guardian_id
                and not existing.archived
            ):
                raise Conflict(
                    "Un autre responsable a déjà cette adresse. / Another guardian already "
                    "has this address."
                )
        actions += [
            Guardian.email.set(email),
            Guardian.gsi1pk.set(f"GUARDIANEMAIL#{email}"),
        ]
    if body.child_ids is not ABSENT:
        wanted = set(body.child_ids)  # at least one (type)
        have = set(guardian.child_ids or ())
        add = _children(principal.tenant_id, sorted(wanted - have))
        remove = [
            _get(Child, principal.tenant_id, f"CHILD#{c}", "Enfant", "Child")
            for c in sorted(have - wanted)
        ]
        actions.append(Guardian.child_ids.set(wanted))
    if not actions:
        raise BadRequest("Rien à modifier. / Nothing to change.")
    _audited(
        principal,
        f"guardian:{guardian_id}",
        "updated",
        _updated(guardian, Guardian, actions),
        *_link(guardian, add, remove),
    )
    guardian.refresh(consistent_read=True)
    return _guardian_view(guardian)


def archive_guardian(principal: Principal, guardian_id: str) -> dict[str, Any]:
    """Archive a guardian: they lose access; their past consent history stays as proof."""
    require_director(principal)
    guardian = _get(
        Guardian, principal.tenant_id, f"GUARDIAN#{guardian_id}", "Responsable", "Guardian"
    )
    children = [
        _get(Child, principal.tenant_id, f"CHILD#{c}", "Enfant", "Child")
        for c in sorted(guardian.child_ids or ())
    ]
    _audited(
        principal,
        f"guardian:{guardian_id}",
        "archived",
        _updated(guardian, Guardian, [Guardian.archived.set(True)]),
        *_link(guardian, [], children),
    )
    guardian.refresh(consistent_read=True)
    return _guardian_view(guardian)


# --- Consents recorded by the director -----------------------------------------------------


def child_consent(principal: Principal, child_id: str) -> dict[str, Any]:
    require_director(principal)
    child = consent.require_child(principal.tenant_id, child_id)
    return {
        "child": _child_view(child, None),
        "consent": consent.describe(consent.current(principal.tenant_id, child_id)),
        "history": consent.history(principal.tenant_id, child_id),
    }


def erasure_requests(principal: Principal) -> dict[str, Any]:
    """Open erasure requests of the centre, the most urgent first (docs/erasure.md)."""
    from pellicule.services import erasure

    require_director(principal)
    return {"requests": erasure.pending(principal.tenant_id)}


def request_erasure(principal: Principal, child_id: str, body: c.ErasureRecord) -> dict[str, Any]:
    """The director records a guardian's erasure request (e.g. made on paper)."""
    from pellicule.services import erasure

    require_director(principal)
    child = consent.require_child(principal.tenant_id, child_id)
    if not body.confirm:
        raise BadRequest("Confirmez la demande d'effacement. / Confirm the erasure request.")
    found, created = erasure.request(
        principal.tenant_id, child.child_id, _staff_ref(principal), mode=body.mode
    )
    return {"request": erasure.describe(found), "created": created}


def choose_erasure_mode(
    principal: Principal, child_id: str, body: c.ErasureChoice
) -> dict[str, Any]:
    """The director chooses what happens to the items showing the child: ``{"mode":
    "remove"}`` deletes them, ``{"mode": "blur"}`` keeps those where a face box hides the
    child, re-rendered with the child blurred (docs/erasure.md)."""
    from pellicule.services import erasure

    require_director(principal)
    found = erasure.choose_mode(principal.tenant_id, child_id, body.mode, _staff_ref(principal))
    return {"request": erasure.describe(found)}


def _scan_key(tenant_id: str, child_id: str, scan_id: str) -> str:
    return f"{topology.INGEST_EVIDENCE_PREFIX}t/{tenant_id}/c/{child_id}/{scan_id}"


def scan_grant(principal: Principal, child_id: str, body: c.ScanRequest) -> dict[str, Any]:
    """A presigned POST for the scan of a signed consent form (exact key, type and size)."""
    require_director(principal)
    consent.require_child(principal.tenant_id, child_id)
    content_type, size = body.type, body.size  # PDF, JPEG or PNG of 1 byte to 15 MB (type)
    scan_id = f"{secrets.token_urlsafe(16)}.{SCAN_TYPES[content_type]}"
    key = _scan_key(principal.tenant_id, child_id, scan_id)
    post = aws.client("s3").generate_presigned_post(
        Bucket=get_settings().ingest_bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
        ExpiresIn=topology.UPLOAD.grant_expiry_seconds,
    )
    return {"scan_id": scan_id, "url": post["url"], "fields": post["fields"]}


def _take_scan(tenant_id: str, child_id: str, scan_id: str) -> dict[str, Any]:
    """Check the uploaded scan (size, magic bytes) and move it to the evidence bucket."""
    settings = get_settings()
    s3 = aws.client("s3")
    key = _scan_key(tenant_id, child_id, scan_id)
    from botocore.exceptions import ClientError

    try:
        obj = s3.get_object(Bucket=settings.ingest_bucket, Key=key)
    except ClientError:
        raise BadRequest(
            "Scan introuvable : renvoyez-le. / Scan not found: upload it again."
        ) from None
    content_type = str(obj.get("ContentType") or "")
    body = obj["Body"].read(MAX_SCAN_BYTES + 1)
    if (
        content_type not in SCAN_MAGIC
        or len(body) > MAX_SCAN_BYTES
        or not body.startswith(SCAN_MAGIC[content_type])
    ):
        s3.delete_object(Bucket=settings.ingest_bucket, Key=key)
        raise BadRequest(
            "Le scan n'est pas un PDF, JPEG ou PNG valide. / "
            "The scan is not a valid PDF, JPEG or PNG."
        )
    evidence_key = f"{topology.EVIDENCE_PREFIX}{tenant_id}/c/{child_id}/{scan_id}"
    s3.put_object(
        Bucket=settings.evidence_bucket,
        Key=evidence_key,
        Body=body,
        ContentType=content_type,
        ServerSideEncryption="AES256",
    )
    s3.delete_object(Bucket=settings.ingest_bucket, Key=key)
    return {
        "scan_key": evidence_key,
        "scan_sha256": hashlib.sha256(body).hexdigest(),
        "scan_type": content_type,
        "scan_bytes": len(body),
    }


def _signatories(child: Any, ids: Iterable[str]) -> list[str]:
    signed_by = _ids(ids)
    unknown = set(signed_by) - set(child.guardian_ids or ())
    if unknown:
        raise BadRequest(
            "Les signataires doivent être des responsables de l'enfant. / "
            "Signatories must be guardians of the child."
        )
    return signed_by


def record_paper_consent(
    principal: Principal, child_id: str, body: c.PaperConsent
) -> dict[str, Any]:
    """Record the consent on a signed paper form; its scan is the evidence."""
    require_director(principal)
    child = consent.require_child(principal.tenant_id, child_id)
    if child.archived:
        raise Conflict("Cet enfant est archivé. / This child is archived.")
    settings = tenant_settings.for_tenant(principal.tenant_id)
    now = clock.now()
    requested = {
        "audiences": list(body.audiences),
        "media_kinds": list(body.media_kinds),
        "valid_from": body.valid_from,
        "valid_until": body.valid_until,
    }
    terms = consent.parse_terms(requested, settings, now)
    signed_by = _signatories(child, body.signed_by)
    if not signed_by:
        raise BadRequest("Qui a signé le formulaire ? (signed_by) / Who signed the form?")
    evidence = {
        "kind": "paper_form",
        "recorded_by": principal.principal_id,
        "signed_by": sorted(signed_by),
        **_take_scan(principal.tenant_id, child_id, body.scan_id),
    }
    with _scan_kept_only_if_recorded(evidence):
        outcome = consent.change(
            principal.tenant_id,
            child,
            actor=_staff_ref(principal),
            requested=terms,
            evidence=evidence,
            agreeing=signed_by,
            settings=settings,
            at=now,
        )
    if outcome.action == "unchanged":
        _drop_scan(evidence)  # nothing recorded: the scan proves nothing new
    return outcome.as_dict()


@contextlib.contextmanager
def _scan_kept_only_if_recorded(evidence: dict[str, Any]) -> Iterator[None]:
    """A scan whose consent could not be recorded is not kept (no orphaned evidence)."""
    try:
        yield
    except BaseException:
        _drop_scan(evidence)
        raise


def _drop_scan(evidence: dict[str, Any]) -> None:
    if evidence.get("scan_key"):
        aws.client("s3").delete_object(
            Bucket=get_settings().evidence_bucket, Key=str(evidence["scan_key"])
        )


def record_withdrawal(principal: Principal, child_id: str, body: c.Withdrawal) -> dict[str, Any]:
    """A guardian withdrew by letter, phone or in person: the director records it at once."""
    require_director(principal)
    child = consent.require_child(principal.tenant_id, child_id)
    signed_by = _signatories(child, body.requested_by)
    evidence: dict[str, Any] = {
        "kind": "recorded_by_staff",
        "recorded_by": principal.principal_id,
        "requested_by": sorted(signed_by),
    }
    if body.scan_id is not None:
        evidence.update(_take_scan(principal.tenant_id, child_id, body.scan_id))
    with _scan_kept_only_if_recorded(evidence):
        outcome = consent.change(
            principal.tenant_id,
            child,
            actor=_staff_ref(principal),
            requested=None,
            evidence=evidence,
            agreeing=signed_by,
            settings=tenant_settings.for_tenant(principal.tenant_id),
        )
    if outcome.action == "unchanged":
        _drop_scan(evidence)
    return outcome.as_dict()


def evidence_url(principal: Principal, child_id: str) -> dict[str, Any]:
    """A short-lived link to the scan of the consent in force (directors only)."""
    require_director(principal)
    consent.require_child(principal.tenant_id, child_id)
    record = consent.current(principal.tenant_id, child_id)
    key = record.evidence.as_dict().get("scan_key") if record and record.evidence else None
    if not key:
        raise NotFound("Pas de scan pour ce consentement. / No scan for this consent.")
    url = aws.client("s3").generate_presigned_url(
        "get_object",
        Params={"Bucket": get_settings().evidence_bucket, "Key": key},
        ExpiresIn=300,
    )
    return {"url": url, "expires_in": 300}


# --- Albums --------------------------------------------------------------------------------


def _album_view(album: Album) -> dict[str, Any]:
    return {
        "album_id": album.album_id,
        "title": album.title,
        "date": album.album_date,
        "group_id": album.group_id,
        "archived": bool(album.archived),
    }


def _date(tenant_id: str, value: str) -> str:
    """The album's date, within the bounds of ``retention.album_date_bounds``: an album dated
    far ahead would otherwise keep its photos past the centre's retention (docs/retention.md).
    """
    import datetime

    from pellicule.services import retention

    day = datetime.date.fromisoformat(value)  # a real day (type)
    months = tenant_settings.for_tenant(tenant_id).media_retention_months
    earliest, latest = retention.album_date_bounds(months, clock.now())
    if not earliest <= day <= latest:
        ahead = retention.ALBUM_DAYS_AHEAD
        raise BadRequest(
            f"Date de l'album : entre le {earliest.isoformat()} et le {latest.isoformat()} "
            f"(au plus {ahead} jours à l'avance, et pas avant la durée de conservation du "
            f"centre, {months} mois). / Album date: between {earliest.isoformat()} and "
            f"{latest.isoformat()} (at most {ahead} days ahead, and not older than the "
            f"centre's retention, {months} months)."
        )
    return day.isoformat()


def _album_audited(
    principal: Principal, album_id: str, details: dict[str, Any], write: audit.Companion
) -> None:
    """Write an album and the audit entry of its date in one transaction (all or nothing):
    its date decides how long its photos are kept."""
    try:
        audit.append(
            principal.tenant_id,
            "album_changed",
            _staff_ref(principal),
            f"album:{album_id}",
            details,
            companions=(write,),
        )
    except audit.CompanionConflictError:
        raise Conflict(
            "Modification concurrente ; réessayez. / Concurrent change; retry."
        ) from None


def list_albums(principal: Principal) -> dict[str, Any]:
    if not principal.is_staff:
        raise Forbidden("Réservé à l'équipe du centre. / Staff only.")
    albums = sorted(
        _list(Album, principal.tenant_id, "ALBUM#"), key=lambda a: a.album_date, reverse=True
    )
    return {"albums": [_album_view(a) for a in albums]}


def create_album(principal: Principal, body: c.AlbumCreate) -> dict[str, Any]:
    if not principal.is_staff:
        raise Forbidden("Réservé à l'équipe du centre. / Staff only.")
    group_id = body.group_id
    if group_id is not None:
        group_id = _require_group(principal.tenant_id, group_id).group_id
    album_id = _new_id()
    album = Album(
        tenant_pk(principal.tenant_id),
        f"ALBUM#{album_id}",
        tenant_id=principal.tenant_id,
        album_id=album_id,
        title=_text(body.title, "title", "Titre"),
        album_date=_date(principal.tenant_id, body.date),
        group_id=group_id,
        created_at=int(clock.now()),
    )
    _album_audited(
        principal, album_id, {"change": "created", "date": album.album_date}, _created(album, Album)
    )
    return _album_view(album)


def update_album(principal: Principal, album_id: str, body: c.AlbumChange) -> dict[str, Any]:
    if not principal.is_staff:
        raise Forbidden("Réservé à l'équipe du centre. / Staff only.")
    album = _get(Album, principal.tenant_id, f"ALBUM#{album_id}", "Album", "Album")
    actions = []
    if body.title is not ABSENT:
        actions.append(Album.title.set(_text(body.title, "title", "Titre")))
    redated: dict[str, Any] = {}
    if body.date is not ABSENT:
        date = _date(principal.tenant_id, body.date)
        if date != album.album_date:  # the same date sent again is no change to record
            actions.append(Album.album_date.set(date))
            redated = {"change": "redated", "date": date, "previous_date": album.album_date}
    if body.group_id is not ABSENT:
        require_director(principal)  # changes who may see the album
        group_id = body.group_id
        if group_id is None:
            actions.append(Album.group_id.remove())
        else:
            actions.append(
                Album.group_id.set(_require_group(principal.tenant_id, group_id).group_id)
            )
    if not actions:
        if body.date is not ABSENT:  # only the date it had: nothing changes, nothing recorded
            return _album_view(album)
        raise BadRequest("Rien à modifier. / Nothing to change.")
    if redated:
        _album_audited(principal, album_id, redated, _updated(album, Album, actions))
        album.refresh(consistent_read=True)
    else:
        album.update(actions=actions)
    return _album_view(album)


# --- Tagging, validation, publication ------------------------------------------------------


def _media(principal: Principal, media_id: str) -> Media:
    if not principal.is_staff:
        raise Forbidden("Réservé à l'équipe du centre. / Staff only.")
    media: Media = _get(Media, principal.tenant_id, f"MEDIA#{media_id}", "Élément", "Item")
    return media


def _preview(media: Media, at: float) -> dict[str, Any]:
    """Per audience, what the gate would show if the item were published now."""
    item = dataclasses.replace(publication.gate_item(media), validated=True)
    found = publishable(item, AUDIENCES, consent.grants(media.tenant_id, item.tagged_child_ids), at)
    return {
        audience: {
            "visibility": decision.visibility.value,
            "reasons": list(decision.reasons),
            "uncovered_child_ids": sorted(decision.uncovered_child_ids),
        }
        for audience, decision in found.items()
    }


def media_view(media: Media, at: float) -> dict[str, Any]:
    return {
        "media_id": media.media_id,
        "album_id": media.album_id,
        "kind": media.kind,
        "state": media.state,
        "tagged_child_ids": sorted(media.tagged_child_ids or ()),
        "no_identifiable_child": bool(media.no_identifiable_child),
        "blurred_child_ids": sorted(media.blurred_child_ids or ()),
        "has_blurred_variant": bool(media.blurred and media.blurred.as_dict()),
        "published_audiences": sorted(media.published_audiences or ()),
        "rejection_reason": media.rejection_reason,
        # hidden: "gate" (no audience may see it now; back by itself when consents allow it)
        # or "director" (taken down by hand); null otherwise.
        "hidden_by": _hidden_by(media),
        "uploaded_by": media.uploaded_by,
        "version": int(media.version or 0),
        "gate": _preview(media, at),
    }


def _hidden_by(media: Media) -> str | None:
    if media.state != "hidden":
        return None
    if media.hidden_by == publication.HIDDEN_BY_GATE:
        return publication.HIDDEN_BY_GATE
    return publication.HIDDEN_BY_DIRECTOR


CHANGED = "L'élément a changé ; rechargez. / The item changed; please reload."


def _write_media(
    principal: Principal,
    media: Media,
    action: str,
    details: dict[str, Any],
    actions: Iterable[Any],
    *,
    at: float,
    also: Iterable[audit.Companion] = (),
) -> None:
    """Update ``media`` and write its audit entry in one transaction, provided nobody changed
    the item since it was read (its version and state); then reload it."""
    try:
        audit.append(
            principal.tenant_id,
            action,
            _staff_ref(principal),
            f"media:{media.media_id}",
            details,
            at=at,
            companions=(
                audit.Companion(
                    media,
                    (Media.version == media.version) & (Media.state == media.state),
                    op="update",
                    actions=(
                        *actions,
                        Media.version.set(int(media.version or 0) + 1),
                        Media.updated_at.set(int(at)),
                    ),
                ),
                *also,
            ),
        )
    except audit.CompanionConflictError:
        raise Conflict(CHANGED) from None
    media.refresh(consistent_read=True)


EDITABLE_STATES = ("ready", "published", "hidden", "rejected")


def set_tags(principal: Principal, media_id: str, body: c.Tags) -> dict[str, Any]:
    """Tag the children who appear (roster chips), or mark "no identifiable child"."""
    media = _media(principal, media_id)
    if media.state not in EDITABLE_STATES:
        raise Conflict("L'élément n'est pas encore traité. / The item is not processed yet.")
    child_ids = _ids(body.child_ids)  # at most MAX_TAGS (type)
    flag = body.no_identifiable_child
    if flag and child_ids:
        raise BadRequest(
            "Un élément avec des enfants identifiés ne peut pas être marqué « aucun enfant "
            "identifiable ». / An item with tagged children cannot be marked "
            "'no identifiable child'."
        )
    _children(principal.tenant_id, child_ids)  # every id exists in this centre, not archived
    expected_version = body.version
    if expected_version is not None and expected_version != int(media.version or 0):
        raise Conflict("L'élément a changé ; rechargez. / The item changed; please reload.")
    before = set(media.tagged_child_ids or ())
    after = set(child_ids)
    pk = tenant_pk(principal.tenant_id)
    blurred_left = set(media.blurred_child_ids or ()) & after
    tag_writes = [
        audit.Companion(
            MediaTag(
                pk,
                f"TAG#{child_id}#{media_id}",
                tenant_id=principal.tenant_id,
                child_id=child_id,
                media_id=media_id,
                album_id=media.album_id,
            )
        )
        for child_id in sorted(after - before)
    ] + [
        audit.Companion(MediaTag(pk, f"TAG#{child_id}#{media_id}"), op="delete")
        for child_id in sorted(before - after)
    ]
    _write_media(
        principal,
        media,
        "tagging",
        {"children": len(after), "no_identifiable_child": "true" if flag else "false"},
        (
            Media.tagged_child_ids.set(after) if after else Media.tagged_child_ids.remove(),
            Media.no_identifiable_child.set(flag),
            # A blur chosen for a child who is no longer tagged means nothing any more.
            Media.blurred_child_ids.set(blurred_left)
            if blurred_left
            else Media.blurred_child_ids.remove(),
            # An item the gate hid and whose children then changed is not put back by the
            # gate alone: a director publishes it again (nothing reaches families unvalidated).
            *(
                (Media.hidden_by.set(publication.HIDDEN_BY_DIRECTOR),)
                if media.state == "hidden"
                else ()
            ),
        ),
        at=clock.now(),
        also=tag_writes,
    )
    return media_view(media, clock.now())


def validation_queue(principal: Principal) -> dict[str, Any]:
    """Processed items waiting for a decision, oldest first, with the gate's preview; and the
    hidden items (by the gate or by a director), most recently hidden first, which a director
    may publish again."""
    if not principal.is_staff:
        raise Forbidden("Réservé à l'équipe du centre. / Staff only.")
    now = clock.now()
    items = _list(Media, principal.tenant_id, "MEDIA#")
    waiting = [m for m in items if m.state == "ready"]
    waiting.sort(key=lambda m: (m.created_at, m.media_id))
    hidden = [m for m in items if m.state == "hidden"]
    hidden.sort(key=lambda m: (-int(m.updated_at or 0), m.media_id))
    return {
        "items": [media_view(m, now) for m in waiting[:PAGE]],
        "hidden": [media_view(m, now) for m in hidden[:PAGE]],
    }


def _default_audiences(tenant_id: str, media: Media) -> list[str]:
    album = _get(Album, tenant_id, f"ALBUM#{media.album_id}", "Album", "Album")
    return [FAMILIES_OF_GROUP] if album.group_id else [ALL_FAMILIES_OF_CENTRE]


def review(principal: Principal, media_id: str, body: c.Review) -> dict[str, Any]:
    """Approve (and publish to the audiences the gate allows) or reject with a reason."""
    media = _media(principal, media_id)
    settings = tenant_settings.for_tenant(principal.tenant_id)
    if not _may_publish(principal, settings):
        raise Forbidden("Seule la direction valide les photos. / Only directors validate items.")
    if body.decision == "reject":
        return _reject(principal, media, body.reason)
    return publish(
        principal,
        media_id,
        c.Publication(audiences=body.audiences),
        media=media,
        settings=settings,
    )


def _reject(principal: Principal, media: Media, reason: str | None) -> dict[str, Any]:
    reason = _text(reason or "", "reason", "Motif du refus")
    if media.state not in ("ready", "hidden"):
        raise Conflict(
            "Cet élément n'attend pas de validation. / This item is not awaiting review."
        )
    now = int(clock.now())
    _write_media(
        principal,
        media,
        "validation",
        {"decision": "rejected"},
        (
            Media.state.set("rejected"),
            Media.hidden_by.remove(),
            Media.rejection_reason.set(reason),
            Media.reviewed_by.set(principal.principal_id),
            Media.reviewed_at.set(now),
        ),
        at=now,
    )
    return media_view(media, now)


def publish(
    principal: Principal,
    media_id: str,
    body: c.Publication,
    *,
    media: Media | None = None,
    settings: tenant_settings.TenantSettings | None = None,
) -> dict[str, Any]:
    """Publish to the requested audiences that the gate allows now; refuse if none."""
    media = media or _media(principal, media_id)
    settings = settings or tenant_settings.for_tenant(principal.tenant_id)
    if not _may_publish(principal, settings):
        raise Forbidden("Seule la direction publie. / Only directors publish.")
    if media.state not in ("ready", "published", "hidden"):
        raise Conflict(
            "Seul un élément traité et non refusé se publie. / Only a processed, non-rejected "
            "item can be published."
        )
    requested = (
        sorted(set(body.audiences))
        if body.audiences is not None
        else _default_audiences(principal.tenant_id, media)
    )
    now = clock.now()
    preview = _preview(media, now)
    allowed = [a for a in requested if preview[a]["visibility"] != Visibility.HIDDEN.value]
    if not allowed:
        problems = sorted({r for a in requested for r in preview[a]["reasons"]})
        raise Conflict(
            "Publication impossible : " + ", ".join(problems) + ". Identifiez les enfants (ou "
            "cochez « aucun enfant identifiable »), floutez ceux sans consentement. / Cannot "
            "publish: tag the children (or mark 'no identifiable child') and blur those without "
            "consent."
        )
    _write_media(
        principal,
        media,
        "publication",
        {
            "audiences": ",".join(allowed),
            "refused": ",".join(sorted(set(requested) - set(allowed))) or "none",
            "visibility": ",".join(f"{a}={preview[a]['visibility']}" for a in allowed),
        },
        (
            Media.state.set("published"),
            Media.hidden_by.remove(),
            Media.published_audiences.set(set(allowed)),
            Media.published_at.set(int(now)),
            Media.reviewed_by.set(principal.principal_id),
            Media.reviewed_at.set(int(now)),
            Media.rejection_reason.remove(),
        ),
        at=now,
    )
    view = media_view(media, now)
    view["refused_audiences"] = sorted(set(requested) - set(allowed))
    return view


def unpublish(principal: Principal, media_id: str) -> dict[str, Any]:
    """Take an item down at once (its served copies are then replaced by revocation)."""
    require_director(principal)
    media = _media(principal, media_id)
    if media.state != "published":
        raise Conflict("Cet élément n'est pas publié. / This item is not published.")
    now = int(clock.now())
    _write_media(
        principal,
        media,
        "unpublication",
        {"reason": "director"},
        (Media.state.set("hidden"), Media.hidden_by.set(publication.HIDDEN_BY_DIRECTOR)),
        at=now,
    )
    return media_view(media, now)


# --- Audit ---------------------------------------------------------------------------------


def audit_export(principal: Principal, fmt: Literal["json", "csv"]) -> tuple[str, str]:
    require_director(principal)
    data.ready()
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return audit.export(principal.tenant_id, fmt), content_type


def audit_verify(principal: Principal) -> dict[str, Any]:
    require_director(principal)
    data.ready()
    report = audit.verify(principal.tenant_id)
    return {
        "ok": report.ok,
        "checked": report.checked,
        "first_broken_seq": report.first_broken_seq,
        "problem": report.problem,
    }
