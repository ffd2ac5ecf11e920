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
import datetime
import json
import time
from collections import defaultdict
from typing import Any

from bench import cost
from bench.inputs import use_project_paths
from bench.scale.load import FAMILIES
from bench.scale.meter import PLATFORM, RESTRICTED
from bench.scale.runs import MIX, job
from bench.scale.week import NIGHTS

SIZES = (10, 100, 1000)
DEFAULT_SAMPLE = {10: ("small", "medium"), 100: ("medium",), 1000: ("medium",)}
WEEKS_PER_YEAR = 52
SCHEDULED = ("digest", "purge")  # the phases of the nightly runs (bench.scale.week.scheduled)


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


def share_factor(who: str, phase: str, centre: cost.Centre, centres: int, sampled: int) -> float:
    """How much of what no centre's key named a sampled centre carries: 1/N of the platform's
    (its scheduled runs over all N centres were simulated one night of the week: seven such
    nights), and 1/sampled of the runs restricted to the sampled centres (the other nights)."""
    if phase == "seed":
        return 0.0
    if who == PLATFORM:
        nights = NIGHTS if phase in SCHEDULED else 1
        return nights * WEEKS_PER_YEAR / cost.MONTHS_PER_YEAR / centres
    if who == RESTRICTED:
        return phase_factor(phase, centre) / sampled
    return 0.0


def monthly(
    counts: dict[tuple[str, str], dict[str, float]],
    tenant: str,
    centre: cost.Centre,
    centres: int,
    rendition_ratio: float,
    photo_gb_s: float,
    sampled: int = 1,
) -> dict[str, float]:
    """One sampled centre's quantities per month, its share of the platform's included."""
    out: dict[str, float] = defaultdict(float)
    photos = 0.0
    for (who, phase), metrics in counts.items():
        if who == tenant:
            factor = phase_factor(phase, centre)
        else:
            factor = share_factor(who, phase, centre, centres, sampled)
        if not factor:
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


