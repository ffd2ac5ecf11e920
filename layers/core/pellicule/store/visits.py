"""A guardian's gallery visits (``pellicule.domain.gallery_news``), kept on their own item.

One conditional update, made only when the domain says so (a new visit, or a minute later in
the same one): it lands only if the guardian still exists and nobody recorded a request since
the state was read. A lost race changes nothing: the request that won recorded the same visit.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import UpdateError

from pellicule.domain.gallery_news import Visit
from pellicule.store import data, keys
from pellicule.store.models import Guardian


def stored(guardian: Guardian) -> Visit:
    """What ``guardian``'s item (as read) holds."""
    seen = guardian.gallery_seen_at
    since = guardian.gallery_new_since
    return Visit(
        seen_at=None if seen is None else int(seen),
        new_since=None if since is None else int(since),
    )


def record(tenant_id: str, guardian_id: str, *, read: Visit, visit: Visit) -> bool:
    """Store ``visit`` if the guardian's item still holds ``read``; ``False`` if it changed
    meanwhile or is gone (nothing written)."""
    data.ready()
    target = Guardian(keys.tenant_pk(tenant_id), keys.guardian_sk(guardian_id))
    seen = (
        Guardian.gallery_seen_at.does_not_exist()
        if read.seen_at is None
        else Guardian.gallery_seen_at == read.seen_at
    )
    if visit.seen_at is None:
        raise ValueError("a recorded visit has a last request")
    actions: list[Any] = [
        Guardian.gallery_seen_at.set(visit.seen_at),
        Guardian.gallery_new_since.remove()
        if visit.new_since is None
        else Guardian.gallery_new_since.set(visit.new_since),
    ]
    try:
        target.update(actions=actions, condition=Guardian.pk.exists() & seen)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
