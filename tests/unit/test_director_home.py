"""The director's home, pure parts (pellicule.domain.home): which consents end "within 30
days" (the bounds), the time an erasure request has left, how a child is named; and the
directors' alert e-mail (pellicule.domain.erasure_alert)."""

from __future__ import annotations

import datetime

from hypothesis import given
from hypothesis import strategies as st

from pellicule.domain import erasure_alert
from pellicule.domain import home as rules

NOW = 1_796_205_600  # 2026-12-02T10:00:00Z
DAY = 24 * 3600


def test_a_consent_ending_within_30_days_is_listed_and_not_one_day_more() -> None:
    assert rules.ends_soon(NOW + 29 * DAY, NOW)
    assert rules.ends_soon(NOW + 30 * DAY, NOW)  # to the second: in
    assert not rules.ends_soon(NOW + 30 * DAY + 1, NOW)
    assert not rules.ends_soon(NOW + 31 * DAY, NOW)
    assert rules.ends_soon(NOW + 1, NOW)
    assert not rules.ends_soon(NOW, NOW)  # over: not "ending"
    assert not rules.ends_soon(NOW - DAY, NOW)


@given(st.integers(min_value=-100 * DAY, max_value=100 * DAY))
def test_ending_soon_is_exactly_the_next_30_days(offset: int) -> None:
    assert rules.ends_soon(NOW + offset, NOW) == (0 < offset <= 30 * DAY)


def test_the_last_day_covered_is_the_day_before_an_end_at_midnight() -> None:
    midnight = int(datetime.datetime(2027, 7, 1, tzinfo=datetime.UTC).timestamp())
    assert rules.last_day(midnight) == datetime.date(2027, 6, 30)
    assert rules.last_day(midnight + 3600) == datetime.date(2027, 7, 1)


def test_time_left_and_urgency() -> None:
    due = NOW + DAY
    assert rules.seconds_left(due, NOW) == DAY
    assert not rules.urgent(due, NOW)
    assert rules.seconds_left(due, due - 6 * 3600) == 6 * 3600
    assert not rules.urgent(due, due - 6 * 3600)  # 6 hours left: not yet
    assert rules.urgent(due, due - 6 * 3600 + 1)
    assert rules.seconds_left(due, due + 10) == 0  # past: nothing left, never negative
    assert rules.urgent(due, due + 10)


def test_a_child_is_named_by_first_name_and_initial() -> None:
    assert rules.child_label("Léa", "M") == "Léa M."
    assert rules.child_label(" Léa ", "M.") == "Léa M."
    assert rules.child_label("Léa", "") == "Léa"


def test_the_alert_names_the_centre_not_the_child_in_its_subject() -> None:
    rendered = erasure_alert.compose(
        public_url="https://photos.example/",
        centre="Les Loutres",
        child="Léa M.",
        due_by=NOW + DAY,  # 3 December, 10:00 UTC: 11:00 in Paris
    )
    assert rendered.subject.startswith("Les Loutres : demande d'effacement")
    assert "Léa" not in rendered.subject
    assert "Léa M." in rendered.text
    assert "03/12/2026 11:00" in rendered.text
    assert "https://photos.example/dashboard.html" in rendered.text
    assert rendered.text.index("Une famille demande") < rendered.text.index("A family asks")


def test_the_deadline_is_told_in_paris_summer_time_too() -> None:
    july = int(datetime.datetime(2027, 7, 1, 10, tzinfo=datetime.UTC).timestamp())
    assert erasure_alert.paris_time(july) == "01/07/2027 12:00"
