"""The static ffmpeg command of ``imageio-ffmpeg``, for making sample clips (demo and tests).

The video function never runs it (it reads and writes videos in-process with PyAV); the demo
seeds and the tests use it to make clips the way cameras and phones do (timecode tracks,
several audio tracks, display-matrix rotation, metadata).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path


@cache
def ffmpeg_exe() -> str:
    """The binary shipped in ``imageio_ffmpeg/binaries``.

    Looked up directly rather than through ``imageio_ffmpeg.get_ffmpeg_exe()``, which checks
    the binary by running it without a time limit (and would fall back to any ``ffmpeg`` on
    the PATH).
    """
    import imageio_ffmpeg

    binaries = Path(imageio_ffmpeg.__file__).parent / "binaries"
    found = sorted(
        path for path in binaries.glob("ffmpeg-*") if path.is_file() and os.access(path, os.X_OK)
    )
    if len(found) != 1:
        raise RuntimeError(f"expected one executable ffmpeg in {binaries}, found {len(found)}")
    return str(found[0])
