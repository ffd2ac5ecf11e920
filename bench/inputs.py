"""Benchmark inputs: photo-like pictures generated once (deterministic) and cached.

They are cached under ``.cache/bench/`` (git-ignored); the file name carries
``GENERATOR_VERSION`` so that a change of the recipe regenerates them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench"
GENERATOR_VERSION = 1


def use_project_paths() -> None:
    """Make the repository and the core layer importable (as the functions see them)."""
    for path in (str(ROOT / "layers" / "core"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)


@dataclass(frozen=True)
class Case:
    name: str
    content_type: str
    description: str
    sensor_size: tuple[int, int]  # as stored in the file (before orientation)
    orientation: int
    seed: int

    @property
    def path(self) -> Path:
        extension = "heic" if self.content_type == "image/heic" else "jpg"
        return CACHE / f"{self.name}-v{GENERATOR_VERSION}.{extension}"

    @property
    def megapixels(self) -> float:
        return self.sensor_size[0] * self.sensor_size[1] / 1e6


CASES: dict[str, Case] = {
    case.name: case
    for case in (
        Case(
            "jpeg_12mp",
            "image/jpeg",
            "12 MP JPEG q90, Display P3, EXIF orientation 6 (portrait phone photo)",
            (4000, 3000),
            6,
            12,
        ),
        Case(
            "jpeg_48mp",
            "image/jpeg",
            "48 MP JPEG q90, Display P3, orientation 1 (48 MP phone mode)",
            (8000, 6000),
            1,
            48,
        ),
        Case(
            "heic_12mp",
            "image/heic",
            "12 MP iPhone-like HEIC: 512 px grid tiles, Display P3, irot + EXIF orientation 6",
            (4032, 3024),
            6,
            3,
        ),
    )
}


def ensure(case: Case) -> Path:
    """The input file of ``case``, generated on first use (a few seconds; HEIC ~15 s)."""
    if case.path.is_file():
        return case.path
    from tests.support import images

    if case.content_type == "image/heic":
        data = images.iphone_heic(case.sensor_size, case.seed, case.orientation)
    else:
        data = images.camera_jpeg(
            case.sensor_size, case.seed, case.orientation, images.display_p3_icc()
        )
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = case.path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(case.path)
    return case.path
