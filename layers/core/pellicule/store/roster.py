"""The roster store: where Staff, Site, Group, Child and Guardian items are read and written (a
centre's people and how they are grouped). Every use case goes through it (the staff API, the
consents store, the family space, the digest, publication, the erasure of a child); sign-in
reads a person as they are now through the sessions store. The seed and the operator's tooling
(outside the Lambda functions) still write the models themselves.

Reading: one item by id (``None`` when absent, or a 404 ``NotFound`` for the ``*_or_404``
helpers, which refuse an id that cannot name anything without reading), every item of a kind
in a centre, and the staff members or guardians of an e-mail address in every centre (gsi1).
Writing: the store builds the items and their update actions; each write is an
:class:`audit.Companion` the caller commits with its audit entry in one transaction
(``audit.append``), so a roster change and its record exist together or not at all. Key
formats: ``pellicule.store.keys``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from pynamodb.exceptions import DoesNotExist, UpdateError

from pellicule.domain.errors import NotFound
from pellicule.store import audit, data, keys, writes
from pellicule.store.models import Child, Group, Guardian, Site, Staff

# The item types callers hold (they read their attributes; they write them only through this
# module's functions).
StaffRecord = Staff
SiteRecord = Site
GroupRecord = Group
ChildRecord = Child
GuardianRecord = Guardian
RosterRecord = Staff | Site | Group | Child | Guardian
R = TypeVar("R", Staff, Site, Group, Child, Guardian)

# At most this many items of one kind are read for a centre's list.
LIST_LIMIT = 2000
# What an id from a request may look like; anything else names nothing (404 without a read).
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Attributes a change never sets: the keys, the centre, the item's own id and the index
# attributes (an address's index entry follows its ``email``).
_FIXED = frozenset({"pk", "sk", "gsi1pk", "gsi1sk", "tenant_id"})
_OWN_ID = {
    Staff: "staff_id",
    Site: "site_id",
    Group: "group_id",
    Child: "child_id",
    Guardian: "guardian_id",
}
# The index entry that follows a new address.
_EMAIL_INDEX: dict[type[Any], Callable[[str], Any]] = {
    Staff: lambda address: Staff.gsi1pk.set(keys.staff_email_gsi(address)),
    Guardian: lambda address: Guardian.gsi1pk.set(keys.guardian_email_gsi(address)),
}


# --- Reading -------------------------------------------------------------------------------


def _find(model: type[R], tenant_id: str, sk: str, *, consistent: bool) -> R | None:
    data.ready()
    try:
        return model.get(keys.tenant_pk(tenant_id), sk, consistent_read=consistent)
    except DoesNotExist:
        return None


def _by_id(model: type[R], tenant_id: str, item_id: str, sk: str) -> R | None:
    """The item read consistently; ``None`` without a read for an id that names nothing."""
    return _find(model, tenant_id, sk, consistent=True) if _ID.match(item_id) else None


def _every(model: type[R], tenant_id: str, prefix: str) -> list[R]:
    data.ready()
    return list(
        model.query(keys.tenant_pk(tenant_id), model.sk.startswith(prefix), limit=LIST_LIMIT)
    )


def staff_member(tenant_id: str, staff_id: str) -> Staff | None:
    """A staff member (an eventually consistent read), or ``None``."""
    return _find(Staff, tenant_id, keys.staff_sk(staff_id), consistent=False)


def child(tenant_id: str, child_id: str) -> Child | None:
    """A child (a consistent read), or ``None``."""
    return _find(Child, tenant_id, keys.child_sk(child_id), consistent=True)


def staff_or_404(tenant_id: str, staff_id: str) -> Staff:
    found = _by_id(Staff, tenant_id, staff_id, keys.staff_sk(staff_id))
    if found is None:
        raise NotFound("staff_not_found")
    return found


def site_or_404(tenant_id: str, site_id: str) -> Site:
    found = _by_id(Site, tenant_id, site_id, keys.site_sk(site_id))
    if found is None:
        raise NotFound("site_not_found")
    return found


def group_or_404(tenant_id: str, group_id: str) -> Group:
    found = _by_id(Group, tenant_id, group_id, keys.group_sk(group_id))
    if found is None:
        raise NotFound("group_not_found")
    return found


def child_or_404(tenant_id: str, child_id: str) -> Child:
    found = _by_id(Child, tenant_id, child_id, keys.child_sk(child_id))
    if found is None:
        raise NotFound("child_not_found")
    return found


def guardian_or_404(tenant_id: str, guardian_id: str) -> Guardian:
    found = _by_id(Guardian, tenant_id, guardian_id, keys.guardian_sk(guardian_id))
    if found is None:
        raise NotFound("guardian_not_found")
    return found


def every_staff(tenant_id: str) -> list[Staff]:
    return _every(Staff, tenant_id, keys.STAFF)


def sites(tenant_id: str) -> list[Site]:
    return _every(Site, tenant_id, keys.SITE)


def groups(tenant_id: str) -> list[Group]:
    return _every(Group, tenant_id, keys.GROUP)


def children(tenant_id: str) -> list[Child]:
    return _every(Child, tenant_id, keys.CHILD)


def guardians(tenant_id: str) -> list[Guardian]:
    return _every(Guardian, tenant_id, keys.GUARDIAN)


def staff_with_email(address: str) -> Iterator[Staff]:
    """The staff members with this address, in every centre (archived ones included)."""
    data.ready()
    return iter(Staff.by_gsi1.query(keys.staff_email_gsi(address)))


def guardians_with_email(address: str) -> Iterator[Guardian]:
    """The guardians with this address, in every centre (archived ones included)."""
    data.ready()
    return iter(Guardian.by_gsi1.query(keys.guardian_email_gsi(address)))


def guardians_linked(tenant_id: str, child_id: str) -> set[str]:
    """The ids of the guardians whose record names the child, archived ones included (every
    guardian of the centre is read: the child's own list may miss one)."""
    data.ready()
    found = Guardian.query(keys.tenant_pk(tenant_id), Guardian.sk.startswith(keys.GUARDIAN))
    return {g.guardian_id for g in found if child_id in (g.child_ids or set())}


def guardian_ref(tenant_id: str, guardian_id: str) -> Guardian:
    """A guardian by its key only, not read (to update it in a transaction)."""
    return Guardian(keys.tenant_pk(tenant_id), keys.guardian_sk(guardian_id))


def guardian_unlinked(tenant_id: str, guardian_id: str, child_id: str) -> writes.Update:
    """Remove an erased child from a guardian's links (in the erasure's transaction,
    ``writes.transact``)."""
    return (guardian_ref(tenant_id, guardian_id), [Guardian.child_ids.delete({child_id})])


def child_ref(tenant_id: str, child_id: str) -> Child:
    """A child by its key only, not read (to delete it in a transaction)."""
    return Child(keys.tenant_pk(tenant_id), keys.child_sk(child_id))


def reloaded(item: R) -> R:
    """``item`` read again, consistently (after a write)."""
    item.refresh(consistent_read=True)
    return item


# --- New items -----------------------------------------------------------------------------


def new_staff(
    tenant_id: str, staff_id: str, *, role: str, display_name: str, email: str, trusted: bool
) -> Staff:
    return Staff(
        keys.tenant_pk(tenant_id),
        keys.staff_sk(staff_id),
        tenant_id=tenant_id,
        staff_id=staff_id,
        role=role,
        display_name=display_name,
        email=email,
        trusted=trusted,
        gsi1pk=keys.staff_email_gsi(email),
        gsi1sk=keys.staff_email_gsi_sk(tenant_id),
    )


def new_site(tenant_id: str, site_id: str, *, name: str) -> Site:
    return Site(
        keys.tenant_pk(tenant_id),
        keys.site_sk(site_id),
        tenant_id=tenant_id,
        site_id=site_id,
        name=name,
    )


def new_group(tenant_id: str, group_id: str, *, name: str, site_id: str | None) -> Group:
    return Group(
        keys.tenant_pk(tenant_id),
        keys.group_sk(group_id),
        tenant_id=tenant_id,
        group_id=group_id,
        name=name,
        site_id=site_id,
    )


def new_child(
    tenant_id: str, child_id: str, *, first_name: str, initial: str, group_id: str
) -> Child:
    return Child(
        keys.tenant_pk(tenant_id),
        keys.child_sk(child_id),
        tenant_id=tenant_id,
        child_id=child_id,
        first_name=first_name,
        initial=initial,
        group_id=group_id,
    )


def new_guardian(
    tenant_id: str,
    guardian_id: str,
    *,
    email: str,
    child_ids: Iterable[str],
    welcome_due: bool = False,
) -> Guardian:
    extra: dict[str, Any] = {"welcome_due": True} if welcome_due else {}
    return Guardian(
        keys.tenant_pk(tenant_id),
        keys.guardian_sk(guardian_id),
        tenant_id=tenant_id,
        guardian_id=guardian_id,
        email=email,
        child_ids=set(child_ids),
        gsi1pk=keys.guardian_email_gsi(email),
        gsi1sk=keys.guardian_email_gsi_sk(tenant_id),
        **extra,
    )


# --- Writes (committed by the caller with the audit entry) ---------------------------------


def created(item: RosterRecord) -> audit.Companion:
    """Save a new item, on condition that no item has its key."""
    return audit.Companion(item, type(item).pk.does_not_exist())


def updated(item: RosterRecord, changes: Mapping[str, Any]) -> audit.Companion:
    """Set the attributes named in ``changes`` (``None`` removes one), on condition that the
    item exists. A new ``email`` moves the address's index entry with it."""
    actions = _change_actions(item, changes)
    if not actions:
        raise ValueError("nothing to change")
    return _update(item, actions)


def _change_actions(item: RosterRecord, changes: Mapping[str, Any]) -> list[Any]:
    model = type(item)
    attributes = model.get_attributes()
    actions = []
    for name, value in changes.items():
        if name in _FIXED or name == _OWN_ID[model] or name not in attributes:
            raise ValueError(f"{model.__name__}.{name} cannot be changed")
        attribute = getattr(model, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
        if name == "email" and model in _EMAIL_INDEX:
            actions.append(_EMAIL_INDEX[model](value))
    return actions


def updated_and_linked(
    item: Child | Guardian, changes: Mapping[str, Any], linked: Iterable[str]
) -> audit.Companion:
    """``updated`` plus links added to this side (a child's ``guardian_ids``, a guardian's
    ``child_ids``) in one write: the roster import's (the other side is written in the same
    transaction, ``pellicule.store.roster_import``)."""
    actions = _change_actions(item, changes)
    ids = set(linked)
    if ids:
        links_of = Child.guardian_ids if isinstance(item, Child) else Guardian.child_ids
        actions.append(links_of.add(ids))
    if not actions:
        raise ValueError("nothing to change")
    return _update(item, actions)


def archived(item: RosterRecord) -> audit.Companion:
    """Mark the item archived (it stays, as history)."""
    return updated(item, {"archived": True})


def links(
    guardian_id: str, *, add: Iterable[Child], remove: Iterable[Child]
) -> list[audit.Companion]:
    """The children's side of a guardian's links (the caller writes the guardian's side,
    ``child_ids``, in the same transaction)."""
    return [
        *(_update(c, [Child.guardian_ids.add({guardian_id})]) for c in add),
        *(_update(c, [Child.guardian_ids.delete({guardian_id})]) for c in remove),
    ]


def _update(item: RosterRecord, actions: Iterable[Any]) -> audit.Companion:
    return audit.Companion(item, type(item).pk.exists(), op="update", actions=tuple(actions))


# --- Families, digest and publication ------------------------------------------------------


class DigestClaimError(RuntimeError):
    """Recording a guardian's digest failed for another reason than a concurrent change."""


def guardian(tenant_id: str, guardian_id: str, *, consistent: bool = False) -> Guardian | None:
    """A guardian (the signed-in one, or the one an unsubscribe link names), or ``None``."""
    return _find(Guardian, tenant_id, keys.guardian_sk(guardian_id), consistent=consistent)


def children_named(tenant_id: str, child_ids: Iterable[str]) -> dict[str, Child]:
    """The children among ``child_ids`` that exist (eventually consistent reads), by id."""
    found = {}
    for child_id in sorted(set(child_ids)):
        item = _find(Child, tenant_id, keys.child_sk(child_id), consistent=False)
        if item is not None:
            found[child_id] = item
    return found


def every_child(tenant_id: str) -> Iterator[Child]:
    """Every child of a centre, with no limit (the gate's groups, the digest)."""
    data.ready()
    return iter(Child.query(keys.tenant_pk(tenant_id), Child.sk.startswith(keys.CHILD)))


def every_guardian(tenant_id: str) -> Iterator[Guardian]:
    """Every guardian of a centre, with no limit (the digest's run)."""
    data.ready()
    return iter(Guardian.query(keys.tenant_pk(tenant_id), Guardian.sk.startswith(keys.GUARDIAN)))


def claim_digest(item: Guardian, *, at: int, threshold: int, unsubscribe_hashes: list[str]) -> bool:
    """Record today's digest of a guardian before it is sent, in one conditional write: the
    guardian still exists with the same address, is neither archived nor unsubscribed, and
    got no digest since ``threshold``. ``False``: someone else claimed it (or things changed).
    Raises :class:`DigestClaimError` when the write failed otherwise."""
    try:
        item.update(
            actions=[
                Guardian.last_digest_at.set(at),
                Guardian.unsubscribe_hashes.set(unsubscribe_hashes),
            ],
            condition=(
                Guardian.pk.exists()
                & (Guardian.last_digest_at.does_not_exist() | (Guardian.last_digest_at < threshold))
                & Guardian.digest_unsubscribed_at.does_not_exist()
                & (Guardian.archived.does_not_exist() | (Guardian.archived == False))  # noqa: E712
                & (Guardian.email == item.email)
            ),
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise DigestClaimError(error.cause_response_code or "update failed") from error
    return True


def release_digest(item: Guardian, *, at: int, previous: int | None) -> None:
    """Give back a digest claimed at ``at`` that could not be sent (the previous time, or
    none); a guardian changed meanwhile is left as it is."""
    action = (
        Guardian.last_digest_at.remove()
        if previous is None
        else Guardian.last_digest_at.set(previous)
    )
    with contextlib.suppress(UpdateError):
        item.update(actions=[action], condition=Guardian.last_digest_at == at)


def digest_subscription(item: Guardian, *, subscribed: bool, at: int) -> audit.Companion:
    """Subscribe a guardian to the digest again, or unsubscribe them at ``at``; the write's
    condition fails (``audit.CompanionConflictError``) if it is already so."""
    target = Guardian(item.pk, item.sk)
    action: Any
    if subscribed:
        action = Guardian.digest_unsubscribed_at.remove()
        condition = Guardian.pk.exists() & Guardian.digest_unsubscribed_at.exists()
    else:
        action = Guardian.digest_unsubscribed_at.set(at)
        condition = Guardian.pk.exists() & Guardian.digest_unsubscribed_at.does_not_exist()
    return audit.Companion(target, condition, op="update", actions=(action,))


# --- Welcome e-mail (issue 17) ---------------------------------------------------------------


def claim_welcome(item: Guardian, *, at: int) -> bool:
    """Record a guardian's welcome e-mail before it is sent, in one conditional write: it is
    still due, was never sent, and the guardian is active with the same address. ``False``:
    sent already (a retry, another run), or no longer due."""
    try:
        item.update(
            actions=[Guardian.welcome_sent_at.set(at), Guardian.welcome_due.remove()],
            condition=(
                Guardian.pk.exists()
                & (Guardian.welcome_due == True)  # noqa: E712
                & Guardian.welcome_sent_at.does_not_exist()
                & (Guardian.archived.does_not_exist() | (Guardian.archived == False))  # noqa: E712
                & (Guardian.email == item.email)
            ),
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def release_welcome(item: Guardian, *, at: int) -> None:
    """Give back a welcome claimed at ``at`` that could not be sent: due again (the digest's
    run retries it)."""
    with contextlib.suppress(UpdateError):
        item.update(
            actions=[Guardian.welcome_sent_at.remove(), Guardian.welcome_due.set(True)],
            condition=Guardian.welcome_sent_at == at,
        )
