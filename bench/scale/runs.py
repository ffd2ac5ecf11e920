"""The jobs of ``make bench-scale``, each in its own process (its own moto account): one
simulated size (:func:`run_size`) or the load test (``bench.scale.load``)."""

from __future__ import annotations

import time
from typing import Any

from bench import cost
from bench.inputs import use_project_paths

MIX = {"small": 0.3, "medium": 0.5, "large": 0.2}  # profiles of the background centres


def job(kind: str, size: int, sample: tuple[str, ...]) -> dict[str, Any]:
    """A process pool's entry point."""
    use_project_paths()
    if kind == "load":
        from bench.scale import load

        return load.run_load(size)
    return run_size(size, sample)


def run_size(size: int, sample: tuple[str, ...]) -> dict[str, Any]:
    from bench.scale import week, world

    started = time.perf_counter()
    with world.world() as stack:
        from pellicule.store import data

        photo = world.photo_bytes()
        sampled: list[week.Sampled] = []
        with stack.meter.acting(None, "seed"):
            data.ready()
            background = size - len(sample)
            number = 0
            for name, share in MIX.items():
                for _ in range(round(background * share)):
                    week.seed_background(f"bg{number:04d}", cost.SCENARIOS[name])
                    number += 1
            for name in sample:
                sampled.append(week.seed_sampled(stack, f"s{name}", cost.SCENARIOS[name]))
        seeded = time.perf_counter() - started
        week.run_week(stack, sampled, photo, label=f"{size} centres: ")
        counts = {key: dict(value) for key, value in stack.meter.counts.items()}
    media_test = _test_rendition_bytes(counts, [c.tenant_id for c in sampled])
    return {
        "centres": size,
        "background_centres": number,
        "sampled": {c.profile.name: c.tenant_id for c in sampled},
        "seconds": {"seed": round(seeded, 1), "total": round(time.perf_counter() - started, 1)},
        "counts": counts,
        "test_rendition_bytes": media_test,
    }


def _test_rendition_bytes(
    counts: dict[tuple[str, str], dict[str, float]], tenants: list[str]
) -> float:
    """Bytes the small simulated photo's renditions take (media bucket, upload phase)."""
    written = photos = 0.0
    for (who, phase), metrics in counts.items():
        if who in tenants and phase == "upload":
            for metric, value in metrics.items():
                if metric.startswith("s3.bytes_written.") and "media" in metric:
                    written += value
                if metric.startswith("s3.objects_written.") and "ingest" in metric:
                    photos += value
    return written / photos if photos else 0.0
