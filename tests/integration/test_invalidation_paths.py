"""Issue 19: no CDN invalidation in the normal path; a medium centre-month asks for at most
10 invalidation paths (measured by ``bench/invalidations.py``, which runs this test)."""

from __future__ import annotations

import pytest

from bench import invalidations
from tests.conftest import Aws


def test_a_medium_centre_month_stays_within_the_invalidation_budget(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    month = invalidations.replay_month(aws)
    with capsys.disabled():
        print(f"\n{month.line()}")
    # The replay did what a month does (else a zero would prove nothing)
    albums, restrictions = invalidations.medium_month()
    assert month.expired_albums >= albums >= 10  # (and the scenario's own album)
    assert month.restrictions == restrictions >= 2
    assert month.erasures == invalidations.ERASURES_PER_MONTH
    # and CloudFront was asked for nothing: the /media/* edge TTL does that work
    assert len(month.paths) <= invalidations.BUDGET_PATHS
    assert month.paths == []
    assert month.invalidations == 0
