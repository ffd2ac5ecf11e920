"""Cold-start footprint: handler import times and the size of what each function ships."""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from bench.inputs import use_project_paths

ROOT = Path(__file__).resolve().parent.parent
MB = 1_000_000


def functions_with(module: str) -> list[str]:
    return sorted(path.parent.name for path in (ROOT / "functions").glob(f"*/{module}.py"))


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers' / 'core'}"}


def _timed(code: str, cpu: int) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env=_env(),
        cwd=ROOT,
        preexec_fn=lambda: os.sched_setaffinity(0, {cpu}),
    )
    return time.perf_counter() - start


def cold_import_ms(runs: int, cpu: int, module: str = "handler") -> dict[str, float]:
    """Median wall time of a fresh interpreter importing ``functions.<name>.<module>`` for
    every function, minus the median of a bare interpreter start (both pinned to ``cpu``)."""
    results = {}
    for function in functions_with(module):
        bare, loaded = [], []
        for _ in range(runs):  # interleaved, so that a load change hits both alike
            bare.append(_timed("pass", cpu))
            loaded.append(_timed(f"import functions.{function}.{module}", cpu))
        results[function] = round((statistics.median(loaded) - statistics.median(bare)) * 1000, 1)
    return results


# What every API function imports anyway before its routes (the resolver, the HTTP glue).
API_BASE_IMPORTS = "import aws_lambda_powertools.event_handler, pellicule.api.http"


def typed_layer_ms(runs: int, cpu: int) -> dict[str, float]:
    """What the typed request layer adds to a cold start, per function that has one: a fresh
    interpreter importing the API base, then ``functions.<name>.contract`` (the request and
    answer types, the parser and the route declarations), minus the same without it."""
    results = {}
    for function in functions_with("contract"):
        base, typed = [], []
        for _ in range(runs):
            base.append(_timed(API_BASE_IMPORTS, cpu))
            typed.append(
                _timed(
                    f"{API_BASE_IMPORTS}; import functions.{function}.contract, "
                    "pellicule.api.operations",
                    cpu,
                )
            )
        results[function] = round((statistics.median(typed) - statistics.median(base)) * 1000, 1)
    return results


def _zipped_size(directory: Path) -> tuple[int, int]:
    """(zipped, unzipped) bytes of a directory, zipped like the CDK asset."""
    buffer = io.BytesIO()
    unzipped = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                unzipped += path.stat().st_size
                bundle.write(path, path.relative_to(directory).as_posix())
    return len(buffer.getvalue()), unzipped


def _zip_size(archive: Path) -> tuple[int, int]:
    with zipfile.ZipFile(archive) as bundle:
        return archive.stat().st_size, sum(entry.file_size for entry in bundle.infolist())


def asset_mb() -> tuple[dict[str, float | None], dict[str, float | None], list[str]]:
    """Per function: (zipped MB, unzipped MB) of its code asset + the core layer + its
    dependency layers, as ``make synth`` leaves them under ``.build/``; None when a part is
    not built. Also returns notes on what is missing."""
    use_project_paths()
    from infra import bundling
    from pellicule.config import topology

    build = bundling.build_root()
    notes: list[str] = []
    zipped: dict[str, float | None] = {}
    unzipped: dict[str, float | None] = {}
    core = build / "assets" / "core"
    for name, spec in sorted(topology.FUNCTIONS.items()):
        parts: list[tuple[int, int]] = []
        missing = []
        code = build / "assets" / "functions" / name
        for directory, label in ((code, f"functions/{name}"), (core, "core layer")):
            if directory.is_dir():
                parts.append(_zipped_size(directory))
            else:
                missing.append(label)
        for layer in spec.layers:
            recipe = bundling.LAYER_RECIPES.get(layer)
            archive = (
                build / "layers" / f"{layer}-{bundling.cache_key(recipe)}" / "layer.zip"
                if recipe
                else None
            )
            if archive is not None and archive.is_file():
                parts.append(_zip_size(archive))
            else:
                missing.append(f"{layer} layer")
        if missing:
            zipped[name] = unzipped[name] = None
            notes.append(f"{name}: not built ({', '.join(missing)}); run `make synth`")
        else:
            zipped[name] = round(sum(p[0] for p in parts) / MB, 2)
            unzipped[name] = round(sum(p[1] for p in parts) / MB, 2)
    return zipped, unzipped, notes
