"""CDN invalidation paths of a medium centre's month, counted: ``python -m bench.invalidations``.

Issue 19 asks for at most 10 invalidation paths per medium centre-month (docs/cost-model.md).
This replays what such a month does to the edge through the real functions, in moto (the
integration tests' account: ``tests/integration/test_invalidation_paths.py`` runs it and
holds the figure to the budget), and counts every path of every invalidation moto's
CloudFront received on the stack's distribution:

- the month's **album expiries**: the medium centre uploads about 517 items a month, about
  40 to an album, so about 13 albums pass the retention each month (the purge's retention
  step deletes each, with its items and copies, its areas and its archives);
- its **consent restrictions** (60 children x 0.02 a month, ``bench.cost.Behaviour``): at
  least two, replayed as one withdrawal (the child's items are hidden, their copies deleted)
  and one narrowing (photos no longer allowed), each delivered to the revocation function as
  the table's stream would;
- one **erasure** (an item removed), which the cost model does not count, for good measure.

Each album holds only a few items here (``ITEMS_PER_ALBUM``): before this change the paths
grew with the items a restriction touched (one wildcard per removed scope and area of each
item) and the albums that expired (one per area); now no function invalidates at all (the
``/media/*`` edge TTL does that work, docs/revocation.md), so any path the code still asked
for would show here whatever the volume.

    python -m bench.invalidations     # runs the replay through pytest, prints the figure
"""

from __future__ import annotations

import importlib
import math
import sys
from dataclasses import dataclass, field
from typing import Any

BUDGET_PATHS = 10  # issue 19: invalidation paths per medium centre-month
ITEMS_PER_ALBUM = 2
ERASURES_PER_MONTH = 1


@dataclass
class Month:
    """What the replay did and what CloudFront was asked."""

    expired_albums: int = 0
    items: int = 0
    restrictions: int = 0
    erasures: int = 0
    invalidations: int = 0
    paths: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"invalidations: medium centre-month, {len(self.paths)} path(s) in "
            f"{self.invalidations} invalidation(s) (budget {BUDGET_PATHS}); replayed "
            f"{self.expired_albums} album expiries ({self.items} items), "
            f"{self.restrictions} consent restrictions, {self.erasures} erasure(s)"
        )


def medium_month() -> tuple[int, int]:
    """(albums expiring, consent restrictions) in a medium centre's month, from the cost
    model's assumptions (``bench.cost``)."""
    from bench.cost import MONTHS_PER_YEAR, SCENARIOS, Behaviour

    centre, behaviour = SCENARIOS["medium"], Behaviour()
    items = (centre.photos_per_week + centre.videos_per_week) * centre.active_weeks
    albums = items / MONTHS_PER_YEAR / behaviour.items_per_album
    restrictions = centre.children * behaviour.restrictions_per_child_month
    return math.ceil(albums), max(2, math.ceil(restrictions))


def _tests(module: str) -> Any:
    """A module of the test suite (its moto scenario helpers), imported when the replay runs:
    neither the benchmark's import nor its type check pulls the test suite in."""
    return importlib.import_module(f"tests.{module}")


def invalidation_paths(aws: Any) -> tuple[int, list[str]]:
    """Every invalidation the distribution received (moto keeps them): (count, paths)."""
    cloudfront = aws.client("cloudfront")
    listed = cloudfront.list_invalidations(DistributionId=aws.distribution_id)
    paths: list[str] = []
    summaries = listed.get("InvalidationList", {}).get("Items", [])
    for summary in summaries:
        found = cloudfront.get_invalidation(DistributionId=aws.distribution_id, Id=summary["Id"])
        paths += found["Invalidation"]["InvalidationBatch"]["Paths"].get("Items", [])
    return len(summaries), paths


