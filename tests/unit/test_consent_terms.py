"""Consent terms: comparison, intersection, the season-end default, input validation."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pellicule.api import http
from pellicule.domain.errors import BadRequest
from pellicule.domain.gate import AUDIENCES, MEDIA_KINDS
from pellicule.services.consent import Terms, parse_terms, season_end
from pellicule.services.tenant_settings import TenantSettings

NOW = int(datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC).timestamp())


def at(year: int, month: int, day: int) -> int:
    return int(datetime.datetime(year, month, day, tzinfo=datetime.UTC).timestamp())


terms = st.builds(
    Terms,
    audiences=st.frozensets(st.sampled_from(AUDIENCES)),
    media_kinds=st.frozensets(st.sampled_from(MEDIA_KINDS)),
    valid_from=st.integers(0, 10_000),
    valid_until=st.integers(0, 10_000),
)


@given(terms, terms)
def test_the_intersection_is_covered_by_both(a: Terms, b: Terms) -> None:
    both = a.intersect(b)
    assert a.covers(both)
    assert b.covers(both)


@given(terms, terms)
def test_covering_is_the_widening_test(a: Terms, b: Terms) -> None:
    # b widens a exactly when a does not cover it; then a ∩ b differs from b
    assert a.covers(b) == (a.intersect(b) == b)


def test_season_end_is_the_next_end_of_the_configured_day() -> None:
    assert season_end(NOW, "08-31") == at(2027, 9, 1)
    assert season_end(at(2026, 8, 31), "08-31") == at(2026, 9, 1)  # that day still counts
    assert season_end(at(2026, 9, 1), "08-31") == at(2027, 9, 1)
    assert season_end(NOW, "02-29") == at(2027, 3, 1)  # a common year: the 28th


def test_terms_default_to_now_and_the_season_end() -> None:
    parsed = parse_terms(
        {"audiences": ["families_of_group"], "media_kinds": ["photo"]}, TenantSettings(), NOW
    )
    assert parsed == Terms(
        frozenset({"families_of_group"}), frozenset({"photo"}), NOW, at(2027, 9, 1)
    )


def test_an_end_date_means_the_end_of_that_day() -> None:
    parsed = parse_terms(
        {"audiences": ["families_of_group"], "media_kinds": ["video"], "valid_until": "2026-12-24"},
        TenantSettings(),
        NOW,
    )
    assert parsed.valid_until == at(2026, 12, 25)


@pytest.mark.parametrize(
    ("body", "reason", "params"),
    [
        (
            {"audiences": "families_of_group", "media_kinds": ["photo"]},
            "consent_list_expected",
            {"field": "audiences"},
        ),
        (
            {"audiences": ["families_of_group"], "media_kinds": []},
            "consent_choose_one",
            {"field": "media_kinds"},
        ),
        (
            {"audiences": ["everyone"], "media_kinds": ["photo"]},
            "consent_values_unknown",
            {"field": "audiences", "unknown": ["everyone"], "allowed": list(AUDIENCES)},
        ),
        (
            {"audiences": ["families_of_group"], "media_kinds": ["photo"], "valid_until": True},
            "field_date_expected",
            {"field": "valid_until"},
        ),
        (
            {"audiences": ["families_of_group"], "media_kinds": ["photo"], "valid_until": "2-1"},
            "field_date_expected",
            {"field": "valid_until"},
        ),
        (
            {"audiences": ["families_of_group"], "media_kinds": ["photo"], "valid_from": 0},
            "field_date_range",
            {"field": "valid_from", "earliest": 2000, "latest": 2100},
        ),
        (
            {
                "audiences": ["families_of_group"],
                "media_kinds": ["photo"],
                "valid_until": "2031-01-01",
            },
            "consent_too_long",
            {"years": 3},
        ),
        (
            {
                "audiences": ["families_of_group"],
                "media_kinds": ["photo"],
                "valid_from": "2026-12-01",
                "valid_until": "2026-11-01",
            },
            "consent_window_invalid",
            {},
        ),
    ],
)
def test_bad_terms_are_refused(
    body: dict[str, object], reason: str, params: dict[str, object]
) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_terms(body, TenantSettings(), NOW)
    assert refused.value.reason == reason
    assert http.error_answer(refused.value)["params"] == params
