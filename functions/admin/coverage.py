"""The weekly "few or no photos" report on screen (directors): the same report the directors
receive by e-mail each week (``functions/digest/coverage.py``), for any ISO week up to the
current one, read from the centre's own partition (``pellicule.services.coverage``)."""

from __future__ import annotations

import datetime
from typing import Any

from functions.admin import contract as c
from functions.admin.common import require_director
from pellicule.config import clock
from pellicule.domain import coverage as rules
from pellicule.domain.errors import BadRequest
from pellicule.services import coverage as service
from pellicule.services.sessions import Principal


def _label(day: datetime.date) -> str:
    year, number, _ = day.isocalendar()
    return rules.week(year, number).label


def weekly(principal: Principal, query: c.CoverageQuery) -> dict[str, Any]:
    require_director(principal)
    now = clock.now()
    current = rules.week_of(now)
    if query.week is None:
        week = rules.last_complete_week(now)
    else:
        try:
            week = rules.parse_week(query.week)
        except ValueError:
            raise BadRequest("coverage_week_invalid") from None
        if week.start > current.start:  # a week to come: nothing to report
            raise BadRequest("coverage_week_invalid")
    report = service.weekly(principal.tenant_id, week)
    following = week.last_day + datetime.timedelta(days=1)
    return {
        "week": week.label,
        "first_day": week.first_day.isoformat(),
        "last_day": week.last_day.isoformat(),
        "items": report.items,
        "few": rules.FEW,
        "groups": [
            {
                "group_id": g.group_id,
                "name": g.name,
                "children": [
                    {"child_id": x.child_id, "name": x.name, "items": x.items} for x in g.children
                ],
            }
            for g in report.groups
        ],
        "previous_week": _label(week.first_day - datetime.timedelta(days=1)),
        "next_week": None if week.start >= current.start else _label(following),
    }
