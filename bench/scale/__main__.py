"""``make bench-scale`` (``python -m bench.scale``): simulate a week at each size, count, price.

At each size N, N centres share one moto account: the *sampled* ones (by default the small
and medium profiles at 10 centres, the medium one at 100 and 1,000; ``--sample``) live their
week through the real handlers (``bench.scale.week``); the others are background centres that the
scheduled jobs visit. A sampled centre's monthly quantities are its own counted quantities,
each phase scaled to a month, plus an equal share (1/N) of what the platform did for no centre
in particular (the scheduled runs' invocations, calls naming no centre). Priced by
``bench.cost.measured_month``; written under ``scale`` in ``bench/results.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from typing import Any

from bench import cost
from bench.inputs import use_project_paths

MIX = {"small": 0.3, "medium": 0.5, "large": 0.2}  # profiles of the background centres
SIZES = (10, 100, 1000)
DEFAULT_SAMPLE = {10: ("small", "medium"), 100: ("medium",), 1000: ("medium",)}
WEEKS_PER_YEAR = 52


def phase_factor(phase: str, centre: cost.Centre) -> float:
    """Months of a simulated week's phase: how many such weeks (or events) a month holds."""
    active = centre.active_weeks / cost.MONTHS_PER_YEAR  # active weeks per month
    if phase in ("purge",):
        return WEEKS_PER_YEAR / cost.MONTHS_PER_YEAR  # every night, all year
    if phase == "consent_change":  # one withdrawal + one restriction per medium centre-week
        return active * centre.children / 60
    if phase == "erasure":  # one request per medium centre-month
        return centre.children / 60
    if phase == "seed":
        return 0.0
    return active  # uploads, validation, digests, visits, staff sign-ins


def monthly(
    counts: dict[tuple[str, str], dict[str, float]],
    tenant: str,
    centre: cost.Centre,
    centres: int,
    rendition_ratio: float,
    photo_gb_s: float,
) -> dict[str, float]:
    """One sampled centre's quantities per month, its share of the platform's included."""
    out: dict[str, float] = defaultdict(float)
    photos = 0.0
    for (who, phase), metrics in counts.items():
        if who == tenant:
            factor = phase_factor(phase, centre)
        elif who == "platform" and phase != "seed":
            factor = WEEKS_PER_YEAR / cost.MONTHS_PER_YEAR / centres
        else:
            continue
        for metric, value in metrics.items():
            out[metric] += value * factor
            if who == tenant and metric.startswith("s3.objects_written.") and "ingest" in metric:
                photos += value * factor
    media = sum(v for k, v in out.items() if k.startswith("s3.bytes_written.") and "media" in k)
    # Steady state: the bucket holds retention_months of what a month writes; the simulated
    # photo is small, so its bytes are scaled to the measured renditions of make bench.
    out["s3.media_gb_month"] = media * rendition_ratio * centre.retention_months / cost.GB
    # The process function renders a small photo here: its GB-s come from make bench's
    # measured render times of real photos instead (bench.cost.photo_gb_seconds).
    out["lambda.process.gb_s"] = photos * photo_gb_s
    out["photos"] = photos
    return dict(out)


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
        week.run_week(stack, sampled, photo)
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


def price(run: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    behaviour = cost.Behaviour()
    real = cost.rendition_mb(results, behaviour) * 1e6
    ratio = real / run["test_rendition_bytes"] if run["test_rendition_bytes"] else 0.0
    photo_gb_s = cost.photo_gb_seconds(results, behaviour)
    out: dict[str, Any] = {}
    for name, tenant in run["sampled"].items():
        centre = cost.SCENARIOS[name]
        quantities = monthly(run["counts"], tenant, centre, run["centres"], ratio, photo_gb_s)
        lines = cost.measured_month(quantities, centre, results)
        top = cost.largest(lines)
        out[name] = {
            "usd_per_centre_month": round(cost.total(lines), 3),
            "largest_line": {"service": top.service, "what": top.what, "usd": round(top.usd, 3)},
            "invalidation_paths": round(quantities.get("cloudfront.invalidation_paths", 0.0), 1),
            "quantities": {k: round(v, 3) for k, v in sorted(quantities.items())},
            "lines": [
                {
                    "service": x.service,
                    "what": x.what,
                    "quantity": round(x.quantity, 3),
                    "usd": round(x.usd, 4),
                }
                for x in lines
            ],
        }
    return out


def summary(scale: dict[str, Any]) -> str:
    rows = ["centres  profile  USD/centre-month  largest line                         inval. paths"]
    for size, entry in scale.get("sizes", {}).items():
        for name, priced in entry["priced"].items():
            top = priced["largest_line"]
            label = f"{top['service']}: {top['what']}"[:36]
            rows.append(
                f"{size:>7}  {name:<7}  {priced['usd_per_centre_month']:>16.2f}  "
                f"{label:<36} {priced['invalidation_paths']:>12.0f}"
            )
        rows.append(f"{'':>7}  ({entry['seconds']['total']:.0f} s simulated)")
    return "\n".join(rows)


def details(scale: dict[str, Any]) -> str:
    """The lines of each profile simulated at the largest size."""
    if not scale.get("sizes"):
        return ""
    size = max(scale["sizes"], key=int)
    out = []
    for name, priced in scale["sizes"][size]["priced"].items():
        out.append(f"\n{name} centre among {size}, per month:")
        for line in sorted(priced["lines"], key=lambda x: -x["usd"]):
            out.append(
                f"  {line['service']:<11} {line['what'][:48]:<48} {line['quantity']:>14,.1f}"
                f"  {line['usd']:>8.4f}"
            )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument(
        "--sample", nargs="+", default=None, help="profiles to simulate in full at every size"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    use_project_paths()
    results = json.loads(cost.RESULTS.read_text())
    scale: dict[str, Any] = {"sizes": {}, "mix": MIX}
    started = time.perf_counter()
    for size in args.sizes:
        sample = tuple(args.sample) if args.sample else DEFAULT_SAMPLE.get(size, ("medium",))
        run = run_size(size, sample)
        scale["sizes"][str(size)] = {
            "background_centres": run["background_centres"],
            "sampled": sorted(run["sampled"]),
            "seconds": run["seconds"],
            "priced": price(run, results),
        }
        print(f"{size} centres: {run['seconds']}", flush=True)
    scale["seconds"] = round(time.perf_counter() - started, 1)
    print(summary(scale))
    print(details(scale))
    if not args.no_write:
        results["scale"] = scale
        cost.RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
