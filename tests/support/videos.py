"""Test videos made by the ffmpeg binary itself, carrying what phones write, and checks.

Every clip is tiny (a few seconds, test pattern + tone) and carries personal metadata in
every place a video can hold it: global tags (title, artist, ISO 6709 location, Apple
``com.apple.quicktime.location.ISO6709`` key, creation time), stream tags, a ``©xyz`` GPS
atom and XMP (written by exiftool), a subtitle track, and a display-matrix rotation.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from functions.video import video
from local.ffmpeg_cli import ffmpeg_exe

PERSON = "Jeanne Martin"
PLACE = "+48.8566+002.3522/"
TITLE = "Sortie au parc"
CREATED = "2026-06-14T10:00:00Z"
TIMEOUT = 60
# Substrings that must appear nowhere in an output (exiftool's or ffmpeg's view of it).
FORBIDDEN = (
    "Jeanne",
    "Martin",
    "Sortie",
    "48.85",
    "48 deg",
    "2.352",
    "2026",
    "iPhone",
    "x264 - core",
    "Copyleft",
)


def ffmpeg(*arguments: str) -> None:
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *arguments],
        check=True,
        timeout=TIMEOUT,
        capture_output=True,
    )


def exiftool_path() -> str:
    found = shutil.which("exiftool")
    assert found, "exiftool is required (Debian: libimage-exiftool-perl; make test installs it)"
    return found


def make(
    directory: Path,
    name: str,
    *,
    size: tuple[int, int] = (1280, 720),
    seconds: float = 2.0,
    rate: int = 25,
    audio: bool = True,
    container: str = "mp4",
    rotation: int = 0,
    metadata: bool = True,
    subtitles: bool = False,
    faststart: bool = False,
    exif_gps: bool = False,
    audio_tracks: int = 1,
    timecode: str | None = None,
) -> Path:
    """An H.264 (+AAC) clip at ``directory/name`` with the metadata a phone would write.

    ``audio_tracks`` AAC tracks (a camera's stereo mix plus others); ``timecode``: a QuickTime
    timecode track (``tmcd``, a data stream the video track refers to), as GoPro and most
    cameras write.
    """
    width, height = size
    raw = directory / f"{name}.raw.mp4"
    sources = ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={rate}:d={seconds}"]
    maps = ["-map", "0:v"]
    for track in range(audio_tracks if audio else 0):
        tone = f"sine=frequency={440 * (track + 1)}:sample_rate=44100:d={seconds}"
        sources += ["-f", "lavfi", "-i", tone]
        maps += ["-map", f"{track + 1}:a"]
    ffmpeg(
        *sources,
        *maps,
        *["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
        *(["-c:a", "aac", "-b:a", "64k"] if audio else []),
        str(raw),
    )
    target = directory / name
    inputs = (
        ["-display_rotation:v:0", str(rotation), "-i", str(raw)] if rotation else ["-i", str(raw)]
    )
    extra: list[str] = []
    if subtitles:
        srt = directory / f"{name}.srt"
        srt.write_text(f"1\n00:00:00,000 --> 00:00:01,000\n{PERSON} au parc\n", encoding="utf-8")
        inputs += ["-i", str(srt)]
        extra += ["-map", "1:0", "-c:s", "mov_text"]
    tags: list[str] = []
    if metadata:
        tags = [
            *["-metadata", f"location={PLACE}"],
            *["-metadata", f"com.apple.quicktime.location.ISO6709={PLACE}"],
            *["-metadata", f"title={TITLE}"],
            *["-metadata", f"artist={PERSON}"],
            *["-metadata", f"creation_time={CREATED}"],
            *["-metadata", "com.apple.quicktime.make=Apple"],
            *["-metadata", "com.apple.quicktime.model=iPhone 15"],
            *["-metadata:s:v:0", f"handler_name={PERSON}'s iPhone"],
            *["-metadata:s:v:0", f"title={TITLE}"],
            *["-movflags", "+use_metadata_tags"],
        ]
    ffmpeg(
        *inputs,
        "-map",
        "0",
        *extra,
        "-c:v",
        "copy",
        "-c:a",
        "copy",
        *tags,
        *(["-movflags", "+faststart"] if faststart else []),
        *(["-timecode", timecode, "-write_tmcd", "1"] if timecode else []),
        "-f",
        "mov" if container == "mov" else "mp4",
        str(target),
    )
    raw.unlink()
    if exif_gps:
        # A ©xyz GPS atom and XMP, as phones and editors write them (exiftool writes both).
        subprocess.run(
            [
                exiftool_path(),
                "-q",
                "-overwrite_original",
                "-UserData:GPSCoordinates=48.8566, 2.3522",
                f"-XMP-dc:Creator={PERSON}",
                str(target),
            ],
            check=True,
            timeout=TIMEOUT,
            capture_output=True,
        )
    return target


def exiftool_tags(path: Path) -> dict[str, Any]:
    """Every tag exiftool finds (all groups, duplicates, embedded data)."""
    completed = subprocess.run(
        [exiftool_path(), "-j", "-a", "-G1", "-ee", "-api", "LargeFileSupport=1", str(path)],
        check=True,
        timeout=TIMEOUT,
        capture_output=True,
    )
    tags: dict[str, Any] = json.loads(completed.stdout)[0]
    return {k: v for k, v in tags.items() if not k.startswith(("System:", "ExifTool:"))}


def exiftool_bytes(data: bytes) -> dict[str, Any]:
    completed = subprocess.run(
        [exiftool_path(), "-j", "-a", "-G1", "-ee", "-"],
        input=data,
        check=True,
        timeout=TIMEOUT,
        capture_output=True,
    )
    tags: dict[str, Any] = json.loads(completed.stdout)[0]
    return {k: v for k, v in tags.items() if not k.startswith(("System:", "ExifTool:"))}


def ffmpeg_report(path: Path) -> str:
    """ffmpeg's own reading of ``path`` (there is no ffprobe)."""
    completed = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        check=False,
        timeout=TIMEOUT,
        capture_output=True,
    )
    return completed.stderr.decode("utf-8", errors="replace")


