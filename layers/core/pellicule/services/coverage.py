"""The weekly "few or no photos" report of one centre (``pellicule.domain.coverage``), read
from its own partition: the items published since the week began (one query of the centre's
items, filtered on their state and publication time: no scan), their tagged child ids, the
active children and the groups. Shared by the digest's weekly e-mail to directors and the
staff API's ``GET /api/admin/reports/weekly-coverage``."""

from __future__ import annotations

from pellicule.domain import coverage as rules
from pellicule.store import data, roster
from pellicule.store import media as media_store


def weekly(tenant_id: str, week: rules.Week) -> rules.Coverage:
    data.ready()
    tagged = [
        tuple(m.tagged_child_ids or ())
        for m in media_store.published_since(tenant_id, week.start)
        if m.published_at is not None and int(m.published_at) < week.end
    ]
    groups = {g.group_id: g.name for g in roster.groups(tenant_id)}
    children = [
        rules.Child(c.child_id, f"{c.first_name} {c.initial}".strip(), c.group_id)
        for c in roster.every_child(tenant_id)
        if not c.archived
    ]
    return rules.coverage(week, children, groups, tagged)
