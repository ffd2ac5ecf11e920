"""The rules of trusted devices (``pellicule.domain.devices``): the credential's format, the
sliding trust and its cap, room for one more device, and what a device is called."""

from __future__ import annotations

import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pellicule.domain import devices as rules

DAY = 24 * 3600


def test_a_credential_round_trips_and_only_that_shape_parses() -> None:
    credential = rules.Credential(secrets.token_urlsafe(32), secrets.token_urlsafe(32))
    assert rules.parse(credential.value) == credential


@given(st.text(max_size=200))
def test_nothing_else_parses_and_nothing_raises(text: str) -> None:
    parsed = rules.parse(text)
    if parsed is not None:
        assert parsed.value == text


def test_secrets_compare_by_their_hash() -> None:
    secret = secrets.token_urlsafe(32)
    stored = rules.secret_hash(secret)
    assert secret not in stored
    assert rules.secret_matches(stored, secret)
    assert not rules.secret_matches(stored, secrets.token_urlsafe(32))
    assert rules.chain_hash(secret) != stored  # the two hashes are domain-separated


@given(st.lists(st.integers(min_value=1, max_value=89 * DAY), max_size=30))
def test_used_within_90_days_a_device_stays_trusted_up_to_its_cap(gaps: list[int]) -> None:
    now = 1_800_000_000
    times = rules.opened(now)
    for gap in gaps:
        now += gap
        alive = now < times.created_at + rules.MAX_TRUST_SECONDS
        assert rules.live(times, now) == alive
        if not alive:
            return
        times = rules.used(times, now)
        assert times.expires_at <= times.created_at + rules.MAX_TRUST_SECONDS
        assert rules.cookie_max_age(times, now) == times.expires_at - now


def test_ninety_days_without_use_end_the_trust() -> None:
    times = rules.opened(1_000)
    assert rules.live(times, 1_000 + 90 * DAY - 1)
    assert not rules.live(times, 1_000 + 90 * DAY)


def test_room_for_one_more_ends_the_least_recently_used() -> None:
    chains = [(f"c{i}", 100 + i) for i in range(rules.MAX_DEVICES)]
    assert rules.to_end_for_room(chains) == ["c0"]
    assert rules.to_end_for_room(chains[:-1]) == []
    assert rules.to_end_for_room([*chains, ("x", 50)]) == ["x", "c0"]


def test_staff_never_keep_a_device() -> None:
    assert rules.may_trust("guardian")
    assert not rules.may_trust("staff")


@pytest.mark.parametrize(
    ("user_agent", "browser", "system"),
    [
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "safari",
            "iphone",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
            "chrome",
            "iphone",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "samsung",
            "android",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.56",
            "edge",
            "windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0",
            "firefox",
            "mac",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
            "firefox",
            "linux",
        ),
        ("", "unknown", "unknown"),
        (None, "unknown", "unknown"),
        ("curl/8.5.0", "unknown", "unknown"),
    ],
)
def test_a_device_is_named_by_its_browser_and_system(
    user_agent: str | None, browser: str, system: str
) -> None:
    assert rules.label(user_agent) == rules.Label(browser, system)
