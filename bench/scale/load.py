"""The issue's load test: 500 families of one centre open an album within one minute.

One centre (the small profile, built through the staff API like any sampled centre) publishes
a day's photos; ``families`` more guardians of its first child (put straight in the roster,
each with a session) then open the album through the real ``family`` handler, spread evenly
over ``window`` seconds of the simulated clock. The table's stream is delivered to its
consumers at the end of each of the chain writer's batching windows
(``topology.AUDIT_CHAIN_STREAM``), as Lambda's pollers would.

What it measures, on the code as it is (never a hard-coded result):

- every answer's status (``errors``: any that is not 200);
- the transactions on the centre's chain head while the families looked (``chain_writes``,
  counted around ``pellicule.store.audit._chain_once``; what the stream's writer did in the
  same minute is counted apart from the views: a view never waits on it) and the writer's
  conditional-write conflicts (``pellicule.store.audit.chain_conflicts``);
- the chain afterwards: every view chained exactly once, in a log that verifies.

moto answers one request at a time in this process, so "within one minute" is simulated time:
the requests are not concurrent. That no view can queue behind another is structural (a view
is one put of a new key, nothing conditional): what this run checks is that it stays so.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

FAMILIES = 500
WINDOW_SECONDS = 60.0


def _more_families(tenant_id: str, child_id: str, count: int) -> list[tuple[str, str]]:
    """``count`` more guardians of the child, in the roster (both sides linked), each with a
    session: (guardian id, session)."""
    from pellicule.services import sessions
    from pellicule.store.models import Child, Guardian, tenant_pk

    pk = tenant_pk(tenant_id)
    ids = [f"load{i:04d}" for i in range(count)]
    Child.get(pk, f"CHILD#{child_id}").update(actions=[Child.guardian_ids.add(set(ids))])
    with Guardian.batch_write() as batch:
        for number, guardian_id in enumerate(ids):
            batch.save(
                Guardian(
                    pk,
                    f"GUARDIAN#{guardian_id}",
                    tenant_id=tenant_id,
                    guardian_id=guardian_id,
                    email=f"famille{number}.{tenant_id}@famille.example",
                    child_ids={child_id},
                )
            )
    return [(g, sessions.create(tenant_id, "guardian", g, "guardian")) for g in ids]


def run_load(families: int = FAMILIES, window: float = WINDOW_SECONDS) -> dict[str, Any]:
    from bench import cost
    from bench.scale import week, world

    started = time.perf_counter()
    with world.world() as stack:
        from pellicule.config import clock, topology
        from pellicule.services import audit
        from pellicule.store import audit as store
        from pellicule.store import data

        with stack.meter.acting(None, "seed"):
            data.ready()
            centre = week.seed_sampled(stack, "tload", cost.SCENARIOS["small"])
            week.validate(stack, centre, week.upload_day(stack, centre, 0, world.photo_bytes()))
            album = centre.albums[-1]
            visitors = _more_families(centre.tenant_id, centre.children[0], families)
        stack.drain_stream()
        audit.chain_pending(centre.tenant_id)  # the set-up's own events: a clean start

        writes = {"views": 0, "writer": 0}
        phase = ["views"]
        original = store._chain_once

        def counted(tenant_id: str, events: list[Any]) -> bool:
            writes[phase[0]] += 1
            return original(tenant_id, events)

        store._chain_once = counted
        conflicts_before = store.chain_conflicts
        statuses: dict[str, int] = {}
        latencies: list[float] = []
        head_before = store.head(centre.tenant_id)
        step = window / families
        batching = max(1, topology.AUDIT_CHAIN_STREAM.max_batching_window_seconds)
        next_drain = clock.now() + batching
        try:
            with stack.meter.acting(centre.tenant_id, "load"):
                for _, session in visitors:
                    began = time.perf_counter()
                    try:
                        found = stack.api("family", "GET", f"/api/family/albums/{album}", session)
                        ok = bool(found.get("items")) if isinstance(found, dict) else False
                        key = "200" if ok else "200 without items"
                    except RuntimeError as error:  # World.api: a status >= 400
                        key = str(error).split(": ", 1)[-1].split(" ", 1)[0]
                    latencies.append(time.perf_counter() - began)
                    statuses[key] = statuses.get(key, 0) + 1
                    clock.advance(step)
                    if clock.now() >= next_drain:  # the writer's batching window elapsed
                        phase[0] = "writer"
                        stack.drain_stream()
                        phase[0] = "views"
                        next_drain = clock.now() + batching
                phase[0] = "writer"
                stack.drain_stream()
            head_after_stream = store.head(centre.tenant_id)
            left_for_the_purge = audit.chain_pending(centre.tenant_id)  # the daily safety net
        finally:
            store._chain_once = original
        views = [e for e in store.entries(centre.tenant_id) if e.action == "view"]
        actors = [e.actor for e in views if e.actor.startswith("guardian:load")]
        report = audit.verify(centre.tenant_id)
    ordered = sorted(latencies)
    return {
        "families": families,
        "window_seconds": window,
        "statuses": statuses,
        "errors": sum(v for k, v in statuses.items() if k != "200"),
        "chain_writes_during_views": writes["views"],
        "chain_writes_by_the_writer": writes["writer"],
        "chain_conflicts": store.chain_conflicts - conflicts_before,
        "head_seq": [
            head_before.seq if head_before else 0,
            head_after_stream.seq if head_after_stream else 0,
        ],
        "chained_after_the_stream": left_for_the_purge,
        "views_chained": len(actors),
        "views_chained_once": len(actors) == len(set(actors)) == families,
        "log_verifies": bool(report.ok and report.pending == 0),
        "handler_ms": {
            "median": round(statistics.median(ordered) * 1000, 1),
            "p95": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