def price(run: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    behaviour = cost.Behaviour()
    real = cost.rendition_mb(results, behaviour) * 1e6
    ratio = real / run["test_rendition_bytes"] if run["test_rendition_bytes"] else 0.0
    photo_gb_s = cost.photo_gb_seconds(results, behaviour)
    # The stack's own monthly cost (alarms, the signing key, idle queue polling), shared by
    # the N centres: everything included.
    stack = cost.total(cost.fixed_month(cost.Prices())) / run["centres"]
    out: dict[str, Any] = {}
    for name, tenant in run["sampled"].items():
        centre = cost.SCENARIOS[name]
        quantities = monthly(
            run["counts"], tenant, centre, run["centres"], ratio, photo_gb_s, len(run["sampled"])
        )
        lines = cost.measured_month(quantities, centre, results)
        top = cost.largest(lines)
        out[name] = {
            "usd_per_centre_month": round(cost.total(lines), 3),
            "stack_share_usd": round(stack, 4),
            "usd_per_centre_month_with_stack": round(cost.total(lines) + stack, 3),
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
    rows = [
        "centres  profile  USD/centre-month  +stack share  largest line"
        "                         inval. paths"
    ]
    for size, entry in scale.get("sizes", {}).items():
        for name, priced in entry["priced"].items():
            top = priced["largest_line"]
            label = f"{top['service']}: {top['what']}"[:36]
            whole = priced.get("usd_per_centre_month_with_stack", priced["usd_per_centre_month"])
            rows.append(
                f"{size:>7}  {name:<7}  {priced['usd_per_centre_month']:>16.2f}  {whole:>12.2f}  "
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


GOAL_USD = 2.0  # the medium centre, per month, everything included (issue 19)
FLAT = 0.10  # per-centre cost within +-10 % from the smallest size to the largest


def goals(scale: dict[str, Any]) -> dict[str, Any]:
    """The issue's goals, checked on this run's figures (medium profile)."""
    medium = {  # by size as written in bench/results.json (a string), smallest first
        str(size): entry["priced"]["medium"]
        for size, entry in sorted(scale.get("sizes", {}).items(), key=lambda x: int(x[0]))
        if "medium" in entry["priced"]
    }
    out: dict[str, Any] = {}
    if medium:
        usd = {size: priced["usd_per_centre_month"] for size, priced in medium.items()}
        whole = {
            size: priced.get("usd_per_centre_month_with_stack", priced["usd_per_centre_month"])
            for size, priced in medium.items()
        }
        low, high = min(usd.values()), max(usd.values())
        first = next(iter(usd.values()))
        out["medium_usd_per_centre_month"] = usd
        out["medium_usd_with_the_stack_share"] = whole
        out["medium_under_2_usd"] = max(whole.values()) <= GOAL_USD
        out["spread_vs_smallest"] = round(max(abs(v - first) for v in usd.values()) / first, 4)
        out["flat_within_10_percent"] = (high - first) <= FLAT * first and (
            first - low
        ) <= FLAT * first
        out["medium_invalidation_paths"] = max(p["invalidation_paths"] for p in medium.values())
    load = scale.get("load")
    if load:
        out["load_zero_errors"] = load["errors"] == 0
        out["load_no_chain_write_in_views"] = load["chain_writes_during_views"] == 0
        out["load_zero_chain_retries"] = load["chain_conflicts"] == 0
        out["load_every_view_chained_once"] = load["views_chained_once"] and load["log_verifies"]
    return out


def goals_text(checked: dict[str, Any]) -> str:
    if not checked:
        return ""
    rows = ["\ngoals (issue 19):"]
    for name, value in checked.items():
        mark = "" if not isinstance(value, bool) else ("  ok" if value else "  NOT MET")
        rows.append(f"  {name}: {value}{mark}")
    return "\n".join(rows)


def load_text(load: dict[str, Any] | None) -> str:
    if not load:
        return ""
    return (
        f"\nload: {load['families']} families open an album within "
        f"{load['window_seconds']:.0f} s (simulated): statuses {load['statuses']}, "
        f"chain transactions during the views {load['chain_writes_during_views']}, "
        f"by the writer {load['chain_writes_by_the_writer']}, conflicts "
        f"{load['chain_conflicts']}, views chained {load['views_chained']}, log verifies "
        f"{load['log_verifies']}; handler median {load['handler_ms']['median']} ms "
        f"({load['seconds']:.0f} s)"
    )


DOC = cost.RESULTS.parent.parent / "docs" / "cost-model.md"
DOC_BEGIN = "<!-- scale:begin (written by make bench-scale from bench/results.json) -->"
DOC_END = "<!-- scale:end -->"


def _usd(value: float) -> str:
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3f}"


def markdown(scale: dict[str, Any]) -> str:
    """The simulation's figures as docs/cost-model.md shows them (between its markers)."""
    rows = [
        f"Run of {scale.get('date', '?')}: {scale.get('seconds', 0):.0f} s for every size and "
        f"the load test ({scale.get('jobs', 1)} processes).",
        "",
        "| centres | profile | USD per centre-month | per child | with the stack's share | "
        "largest line | invalidation paths a month |",
        "|---:|---|---:|---:|---:|---|---:|",
    ]
    for size, entry in sorted(scale.get("sizes", {}).items(), key=lambda x: int(x[0])):
        for name, priced in sorted(entry["priced"].items()):
            top = priced["largest_line"]
            children = cost.SCENARIOS[name].children
            usd = priced["usd_per_centre_month"]
            whole = priced.get("usd_per_centre_month_with_stack", usd)
            rows.append(
                f"| {int(size):,} | {name} | **{_usd(usd)}** | {usd / children:.3f} | "
                f"{_usd(whole)} | {top['service']}: {top['what']} ({_usd(top['usd'])}) | "
                f"{priced['invalidation_paths']:.0f} |"
            )
    largest = max(scale.get("sizes", {"0": None}), key=int)
    entry = scale.get("sizes", {}).get(largest)
    if entry and "medium" in entry["priced"]:
        lines = sorted(entry["priced"]["medium"]["lines"], key=lambda x: -x["usd"])[:8]
        rows += [
            "",
            f"The medium centre among {int(largest):,}, its largest lines a month:",
            "",
            "| service | what | quantity | USD |",
            "|---|---|---:|---:|",
        ]
        rows += [
            f"| {x['service']} | {x['what']} | {x['quantity']:,.1f} | {x['usd']:.4f} |"
            for x in lines
        ]
    load = scale.get("load")
    if load:
        rows += [
            "",
            f"Load test: {load['families']} families of one centre open an album within "
            f"{load['window_seconds']:.0f} s (simulated clock): answers {load['statuses']}; "
            f"transactions on the chain head during the views: "
            f"**{load['chain_writes_during_views']}**; by the chain writer (stream): "
            f"{load['chain_writes_by_the_writer']}; conditional-write conflicts on the chain: "
            f"**{load['chain_conflicts']}**; views chained {load['views_chained']}, the log "
            f"verifies: {load['log_verifies']}.",
        ]
    checked = scale.get("goals", {})
    if checked:
        rows += ["", "Goals (issue 19), as this run found them:", ""]
        rows += [f"- `{name}`: {value}" for name, value in checked.items()]
    return "\n".join(rows)


def write_doc(scale: dict[str, Any], doc: Any = None) -> bool:
    """Replace the figures between the markers of docs/cost-model.md; False without them."""
    path = doc or DOC
    text = path.read_text()
    if DOC_BEGIN not in text or DOC_END not in text:
        return False
    head, rest = text.split(DOC_BEGIN, 1)
    _, tail = rest.split(DOC_END, 1)
    path.write_text(f"{head}{DOC_BEGIN}\n{markdown(scale)}\n{DOC_END}{tail}")
    return True


def _jobs(sizes: list[int], sample: list[str] | None, load: int) -> list[tuple[str, int, tuple]]:
    """Largest first: the pool then finishes the small ones beside it."""
    out: list[tuple[str, int, tuple]] = [
        ("size", size, tuple(sample) if sample else DEFAULT_SAMPLE.get(size, ("medium",)))
        for size in sorted(sizes, reverse=True)
    ]
    if load:
        out.insert(1, ("load", load, ()))
    return out


def run_jobs(jobs: list[tuple[str, int, tuple]], workers: int) -> dict[tuple[str, int], Any]:
    if workers <= 1:
        return {(kind, size): job(kind, size, sample) for kind, size, sample in jobs}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # a fresh interpreter: its own moto
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {
            (kind, size): pool.submit(job, kind, size, sample) for kind, size, sample in jobs
        }
        return {key: future.result() for key, future in futures.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument(
        "--sample", nargs="+", default=None, help="profiles to simulate in full at every size"
    )
    parser.add_argument(
        "--load", type=int, default=FAMILIES, help="families in the load test (0: none)"
    )
    parser.add_argument(
        "--jobs", type=int, default=2, help="processes (each size is one; the machine has 2 cores)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    use_project_paths()
    results = json.loads(cost.RESULTS.read_text())
    scale: dict[str, Any] = {"sizes": {}, "mix": MIX}
    started = time.perf_counter()
    done = run_jobs(_jobs(args.sizes, args.sample, args.load), max(1, args.jobs))
    for size in sorted(args.sizes):
        run = done[("size", size)]
        scale["sizes"][str(size)] = {
            "background_centres": run["background_centres"],
            "sampled": sorted(run["sampled"]),
            "seconds": run["seconds"],
            "priced": price(run, results),
        }
    if args.load:
        scale["load"] = done[("load", args.load)]
    scale["seconds"] = round(time.perf_counter() - started, 1)
    scale["jobs"] = max(1, args.jobs)
    scale["date"] = datetime.date.today().isoformat()
    scale["goals"] = goals(scale)
    print(summary(scale))
    print(details(scale))
    print(load_text(scale.get("load")))
    print(goals_text(scale["goals"]))
    if not args.no_write:
        results["scale"] = scale
        cost.RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        if args.sizes == list(SIZES) and write_doc(scale):
            print(f"\n{DOC.name}: figures rewritten from this run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