def _publish(aws: Any, centre: Any, album_id: str, *children: str) -> str:
    """A processed photo of ``children`` in ``album_id``, approved; the stream's record of
    the approval delivered to the revocation function (the served copies are made)."""
    helpers, flow = _tests("integration.helpers"), _tests("integration.test_publication_flow")
    media, propagate = flow.media, flow.propagate
    data = _tests("support.images").jpeg_with_metadata((320, 240))
    as_centre = _tests("conftest").Centre(centre.tenant_id, album_id, centre.animator, "")
    grant = helpers.request_grant(as_centre, data)
    helpers.put_as_browser(aws, grant, data)
    helpers.drain(aws)
    media_id = str(grant["media_id"])
    tags = {"child_ids": [centre.children[c] for c in children]}
    centre.ok(centre.admin("PUT", f"media/{media_id}/tags", tags, session=centre.animator))
    before = media(centre, media_id).serialize()
    decision = {"decision": "approve", "audiences": ["families_of_group"]}
    review = centre.admin("POST", f"media/{media_id}/review", decision)
    assert centre.ok(review)["state"] == "published", review
    propagate(centre, media_id, before)
    assert media(centre, media_id).served, media_id
    return media_id


def _restrict(centre: Any, who: str, child: str, kinds: list[str] | None) -> None:
    """A guardian withdraws (``kinds`` None) or narrows the consent; the stream delivers it."""
    from functions.revocation.handler import handler

    flow = _tests("integration.test_publication_flow")
    path = f"children/{centre.children[child]}/consent"
    if kinds is None:
        centre.ok(centre.family(who, "POST", f"{path}/withdraw"))
    else:
        centre.ok(_tests("integration.scenario").give(centre, who, child, [flow.GROUP], kinds))
    record = ("INSERT", flow.latest_consent_event(centre, child), None)
    result = handler(flow.stream_event(record), None)
    assert result == {"batchItemFailures": []}, result


def replay_month(aws: Any) -> Month:
    """The medium centre's month of withdrawals, restrictions, erasures and album expiries,
    through the real functions; returns what CloudFront was asked (see the module's text)."""
    from pellicule.domain import retention as rules

    album_date = _tests("conftest").ALBUM_DATE
    purging, scenario = _tests("integration.purge_helpers"), _tests("integration.scenario")
    counts, purge = purging.counts, purging.purge
    group = _tests("integration.test_publication_flow").GROUP

    albums, restrictions = medium_month()
    month = Month()
    centre = scenario.build()  # loutres: Léa (g1, g2), Noah (g3); renards: Zoé (g4)
    for who, child in (("g3", "noah"), ("g4", "zoe")):
        centre.ok(scenario.give(centre, who, child, [group]))
    album_ids = []
    for number in range(albums):
        payload = {"title": f"Sortie {number}", "date": album_date}  # centre-wide album
        album_ids.append(str(centre.ok(centre.admin("POST", "albums", payload), 201)["album_id"]))
    for album_id in album_ids:
        _publish(aws, centre, album_id, "noah")
        for _ in range(ITEMS_PER_ALBUM - 1):
            _publish(aws, centre, album_id, "zoe")
        month.items += ITEMS_PER_ALBUM
    # Restrictions: a withdrawal, then narrowings (photos no longer allowed).
    _restrict(centre, "g3", "noah", None)
    for _ in range(restrictions - 1):
        _restrict(centre, "g4", "zoe", ["video"])
    month.restrictions = restrictions
    # An erasure (the hourly purge carries it out).
    for _ in range(ERASURES_PER_MONTH):
        request = f"children/{centre.children['zoe']}/erasure-request"
        centre.ok(centre.family("g4", "POST", request, {"confirm": True}))
        centre.ok(centre.admin("PATCH", request, {"mode": "remove"}))
        found = counts(purge(purging.HOURLY), centre.tenant_id)
        month.erasures += int(found.get("erasure_items_removed", 0) > 0)
    # The albums pass the retention: the daily purge deletes them.
    first_day = rules.purge_date(album_date, 12)
    purging.move_clock_to(f"{first_day}T02:30:00")
    month.expired_albums = counts(purge(), centre.tenant_id).get("expired_albums", 0)
    month.invalidations, month.paths = invalidation_paths(aws)
    return month


def main(argv: list[str] | None = None) -> int:
    import pytest

    test = "tests/integration/test_invalidation_paths.py"
    return int(pytest.main([test, "-q", "-s", "-p", "no:cacheprovider", *(argv or [])]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
