"""The tenants store: a centre's profile item (``TENANT#<id>`` / ``PROFILE``), as sign-in, the
second factor and a centre's settings read it, and the write of its settings. (The operator's
tooling creates, suspends and deletes centres itself: ``pellicule_ops.tenants``.)

Reading gives the profile item (``None`` when the centre is gone); writing the settings is an
:class:`audit.Companion` the caller commits with its audit entry (``audit.append``). The joint
read of a centre's profile with a person's item, on every request, is the sessions store's
(``pellicule.store.sessions.person_and_centre``). The centres a scheduled run visits come
from the centres index (gsi1 ``CENTRES``), never from a scan. Key formats:
``pellicule.store.keys``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pynamodb.exceptions import DoesNotExist

from pellicule.store import audit, data, keys
from pellicule.store.models import Tenant

# The item type callers hold (they read its attributes; they write it only through this module).
TenantRecord = Tenant

ACTIVE = "active"


def profile(tenant_id: str) -> Tenant | None:
    """A centre's profile item (an eventually consistent read), or ``None``."""
    data.ready()
    try:
        return Tenant.get(keys.tenant_pk(tenant_id), keys.PROFILE)
    except DoesNotExist:
        return None


def is_active(record: Tenant) -> bool:
    """Whether a centre lets its people in (neither suspended nor being deleted)."""
    return (record.status or ACTIVE) == ACTIVE


def settings_of(record: Tenant) -> dict[str, Any]:
    """The settings map stored on a profile item, as plain values (``{}``: none stored)."""
    return dict(record.settings.as_dict()) if record.settings else {}


def settings_written(tenant_id: str, settings: Mapping[str, Any]) -> audit.Companion:
    """The write that keeps ``settings`` on the centre's profile item, on condition that the
    item exists: the caller commits it with its audit entry (``audit.append``)."""
    return audit.Companion(
        Tenant(keys.tenant_pk(tenant_id), keys.PROFILE),
        Tenant.pk.exists(),
        op="update",
        actions=(Tenant.settings.set(dict(settings)),),
    )


def centres_for_digest() -> Iterator[Tenant]:
    """Every centre's profile, whatever its status (the digest's daily run): one query of the
    centres index (gsi1 ``CENTRES``, which projects the whole profile), never a scan."""
    data.ready()
    return iter(Tenant.by_gsi1.query(keys.CENTRES_GSI))
