"""The relatives store (issue 17, docs/relatives.md): the Relative items a guardian invites,
and the guardian's side of the limit (``Guardian.relative_ids``).

Reading: one relative (by id), a guardian's relatives, every relative of an e-mail address in
every centre (gsi1, for the sign-in lookup). Writing: :func:`invited` and :func:`revoked` give
:class:`audit.Companion` writes the caller commits with its audit entry in one transaction,
so an invitation (or revocation) and its record exist together or not at all. The limit per
guardian is a condition on the size of ``Guardian.relative_ids`` in that transaction, so
parallel invitations cannot exceed it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import size

from pellicule.store import audit, data, keys
from pellicule.store.models import Guardian, Relative

RelativeRecord = Relative
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LIST_LIMIT = 200


def relative(tenant_id: str, relative_id: str, *, consistent: bool = True) -> Relative | None:
    """A relative (revoked ones included), or ``None`` (without a read for a malformed id)."""
    if not _ID.match(relative_id):
        return None
    data.ready()
    try:
        return Relative.get(
            keys.tenant_pk(tenant_id), keys.relative_sk(relative_id), consistent_read=consistent
        )
    except DoesNotExist:
        return None


def of_guardian(tenant_id: str, guardian_id: str) -> list[Relative]:
    """The relatives a guardian invited and has not revoked, oldest first."""
    data.ready()
    found = Relative.query(
        keys.tenant_pk(tenant_id),
        Relative.sk.startswith(keys.RELATIVE),
        filter_condition=(Relative.invited_by == guardian_id)
        & Relative.revoked_at.does_not_exist(),
        consistent_read=True,
        limit=LIST_LIMIT,
    )
    return sorted(found, key=lambda r: (int(r.created_at), r.relative_id))


def with_email(address: str) -> Iterator[Relative]:
    """The relatives with this address, in every centre (revoked ones leave the index)."""
    data.ready()
    return iter(Relative.by_gsi1.query(keys.relative_email_gsi(address)))


def new_relative(
    tenant_id: str,
    relative_id: str,
    *,
    email: str,
    invited_by: str,
    may_download: bool,
    at: int,
) -> Relative:
    return Relative(
        keys.tenant_pk(tenant_id),
        keys.relative_sk(relative_id),
        tenant_id=tenant_id,
        relative_id=relative_id,
        email=email,
        invited_by=invited_by,
        may_download=may_download,
        created_at=at,
        gsi1pk=keys.relative_email_gsi(email),
        gsi1sk=keys.relative_email_gsi_sk(tenant_id, relative_id),
    )


def invited(guardian: Guardian, item: Relative, limit: int) -> tuple[audit.Companion, ...]:
    """Save a new relative and count it on the guardian, on condition that the guardian is
    still active and has fewer than ``limit`` relatives (``CompanionConflictError`` else)."""
    target = Guardian(guardian.pk, guardian.sk)
    condition = (
        Guardian.pk.exists()
        & (Guardian.archived.does_not_exist() | (Guardian.archived == False))  # noqa: E712
        & (Guardian.relative_ids.does_not_exist() | (size(Guardian.relative_ids) < limit))
    )
    return (
        audit.Companion(item, Relative.pk.does_not_exist()),
        audit.Companion(
            target,
            condition,
            op="update",
            actions=(Guardian.relative_ids.add({item.relative_id}),),
        ),
    )


# A revoked relative's item (their address) is kept this long, then DynamoDB's TTL deletes it.
REVOKED_KEPT_SECONDS = 30 * 24 * 3600


def revoked(item: Relative, at: int) -> tuple[audit.Companion, ...]:
    """Mark a relative revoked (it leaves the sign-in index at once, and the table after
    :data:`REVOKED_KEPT_SECONDS`) and take it off its guardian's count; fails
    (``CompanionConflictError``) if it was revoked already."""
    target = Relative(item.pk, item.sk)
    guardian = Guardian(keys.tenant_pk(item.tenant_id), keys.guardian_sk(item.invited_by))
    return (
        audit.Companion(
            target,
            Relative.pk.exists() & Relative.revoked_at.does_not_exist(),
            op="update",
            actions=(
                Relative.revoked_at.set(at),
                Relative.expires_at.set(at + REVOKED_KEPT_SECONDS),
                Relative.gsi1pk.remove(),
                Relative.gsi1sk.remove(),
            ),
        ),
        audit.Companion(
            guardian,
            Guardian.pk.exists(),
            op="update",
            actions=(Guardian.relative_ids.delete({item.relative_id}),),
        ),
    )
