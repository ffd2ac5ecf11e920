"""The season's last day, a centre setting (``MM-DD``): every real day of a leap year, nothing
else that Python's ISO date reader would also take."""

from __future__ import annotations

import pytest

from pellicule.domain.errors import BadRequest
from pellicule.services import tenant_settings


@pytest.mark.parametrize("value", ["08-31", "01-01", "02-29", "12-31", "07-14"])
def test_a_month_and_day_is_accepted(value: str) -> None:
    assert tenant_settings.validate({"season_end": value}).season_end == value


@pytest.mark.parametrize(
    "value",
    [
        "W01-1",
        "W53-7",
        "13-01",
        "02-30",
        "00-10",
        "8-31",
        "08-1",
        "0831",
        "08/31",
        "٠٨-٣١",
        "08-31 ",
        "",
    ],
)
def test_anything_else_is_refused_with_the_month_day_problem(value: str) -> None:
    with pytest.raises(BadRequest) as refused:
        tenant_settings.validate({"season_end": value})
    assert refused.value.reason == "settings_invalid"
    assert [p.code for p in refused.value.params["problems"]] == ["setting_month_day_expected"]
