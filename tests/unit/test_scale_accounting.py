"""How the scale simulation charges what it counted (bench/scale: meter, __main__)."""

from __future__ import annotations

from typing import Any

import pytest

from bench import cost
from bench.scale import __main__ as scale
from bench.scale import meter

MEDIUM = cost.SCENARIOS["medium"]


def test_a_call_is_charged_to_the_centre_its_key_names() -> None:
    audit_key = {"Key": {"pk": {"S": "AUDIT#tloutres"}, "sk": {"S": "HEAD"}}}
    tenant_key = {"Item": {"pk": {"S": "TENANT#tloutres"}, "sk": {"S": "PROFILE"}}}
    query = {"ExpressionAttributeValues": {":0": {"S": "AUDIT#tloutres"}, ":1": {"S": "P"}}}
    session = {"Key": {"pk": {"S": "SESSION#abc"}, "sk": {"S": "SESSION"}}}
    assert meter._tenant_of_dynamodb(audit_key) == "tloutres"
    assert meter._tenant_of_dynamodb(tenant_key) == "tloutres"
    assert meter._tenant_of_dynamodb(query) == "tloutres"
    assert meter._tenant_of_dynamodb(session) is None  # charged to whoever the run acts for


def _counts(**by: dict[str, float]) -> dict[tuple[str, str], dict[str, float]]:
    return {tuple(name.split("__")): metrics for name, metrics in by.items()}  # type: ignore[misc]


def _monthly(counts: dict[tuple[str, str], dict[str, float]], centres: int) -> dict[str, float]:
    return scale.monthly(counts, "tmedium", MEDIUM, centres, 1.0, 0.0, sampled=1)


def test_the_platform_share_is_divided_by_the_centres_and_a_full_night_counts_seven() -> None:
    counts = _counts(
        platform__purge={"dynamodb.wru": 700.0},  # the one night over every centre
        tmedium__purge={"dynamodb.wru": 70.0},  # the centre's own, all week
    )
    ten, thousand = _monthly(counts, 10), _monthly(counts, 1000)
    nights_a_month = 7 * 52 / 12
    own = 70.0 * 52 / 12
    assert ten["dynamodb.wru"] == pytest.approx(own + 700.0 * nights_a_month / 10)
    assert thousand["dynamodb.wru"] == pytest.approx(own + 700.0 * nights_a_month / 1000)


def test_restricted_runs_are_carried_by_the_sampled_centres_and_the_seed_by_nobody() -> None:
    counts = _counts(
        restricted__digest={"lambda.digest.invocations": 6.0},
        platform__seed={"dynamodb.wru": 1e9},
        tother__upload={"dynamodb.wru": 1e9},  # another centre's: never this one's
    )
    alone = scale.monthly(counts, "tmedium", MEDIUM, 100, 1.0, 0.0, sampled=1)
    shared = scale.monthly(counts, "tmedium", MEDIUM, 100, 1.0, 0.0, sampled=2)
    active = MEDIUM.active_weeks / 12
    assert alone["lambda.digest.invocations"] == pytest.approx(6.0 * active)
    assert shared["lambda.digest.invocations"] == pytest.approx(3.0 * active)
    assert "dynamodb.wru" not in alone


def _scale(usd: dict[int, float], load: dict[str, Any] | None = None) -> dict[str, Any]:
    line = {"service": "S3", "what": "media", "quantity": 1.0, "usd": 0.5}
    sizes = {
        str(n): {
            "priced": {
                "medium": {
                    "usd_per_centre_month": v,
                    "invalidation_paths": 0.0,
                    "largest_line": line,
                    "lines": [line],
                }
            }
        }
        for n, v in usd.items()
    }
    return {"sizes": sizes, **({"load": load} if load else {})}


def test_the_goals_are_read_from_the_run() -> None:
    flat = scale.goals(_scale({10: 1.20, 100: 1.25, 1000: 1.31}))
    assert flat["medium_under_2_usd"]
    assert flat["flat_within_10_percent"]
    assert flat["spread_vs_smallest"] == pytest.approx(0.0917, abs=1e-4)
    drifting = scale.goals(_scale({10: 1.20, 100: 1.25, 1000: 1.33}))
    assert not drifting["flat_within_10_percent"]
    assert not scale.goals(_scale({10: 2.01}))["medium_under_2_usd"]


def test_the_load_goals_fail_on_a_single_error_retry_or_chain_write() -> None:
    good = {
        "errors": 0,
        "chain_writes_during_views": 0,
        "chain_conflicts": 0,
        "views_chained_once": True,
        "log_verifies": True,
    }
    assert all(v for k, v in scale.goals(_scale({10: 1.0}, good)).items() if k.startswith("load"))
    for spoil in ("errors", "chain_writes_during_views", "chain_conflicts"):
        checked = scale.goals(_scale({10: 1.0}, {**good, spoil: 1}))
        assert not all(v for k, v in checked.items() if k.startswith("load")), spoil


def test_the_cost_model_shows_the_recorded_simulation_and_it_meets_the_goals() -> None:
    import json

    # Given the figures make bench-scale recorded last
    recorded = json.loads(cost.RESULTS.read_text())["scale"]
    # Then docs/cost-model.md shows exactly them (make bench-scale rewrites its section)
    text = scale.DOC.read_text()
    shown = text.split(scale.DOC_BEGIN, 1)[1].split(scale.DOC_END, 1)[0].strip()
    assert shown == scale.markdown(recorded).strip()
    # And they cover the three sizes, the load test and every goal of the issue, met
    assert sorted(int(size) for size in recorded["sizes"]) == [10, 100, 1000]
    assert recorded["load"]["families"] >= 500
    assert recorded["goals"] == scale.goals(recorded)
    assert all(v for v in recorded["goals"].values() if isinstance(v, bool))
    assert recorded["seconds"] < 15 * 60


def test_the_doc_section_is_rewritten_between_its_markers(tmp_path: Any) -> None:
    doc = tmp_path / "cost.md"
    doc.write_text(f"# Cost\nbefore\n{scale.DOC_BEGIN}\nold figures\n{scale.DOC_END}\nafter\n")
    figures = _scale({10: 1.25})
    assert scale.write_doc(figures, doc)
    text = doc.read_text()
    assert "old figures" not in text
    assert "| 10 | medium | **1.25** | 0.021 | 1.25 |" in text
    assert text.startswith("# Cost\nbefore\n")
    assert text.endswith(f"{scale.DOC_END}\nafter\n")
    doc.write_text("no markers")
    assert not scale.write_doc(figures, doc)