def top_level_boxes(path: Path) -> list[str]:
    """Types of the top-level ISO BMFF boxes, in file order (``moov`` before ``mdat``:
    fast start)."""
    found = []
    with path.open("rb") as handle:
        while header := handle.read(8):
            if len(header) < 8:
                break
            size = int.from_bytes(header[:4], "big")
            kind = header[4:8].decode("latin-1")
            if size == 1:
                size = int.from_bytes(handle.read(8), "big")
                handle.seek(size - 16, 1)
            elif size == 0:
                found.append(kind)
                break
            else:
                handle.seek(size - 8, 1)
            found.append(kind)
    return found


def assert_clean_video(path: Path) -> dict[str, Any]:
    """Assert the output carries no personal metadata and is a fast-start H.264/AAC MP4;
    returns exiftool's tags."""
    tags = exiftool_tags(path)
    dump = json.dumps(tags)
    for forbidden in FORBIDDEN:
        assert forbidden not in dump, (forbidden, dump)
    for key in tags:
        group, _, name = key.partition(":")
        # Apple/iTunes tag lists, user data atoms, XMP, GPS: none at all.
        assert group not in ("Keys", "ItemList", "UserData", "XMP", "XMP-dc"), key
        assert not group.startswith(("XMP", "GPS")), key
        assert "GPS" not in name, key
        assert "Location" not in name, key
        assert name not in ("Title", "Artist", "Author", "Creator", "Make", "Model"), key
    assert tags["File:MIMEType"] == "video/mp4"
    # Bitexact: dates zeroed, no encoder version.
    assert tags.get("QuickTime:CreateDate") in (None, "0000:00:00 00:00:00")
    assert "Lavf" not in dump
    assert "Lavc6" not in dump
    report = ffmpeg_report(path)
    # What ffmpeg read from the file (the "Input #0, ... from '<path>'" line names our path).
    read = "\n".join(line for line in report.splitlines() if not line.startswith("Input #"))
    for forbidden in FORBIDDEN:
        assert forbidden not in read, (forbidden, read)
    for word in ("location", "title", "artist", "creation_time", "com.apple", "Subtitle"):
        assert word not in read, (word, read)
    assert "Data:" not in read
    assert "Lavf" not in read
    parsed = video.probe(path)
    assert [s.codec for s in parsed.video] == ["h264"]
    assert parsed.video[0].rotation == 0
    assert "displaymatrix" not in report.lower().replace(" ", "")
    assert [s.codec for s in parsed.audio] in ([], ["aac"])
    assert parsed.creation_date is None
    boxes = top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat"), boxes
    return tags
