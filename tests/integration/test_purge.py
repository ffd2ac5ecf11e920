"""The scheduled purge: expired sessions and abandoned uploads."""

from __future__ import annotations

import pytest

from pellicule import clock, data, sessions
from pellicule.errors import Unauthenticated
from pellicule.models import Media, Session, tenant_pk
from tests.conftest import Aws, Centre
from tests.integration.helpers import call, request_grant

SCHEDULED = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}


def test_expired_sessions_are_refused_at_once_and_removed_by_the_purge(
    aws: Aws, centre: Centre
) -> None:
    live = sessions.create(centre.tenant_id, "staff", "s2", "animator")
    clock.advance(sessions.IDLE_TIMEOUT_SECONDS["guardian"] + 1)
    sessions.resolve(live)  # staff idle timeout (2 h) not reached: still live
    # The guardian's 30-minute idle timeout has passed: refused before any purge runs.
    with pytest.raises(Unauthenticated):
        sessions.resolve(centre.guardian_session)
    report = call("purge", SCHEDULED)
    assert report["sessions_deleted"] == 1
    data.ready()
    remaining = list(Session.scan(Session.pk.startswith("SESSION#")))
    assert len(remaining) == 2


def test_absolute_timeout_holds_even_for_an_active_session(aws: Aws, centre: Centre) -> None:
    # Touch the session every hour: idle never reached, absolute (12 h) still ends it.
    for _ in range(12):
        sessions.resolve(centre.director_session)
        clock.advance(3600)
    with pytest.raises(Unauthenticated):
        sessions.resolve(centre.director_session)


def test_abandoned_upload_is_marked_failed_the_next_day(aws: Aws, centre: Centre) -> None:
    grant = request_grant(centre, b"x" * 10)
    assert call("purge", SCHEDULED)["uploads_abandoned"] == 0
    clock.advance(24 * 3600 + 1)
    assert call("purge", SCHEDULED)["uploads_abandoned"] == 1
    item = Media.get(tenant_pk(centre.tenant_id), f"MEDIA#{grant['media_id']}")
    assert item.state == "failed"
    # Running again finds nothing more to do.
    assert call("purge", SCHEDULED)["uploads_abandoned"] == 0


def test_processing_that_never_ended_is_marked_failed(aws: Aws, centre: Centre) -> None:
    grant = request_grant(centre, b"x" * 10)
    data.ready()
    item = Media.get(tenant_pk(centre.tenant_id), f"MEDIA#{grant['media_id']}")
    item.update(actions=[Media.state.set("processing")])
    clock.advance(23 * 3600)
    assert call("purge", SCHEDULED)["uploads_abandoned"] == 0
    clock.advance(2 * 3600)
    assert call("purge", SCHEDULED)["uploads_abandoned"] == 1
    item.refresh()
    assert item.state == "failed"
    assert "Traitement interrompu" in (item.failure_reason or "")
