"""Run every benchmark and print one JSON object of results.

- ``import_ms.<function>``: cold import time of each handler module (target ≤ 250 ms).
- ``process_12mp``: time to produce every rendition of a 12 MP JPEG, against the floor
  (libjpeg-turbo decode at the scale the largest rendition needs + encode of the outputs),
  measured in the same run on one core (target ratio ≤ 2.0).
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ("upload", "process", "gallery", "purge")


def import_ms(function: str, runs: int = 5) -> float:
    """Median wall time of a fresh interpreter importing the handler (minus bare start-up)."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'layers' / 'core'}"}

    def timed(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)
        return time.perf_counter() - start

    baseline = statistics.median(timed("pass") for _ in range(runs))
    module = f"import functions.{function}.handler"
    return round((statistics.median(timed(module) for _ in range(runs)) - baseline) * 1000, 1)


def process_ratio(megapixels: int = 12, runs: int = 5) -> dict[str, float]:
    sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "core")]
    from PIL import Image

    from functions.process import imaging
    from local.samples import photo

    width = int((megapixels * 1_000_000 * 4 / 3) ** 0.5)
    data = photo(0, (width, width * 3 // 4))

    def floor() -> None:
        largest = max(imaging.RENDITIONS.values())
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (largest, largest))
            image.load()
            for name, edge in imaging.RENDITIONS.items():
                out = image.resize((edge, edge * image.height // image.width))
                out.save(io.BytesIO(), "JPEG", quality=imaging.JPEG_QUALITY[name])

    def ours() -> None:
        imaging.render(data, "image/jpeg")

    def best(fn: object) -> float:
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()  # type: ignore[operator]
            samples.append(time.perf_counter() - start)
        return min(samples)

    floor_s, ours_s = best(floor), best(ours)
    return {
        "floor_ms": round(floor_s * 1000, 1),
        "pellicule_ms": round(ours_s * 1000, 1),
        "ratio": round(ours_s / floor_s, 2),
    }


def main() -> None:
    results: dict[str, object] = {f"import_ms.{name}": import_ms(name) for name in FUNCTIONS}
    results["process_12mp"] = process_ratio()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
