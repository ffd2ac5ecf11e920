"""The tenants store: a centre's profile item (``TENANT#<id>`` / ``PROFILE``).

Digest reads (merged with the tenants store).
"""

from __future__ import annotations

from collections.abc import Iterator

from pellicule.store import data, keys
from pellicule.store.models import Tenant

# The item type callers hold (they read its attributes).
TenantRecord = Tenant


def centres_for_digest() -> Iterator[Tenant]:
    """Every centre's profile, whatever its status (a scan: the digest's daily run)."""
    data.ready()
    return iter(Tenant.scan(Tenant.pk.startswith(keys.TENANT) & (Tenant.sk == keys.PROFILE)))
