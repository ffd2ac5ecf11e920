"""Sample photos for the demo centre, drawn with Pillow (no image files in the repository).

Each one carries what a phone writes (GPS position, camera, date, author, comment) so the
demo shows that none of it survives processing.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

SCENES: tuple[tuple[str, tuple[int, int, int], tuple[int, int, int]], ...] = (
    ("parc", (135, 190, 235), (90, 160, 80)),
    ("atelier", (250, 220, 170), (190, 120, 70)),
    ("piscine", (170, 220, 250), (40, 120, 200)),
)


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "DemoPhone"  # Make
    exif[0x013B] = "Animateur Démo"  # Artist
    exif.get_ifd(0x8769)[0x9003] = "2026:07:08 10:30:00"  # DateTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 50.0, 30.0)
    gps[3], gps[4] = "E", (2.0, 20.0, 10.0)
    return exif


def photo(index: int, size: tuple[int, int] = (2400, 1600)) -> bytes:
    """A JPEG landscape with a sun and hills, different for each ``index``."""
    name, sky, ground = SCENES[index % len(SCENES)]
    width, height = size
    image = Image.new("RGB", size, sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 2 // 3, width, height), fill=ground)
    for i in range(5):
        x = (i * width) // 5 + (index * 97) % 200
        draw.ellipse((x, height // 2, x + width // 4, height), fill=ground)
    draw.ellipse((width - 420, 120, width - 180, 360), fill=(255, 214, 80))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88, exif=_exif(), comment=f"demo {name}".encode())
    return buffer.getvalue()


def video(seconds: float = 3.0) -> bytes:
    """A short MP4 clip (test pattern and a tone) carrying a location, a title and an author,
    made by the static ffmpeg of the local tools (imageio-ffmpeg)."""
    import subprocess
    import tempfile
    from pathlib import Path

    from local.ffmpeg_cli import ffmpeg_exe

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "demo.mp4"
        subprocess.run(  # noqa: S603 - fixed arguments, local binary
            [
                ffmpeg_exe(),
                "-hide_banner",
                "-loglevel",
                "error",
                "-nostdin",
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=size=1280x720:rate=25:duration={seconds}",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=440:duration={seconds}",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-shortest",
                "-metadata",
                "location=+48.8413+002.3526/",
                "-metadata",
                "title=Sortie au parc, groupe des Loutres",
                "-metadata",
                "artist=Animateur Démo",
                "-metadata",
                "creation_time=2026-07-08T10:30:00Z",
                str(path),
            ],
            check=True,
            timeout=60,
        )
        return path.read_bytes()
