"""One measurement in a fresh interpreter pinned to one core; prints one JSON object.

``python -m bench.worker time CASE PIPELINE RUNS CPU``: one untimed warm-up run (its time is
reported as ``first_ms``), then ``RUNS`` timed runs (``samples_ms``).

``python -m bench.worker rss CASE PIPELINE CPU``: peak resident memory of one run:
``baseline_mb`` after the imports and reading the input, ``peak_mb`` the process's absolute
peak (``VmHWM``, the high-water mark of ``ru_maxrss`` without what ``fork`` inherited).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

from bench.inputs import CASES


def _pin(cpu: int) -> None:
    os.sched_setaffinity(0, {cpu})


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    Linux's ``VmHWM`` belongs to the process's own address space; ``ru_maxrss`` also counts
    the parent's memory at ``fork`` (it survives ``exec``), so it is only the fallback.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def time_runs(case_name: str, pipeline: str, runs: int, cpu: int) -> dict[str, object]:
    _pin(cpu)
    from bench.pipelines import PIPELINES, prepare

    case = CASES[case_name]
    data = case.path.read_bytes()
    run = PIPELINES[pipeline]
    prepared = prepare(case.content_type, data) if pipeline == "floor" else []
    start = time.perf_counter()
    run(case.content_type, data, prepared)
    first = time.perf_counter() - start
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        run(case.content_type, data, prepared)
        samples.append(time.perf_counter() - start)
    return {
        "first_ms": round(first * 1000, 1),
        "samples_ms": [round(s * 1000, 2) for s in samples],
    }


def peak_rss(case_name: str, pipeline: str, cpu: int) -> dict[str, object]:
    _pin(cpu)
    from bench.pipelines import PIPELINES

    case = CASES[case_name]
    data = case.path.read_bytes()
    baseline = _rss_mb()
    PIPELINES[pipeline](case.content_type, data, [])
    return {"baseline_mb": round(baseline, 1), "peak_mb": round(_rss_mb(), 1)}


def main(argv: list[str]) -> None:
    if argv[:1] == ["gallery"]:
        _pin(int(argv[1]) if len(argv) > 1 else 0)
        from bench import gallery

        print(json.dumps(gallery.measure()))
        return
    mode, case_name, pipeline, *rest = argv
    if mode == "time":
        result = time_runs(case_name, pipeline, int(rest[0]), int(rest[1]))
    elif mode == "rss":
        result = peak_rss(case_name, pipeline, int(rest[0]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
