"""The browser shrinks photos to the download rendition (web/staff/shrink.js): same long side,
same JPEG quality as functions/process/imaging.py, so what a phone sends is what Pellicule
keeps, and no more (docs/media-pipeline.md, "Uploads from a phone")."""

from __future__ import annotations

import re
from pathlib import Path

from functions.process import imaging

SHRINK = Path(__file__).resolve().parents[2] / "web" / "staff" / "shrink.js"


def _constant(name: str) -> int:
    [value] = re.findall(rf"^export const {name} = (\d+);", SHRINK.read_text(), re.MULTILINE)
    return int(value)


def test_the_browser_shrinks_to_the_download_rendition() -> None:
    assert _constant("LONG_SIDE") == imaging.RENDITIONS["download"]
    assert _constant("QUALITY") == imaging.JPEG_QUALITY["download"]
