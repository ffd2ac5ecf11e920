"""Unsubscribe tokens of the daily digest, attacked through the real handler (moto).

A token names a centre and a guardian and proves, with a secret only its e-mail carries, that
it came from one of that guardian's digests: it can stop that guardian's digest and nobody
else's, in that centre or another (docs/notifications.md).
"""

from __future__ import annotations

import pytest

from tests.conftest import Aws
from tests.integration.auth_helpers import SentMail, payload
from tests.integration.digest_helpers import (
    digest_api,
    digests,
    family_with_news,
    run_digest,
    unsubscribe_token,
)


def _state(tenant_id: str, guardian_id: str) -> int | None:
    from pellicule.store.models import Guardian, tenant_pk

    found = Guardian.get(tenant_pk(tenant_id), f"GUARDIAN#{guardian_id}", consistent_read=True)
    return None if found.digest_unsubscribed_at is None else int(found.digest_unsubscribed_at)


@pytest.fixture
def tokens(aws: Aws, outbox: list[SentMail]) -> dict[str, str]:
    """Digest unsubscribe tokens of A and B (centre one) and of C (centre two, whose guardian
    has the same id as A)."""
    family_with_news("tone", "ga", "a@famille.example")
    family_with_news("tone", "gb", "b@famille.example")
    family_with_news("ttwo", "ga", "c@famille.example")
    run_digest()
    sent = digests(outbox)
    return {who: unsubscribe_token(sent[f"{who}@famille.example"]) for who in ("a", "b", "c")}


def test_a_token_stops_its_own_guardians_digest_only(aws: Aws, tokens: dict[str, str]) -> None:
    assert digest_api("POST", "/unsubscribe", {"token": tokens["a"]})["statusCode"] == 200
    assert _state("tone", "ga") is not None
    assert _state("tone", "gb") is None
    assert _state("ttwo", "ga") is None  # same guardian id, other centre: untouched


def test_a_secret_cannot_be_moved_to_another_guardian_or_centre(
    aws: Aws, tokens: dict[str, str]
) -> None:
    secret_a = tokens["a"].rsplit(".", 1)[1]
    secret_b = tokens["b"].rsplit(".", 1)[1]
    forged = [
        f"tone.gb.{secret_a}",  # A's secret on B
        f"ttwo.ga.{secret_a}",  # A's secret on the same guardian id in another centre
        f"tone.ga.{secret_b}",  # B's secret on A
        f"ttwo.gb.{secret_b}",  # someone who does not exist there
    ]
    for token in forged:
        response = digest_api("POST", "/unsubscribe", {"token": token})
        assert response["statusCode"] == 400, token
        assert payload(response)["error"] == "invalid_unsubscribe_link"
    assert [_state("tone", "ga"), _state("tone", "gb"), _state("ttwo", "ga")] == [None] * 3


def test_the_token_is_not_stored_and_nothing_stored_unsubscribes(
    aws: Aws, tokens: dict[str, str]
) -> None:
    from pellicule.store.models import Guardian, tenant_pk

    stored = Guardian.get(tenant_pk("tone"), "GUARDIAN#ga", consistent_read=True)
    [entry] = stored.unsubscribe_hashes
    secret = tokens["a"].rsplit(".", 1)[1]
    assert secret not in str(stored.serialize())
    # What the table holds (a hash) does not work as a token
    digest = entry.split(":", 1)[1]
    for candidate in (f"tone.ga.{digest}", f"tone.ga.{digest[:43]}"):
        assert digest_api("POST", "/unsubscribe", {"token": candidate})["statusCode"] == 400
    assert _state("tone", "ga") is None


def test_the_request_cannot_name_the_centre_outside_the_token(
    aws: Aws, tokens: dict[str, str]
) -> None:
    # Extra fields naming a centre or a guardian are refused (400, the field named), and
    # change nothing: only the token says whose digest stops
    for name, value in (("tenant_id", "ttwo"), ("guardian_id", "ga")):
        refused = digest_api("POST", "/unsubscribe", {"token": tokens["b"], name: value})
        assert refused["statusCode"] == 400, name
        assert payload(refused)["reason"] == "field_unknown"
        assert payload(refused)["params"] == {"field": name}
    assert [_state("tone", "gb"), _state("ttwo", "ga"), _state("tone", "ga")] == [None] * 3
    assert digest_api("POST", "/unsubscribe", {"token": tokens["b"]})["statusCode"] == 200
    assert _state("tone", "gb") is not None
    assert _state("ttwo", "ga") is None
    assert _state("tone", "ga") is None
