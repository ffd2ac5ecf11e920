"""The audit log, for directors: every entry exported (JSON or CSV), its hash chain verified,
and the readable view: pages of entries filtered by child, person, period and action, with
names looked up at read time, and "who saw or downloaded my child's photos"."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any, Literal

from functions.admin.common import require_director
from pellicule.domain import audit_reading as reading
from pellicule.domain.audit_chain import PendingEvent
from pellicule.domain.errors import BadRequest, NotFound
from pellicule.services import audit, audit_names
from pellicule.services.sessions import Principal
from pellicule.store import audit as store
from pellicule.store import data, media, roster

# A director's read chains at most this many waiting views and downloads first (20 batches,
# a second or two); more wait for the daily purge's sweep (docs/audit.md, "Batched entries").
CHAIN_ON_READ = 20 * store.MAX_BATCH


def export(principal: Principal, fmt: Literal["json", "csv"]) -> tuple[str, str]:
    require_director(principal)
    data.ready()
    audit.chain_pending(principal.tenant_id, CHAIN_ON_READ)  # the views and downloads too
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return audit.export(principal.tenant_id, fmt), content_type


def verify(principal: Principal) -> dict[str, Any]:
    require_director(principal)
    data.ready()
    report = audit.verify(principal.tenant_id)
    return {
        "ok": report.ok,
        "checked": report.checked,
        "first_broken_seq": report.first_broken_seq,
        "problem": report.problem,
    }


# --- The readable view (docs/audit.md, "The readable view") ---------------------------------


def _filters(principal: Principal, query: Any) -> reading.Filters:
    try:
        low, high = reading.period_ms(query.start, query.end)
        person = reading.person_ref(query.person) if query.person else None
    except reading.ReadingError as error:
        raise BadRequest(error.code) from None
    if query.action and query.action not in audit.ACTIONS:
        raise BadRequest("audit_bad_action")
    child = f"child:{query.child}" if query.child else None
    items = (
        frozenset(f"media:{m}" for m in media.tagged_media_ids(principal.tenant_id, query.child))
        if query.child
        else frozenset()
    )
    return reading.Filters(query.action, child, person, low, high, items)


def _plain(record: Any) -> dict[str, Any]:
    at = int(record.at)
    return {
        "seq": int(record.seq),
        "at": at,
        "time": reading.local_time(at),
        "action": record.action or "",
        "actor": record.actor or "",
        "subject": record.subject or "",
        "details": store.details_of(record),
    }


def _plain_event(event: PendingEvent) -> dict[str, Any]:
    """A view or download not chained yet, as :func:`_plain` answers an entry (no seq yet)."""
    return {
        "seq": 0,
        "at": event.at,
        "time": reading.local_time(event.at),
        "action": event.action,
        "actor": event.actor,
        "subject": event.subject,
        "details": dict(event.details),
    }


def entries(principal: Principal, query: Any) -> dict[str, Any]:
    """One page of entries, newest first, that pass the filters, with the names of the people
    and things they are about (read at most READ_LIMIT entries: ``next_cursor`` goes on)."""
    require_director(principal)
    data.ready()
    wanted = _filters(principal, query)
    if query.cursor is None:
        # Views and downloads not chained yet get their seq now (docs/audit.md, "Batched
        # entries"): the same idempotent batch the writer runs, so the page shows them.
        audit.chain_pending(principal.tenant_id, CHAIN_ON_READ)
    page: list[dict[str, Any]] = []
    read, last_seq, more = 0, None, False
    for record in store.newest_first(principal.tenant_id, query.cursor):
        if read >= reading.READ_LIMIT or len(page) >= query.limit:
            more = True
            break
        read += 1
        last_seq = int(record.seq)
        entry = _plain(record)
        if wanted.low_ms is not None and entry["at"] < wanted.low_ms:
            break  # entries only get older from here
        if wanted.keeps(entry):
            page.append(entry)
    resolver = audit_names.Resolver(principal.tenant_id)
    return {
        "entries": page,
        "names": resolver.resolve(sorted(audit_names.refs_of(page))),
        "time_zone": reading.CENTRE_TIME_ZONE,
        "next_cursor": last_seq if more else None,
        "read": read,
    }


def who_saw(principal: Principal, query: Any) -> dict[str, Any]:
    """Who viewed or downloaded the items a child is tagged on (docs/audit.md)."""
    require_director(principal)
    data.ready()
    tenant = principal.tenant_id
    if roster.child(tenant, query.child) is None:
        raise NotFound("child_not_found")
    tagged = set(media.tagged_media_ids(tenant, query.child))
    found = media.items_read(tenant, tagged) if tagged else []
    albums = frozenset(f"album:{item.album_id}" for item in found)
    items = frozenset(f"media:{m}" for m in tagged)
    read = 0
    complete = True

    def bounded() -> Iterator[dict[str, Any]]:
        nonlocal read, complete
        # Read both: the views and downloads not chained yet, then the chain, newest first.
        # The chainer may chain a waiting event between the two reads: the chain's copy of an
        # event already read as waiting is skipped once (same person, action, subject and
        # details, at or after its time: chaining never moves time back).
        already: dict[tuple[str, ...], list[int]] = {}
        waiting = (_plain_event(e) for e in store.pending(tenant, newest_first=True))
        chained = (_plain(r) for r in store.newest_first(tenant))
        for entry in itertools.chain(waiting, chained):
            if read >= reading.READ_LIMIT:
                complete = False
                return
            read += 1
            if entry["action"] not in ("view", "download"):
                continue
            same = (
                entry["actor"],
                entry["action"],
                entry["subject"],
                json.dumps(entry["details"], sort_keys=True, default=str),
            )
            times = already.setdefault(same, [])
            if not entry["seq"]:
                times.append(int(entry["at"]))
                yield entry
                continue
            earlier = [t for t in times if t <= int(entry["at"])]
            if earlier:
                times.remove(max(earlier))  # its copy, chained since it was read
                continue
            yield entry

    child = f"child:{query.child}"
    people = reading.who_saw(bounded(), child, items, albums)
    resolver = audit_names.Resolver(tenant)
    return {
        "child": child,
        "people": people,
        "names": resolver.resolve(sorted({child, *audit_names.refs_of(people)})),
        "time_zone": reading.CENTRE_TIME_ZONE,
        "items": len(items),
        "read": read,
        "complete": complete,
    }
