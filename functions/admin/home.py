"""The director's home (issue 18, item 4; docs/web.md): what needs the director now, read
from the centre's own partition in a handful of bounded queries (DESIGN "Scale targets"):

- the items waiting for a decision: the centre's items, at most ``LIST_LIMIT`` (the
  same bounded read as the validation queue: the table has no index by state);
- the open erasure requests (``ERASURE#`` items of the centre: one per child at most);
- the consents in force that end within 30 days: the centre's current consents, at most
  ``roster.LIST_LIMIT`` (no index by end date either: one partition query, never a scan);
- the children's names (first name and initial), one query of the centre's children;
- the last purge run: one item, the last key of ``PURGERUN#``.

The answer carries the server's ``now``: the page counts the time left from it, not from the
device's clock.
"""

from __future__ import annotations

from typing import Any

from functions.admin.common import PAGE, require_director
from pellicule.config import clock
from pellicule.domain import home as rules
from pellicule.domain.consent import ACTIVE
from pellicule.services import erasure
from pellicule.services.sessions import Principal
from pellicule.store import consents, media, purge_runs, roster

WAITING = "ready"  # processed, waiting for a decision (the validation queue's items)
LIST_LIMIT = PAGE * 4  # the validation queue's read (functions/admin/review.py)


def _waiting(tenant_id: str) -> dict[str, Any]:
    read = 0
    count = 0
    oldest: int | None = None
    for item in media.centre_items(tenant_id, limit=LIST_LIMIT, consistent=False):
        read += 1
        if item.state != WAITING:
            continue
        count += 1
        created = int(item.created_at)
        oldest = created if oldest is None else min(oldest, created)
    return {"count": count, "oldest_at": oldest, "complete": read < LIST_LIMIT}


def _names(tenant_id: str) -> tuple[dict[str, str], set[str]]:
    """Every child's name (an archived child may still have an open erasure request), and
    the ids of the active ones (whose consents are listed)."""
    names: dict[str, str] = {}
    active: set[str] = set()
    for child in roster.children(tenant_id):
        names[child.child_id] = rules.child_label(child.first_name, child.initial)
        if not child.archived:
            active.add(child.child_id)
    return names, active


def _consents_ending(
    tenant_id: str, now: float, names: dict[str, str], active: set[str]
) -> dict[str, Any]:
    records = consents.every_current(tenant_id)
    ending = [
        r
        for r in records
        if r.status == ACTIVE and r.child_id in active and rules.ends_soon(int(r.valid_until), now)
    ]
    ending.sort(key=lambda r: (int(r.valid_until), r.child_id))
    return {
        "count": len(ending),
        "within_days": rules.ENDING_WITHIN_DAYS,
        "complete": len(records) < roster.LIST_LIMIT,
        "first": [
            {
                "child_id": r.child_id,
                "child_name": names[r.child_id],
                "audiences": sorted(r.audiences or ()),
                "valid_until": int(r.valid_until),
                "last_day": rules.last_day(int(r.valid_until)).isoformat(),
            }
            for r in ending[: rules.ENDING_LISTED]
        ],
    }


def _erasures(tenant_id: str, now: float, names: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "child_id": r["child_id"],
            "child_name": names.get(r["child_id"], ""),
            "requested_at": r["requested_at"],
            "requested_by": r["requested_by"],
            "due_by": r["due_by"],
            "seconds_left": rules.seconds_left(r["due_by"], now),
            "urgent": rules.urgent(r["due_by"], now),
            "mode": r["mode"],
        }
        for r in erasure.pending(tenant_id)
    ]


def _last_purge(tenant_id: str) -> dict[str, Any] | None:
    run = purge_runs.latest(tenant_id)
    if run is None:
        return None
    return {
        "run_id": run.run_id,
        "status": run.status,
        "started_at": int(run.started_at),
        "updated_at": int(run.updated_at),
        "counts": dict(sorted(purge_runs.counts_of(run).items())),
    }


def summary(principal: Principal) -> dict[str, Any]:
    """What needs the director now (directors only)."""
    require_director(principal)
    tenant_id = principal.tenant_id
    now = clock.now()
    names, active = _names(tenant_id)
    return {
        "now": int(now),
        "waiting": _waiting(tenant_id),
        "erasures": _erasures(tenant_id, now, names),
        "consents_ending": _consents_ending(tenant_id, now, names, active),
        "last_purge": _last_purge(tenant_id),
    }
