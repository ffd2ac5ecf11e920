"""Retention cannot be escaped by re-dating an album (docs/retention.md).

An album's date is bounded (at most ``retention.ALBUM_DAYS_AHEAD`` days ahead, not older than
the centre's retention), every date given to an album is in the audit log, and the purge
expires an item by its upload time too: an album dated far ahead (as the API allowed before
the bounds) keeps no photo longer than the retention after it was uploaded.

Every date here is relative to the product clock: no test expires on a given day.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from pellicule.config import clock
from pellicule.domain import retention
from pellicule.services import audit, sessions
from pellicule.store import data
from pellicule.store.models import Album, Media, tenant_pk
from tests.conftest import Aws
from tests.integration.purge_helpers import counts, keys_mentioning, move_clock_to, purge
from tests.integration.scenario import Scenario, build
from tests.integration.test_publication_flow import upload_photo
from tests.integration.test_purge import _exists, _invalidated


@pytest.fixture
def scenario(aws: Aws) -> Scenario:
    return build()


def today() -> datetime.date:
    return datetime.datetime.fromtimestamp(clock.now(), tz=datetime.UTC).date()


def days_from_today(days: int) -> str:
    return (today() + datetime.timedelta(days=days)).isoformat()


def bounds(months: int = 12) -> tuple[datetime.date, datetime.date]:
    """The rule: from the oldest date its retention has not yet passed, to 31 days ahead."""
    earliest = retention.add_months(today(), -months)
    while retention.expired(earliest.isoformat(), months, clock.now()):
        earliest += datetime.timedelta(days=1)
    return earliest, today() + datetime.timedelta(days=31)


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def album_entries(tenant_id: str, album_id: str) -> list[dict[str, Any]]:
    return [
        row
        for row in audit.export_rows(tenant_id)
        if row["action"] == "album_changed" and row["subject"] == f"album:{album_id}"
    ]


def refusal(earliest: datetime.date, latest: datetime.date) -> dict[str, Any]:
    return {
        "error": "bad_request",
        "reason": "album_date_out_of_bounds",
        "params": {
            "earliest": earliest.isoformat(),
            "latest": latest.isoformat(),
            "ahead": 31,
            "months": 12,
        },
        "message": {
            "fr": f"Date de l'album : entre le {earliest} et le {latest} (au plus 31 jours à "
            "l'avance, et pas avant la durée de conservation du centre, 12 mois).",
            "en": f"Album date: between {earliest} and {latest} (at most 31 days ahead, and "
            "not older than the centre's retention, 12 months).",
        },
    }


@pytest.mark.parametrize("far", ["9999-12-31", "2099-06-30"])
def test_an_animator_cannot_date_an_album_far_ahead(scenario: Scenario, far: str) -> None:
    # Given an animator and the centre's album
    animator = scenario.animator
    # When they create an album dated far ahead, or re-date the existing one
    created = scenario.admin("POST", "albums", {"title": "Éternel", "date": far}, session=animator)
    redated = scenario.admin(
        "PATCH", f"albums/{scenario.album_id}", {"date": far}, session=animator
    )
    # Then both are refused with the bilingual message, and nothing changed
    for response in (created, redated):
        assert response["statusCode"] == 400, response["body"]
        if far > "2100":  # past any date the API takes: refused by the request's type
            assert body(response)["error"] == "invalid_request"
            assert "date: a date between 2000 and 2100" in body(response)["message"]["en"]
        else:
            assert body(response) == refusal(*bounds())
    data.ready()
    album = Album.get(tenant_pk(scenario.tenant_id), f"ALBUM#{scenario.album_id}")
    assert album.album_date != far
    titles = [a["title"] for a in body(scenario.admin("GET", "albums"))["albums"]]
    assert "Éternel" not in titles


def test_album_dates_are_bounded_ahead_and_behind(scenario: Scenario) -> None:
    def create(date: str) -> dict[str, Any]:
        return scenario.admin("POST", "albums", {"title": "Sortie", "date": date})

    # A trip being prepared (31 days ahead) and an album as old as the retention allows
    earliest, _ = bounds()
    assert create(days_from_today(31))["statusCode"] == 201
    assert create(earliest.isoformat())["statusCode"] == 201
    # One day more either way is refused
    assert create(days_from_today(32))["statusCode"] == 400
    assert create((earliest - datetime.timedelta(days=1)).isoformat())["statusCode"] == 400
    # A shorter retention narrows the past (an older album would be purged at once)
    scenario.ok(scenario.admin("PUT", "settings", {"media_retention_months": 3}))
    assert create(days_from_today(-100))["statusCode"] == 400
    assert create(days_from_today(-80))["statusCode"] == 201


def test_every_album_date_is_audited(scenario: Scenario) -> None:
    # The album's creation (by the scenario's director) is in the audit log with its date
    [created] = album_entries(scenario.tenant_id, scenario.album_id)
    assert created["actor"] == "staff:dir-1"
    assert created["details"]["change"] == "created"
    data.ready()
    album = Album.get(tenant_pk(scenario.tenant_id), f"ALBUM#{scenario.album_id}")
    assert created["details"]["date"] == album.album_date
    # When the animator re-dates it (within the bounds)
    new_date = days_from_today(20)
    response = scenario.admin(
        "PATCH", f"albums/{scenario.album_id}", {"date": new_date}, session=scenario.animator
    )
    assert response["statusCode"] == 200, response["body"]
    assert body(response)["date"] == new_date
    # Then the change, its author and both dates are in the log, the chain intact
    [_, redated] = album_entries(scenario.tenant_id, scenario.album_id)
    assert redated["actor"] == "staff:anim-1"
    assert redated["details"] == {
        "change": "redated",
        "date": new_date,
        "previous_date": album.album_date,
    }
    assert audit.verify(scenario.tenant_id).ok
    # A title change alone does not touch the date and writes no date entry
    scenario.ok(scenario.admin("PATCH", f"albums/{scenario.album_id}", {"title": "Plage"}))
    assert len(album_entries(scenario.tenant_id, scenario.album_id)) == 2
    # ...nor does the same date sent again (a form that re-sends every field)
    same = {"title": "Plage", "date": new_date}
    assert (
        scenario.ok(scenario.admin("PATCH", f"albums/{scenario.album_id}", same))["title"]
        == "Plage"
    )
    scenario.ok(scenario.admin("PATCH", f"albums/{scenario.album_id}", {"date": new_date}))
    assert len(album_entries(scenario.tenant_id, scenario.album_id)) == 2


def test_an_album_dated_far_ahead_still_loses_photos_uploaded_longer_ago_than_retention(
    aws: Aws, scenario: Scenario
) -> None:
    # Given a photo uploaded today into an album dated far ahead (as the API allowed before
    # album dates were bounded)
    old = upload_photo(aws, scenario)
    uploaded = today()
    data.ready()
    Album(tenant_pk(scenario.tenant_id), f"ALBUM#{scenario.album_id}").update(
        actions=[Album.album_date.set("2099-06-30")]
    )
    first_day = retention.purge_date(uploaded.isoformat(), 12)  # uploaded + 12 months + 1 day
    # ...and a photo uploaded two months later into the same album
    later = first_day - datetime.timedelta(days=60)
    move_clock_to(f"{later}T12:00:00")
    scenario.animator = sessions.create(scenario.tenant_id, "staff", "anim-1", "animator")
    recent = upload_photo(aws, scenario)
    # The day before the first photo's retention ends: nothing goes
    move_clock_to(f"{first_day - datetime.timedelta(days=1)}T23:00:00")
    assert "expired_media" not in counts(purge(), scenario.tenant_id)
    assert _exists(scenario, old)
    # The day after: the first photo goes (item and every object version), whatever the
    # album's date; the recent one and the album stay
    move_clock_to(f"{first_day}T02:30:00")
    invalidations_before = _invalidated(aws)
    found = counts(purge(), scenario.tenant_id)
    assert found["expired_media"] == 1
    assert "expired_albums" not in found
    assert not _exists(scenario, old)
    assert keys_mentioning(aws, old) == []
    assert _exists(scenario, recent)
    assert keys_mentioning(aws, recent)
    assert Album.count(tenant_pk(scenario.tenant_id), Album.sk == f"ALBUM#{scenario.album_id}")
    # The CDN forgets the purged photo's copies within its /media/* TTL: no invalidation
    assert _invalidated(aws) == invalidations_before
    # ...until its own retention ends
    move_clock_to(f"{retention.purge_date(later.isoformat(), 12)}T02:30:00")
    assert counts(purge(), scenario.tenant_id)["expired_media"] == 1
    assert not _exists(scenario, recent)
    assert Media.count(tenant_pk(scenario.tenant_id), Media.sk.startswith("MEDIA#")) == 0
