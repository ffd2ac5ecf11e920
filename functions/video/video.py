"""Video sniffing, probing, transcoding and posters: ffmpeg (and Pillow), no AWS.

Security requirements 6 and 7 for videos:

* the container is sniffed by its magic bytes (an ISO BMFF ``ftyp`` box with an allowlisted
  MP4 or QuickTime brand) and must match the type the upload declared;
* ffmpeg only ever reads local files (``-protocol_whitelist file,pipe``), through the one
  demuxer those containers need (``-f mov``, external data references off), never stdin;
* codecs are allowlisted; duration and resolution are capped before anything is decoded;
* the output keeps the first video and first audio stream only (no data, subtitle or
  timecode track: GPS often lives there), is re-encoded (H.264 High, AAC), turned upright,
  scaled to 720p at most, carries no global, stream or chapter metadata (bitexact: no
  encoder version, no creation time) and has its ``moov`` box first (fast start);
* the poster is one frame of that output, decoded to PPM (a format without metadata) and
  encoded as JPEG by Pillow.

Every ffmpeg run has a time limit and its diagnostics go to a file (never to the logs: they
echo the file's metadata, which may name people or places).
"""

from __future__ import annotations

import io
import math
import os
import re
import subprocess
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pellicule import topology
from pellicule.errors import RejectedMedia

if TYPE_CHECKING:
    from PIL import Image

# --- Container sniffing ----------------------------------------------------------------------

SNIFF_BYTES = 256
MAX_FTYP_BYTES = SNIFF_BYTES  # real ftyp boxes hold a handful of brands (20-40 bytes)


def _brands(packed: bytes) -> frozenset[bytes]:
    """Four-character brands written back to back, as in an ``ftyp`` box."""
    return frozenset(packed[i : i + 4] for i in range(0, len(packed), 4))


MP4_BRANDS = _brands(b"isomiso2iso3iso4iso5iso6mp41mp42avc1M4V MSNV")
QUICKTIME_BRANDS = frozenset({b"qt  "})
VIDEO_TYPES = ("video/mp4", "video/quicktime")

# --- Codecs (ffmpeg codec names) ---------------------------------------------------------------

VIDEO_CODECS = frozenset({"h264", "hevc", "av1", "vp9", "mpeg4"})
AUDIO_CODECS = frozenset(
    {"aac", "mp3", "alac", "opus", "ac3", "eac3", "amr_nb", "amr_wb"}
    | {"pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_s24be", "pcm_s32le", "pcm_f32le"}
)

# --- Output ----------------------------------------------------------------------------------

OUTPUT_LONG_EDGE = 1280  # 720p: 1280x720 landscape, 720x1280 portrait
OUTPUT_SHORT_EDGE = 720
OUTPUT_MAX_FPS = 30
X264_PRESET = "veryfast"
X264_CRF = 23
AUDIO_BITRATE = "128k"
POSTER_QUALITY = 84
THUMB_EDGE = 400
THUMB_QUALITY = 80
POSTER_AT_SECONDS = 1.0  # or 10 % of the duration for clips shorter than 10 s

# --- Time limits (seconds; each run is also bounded by the caller's deadline) ----------------

PROBE_TIMEOUT_SECONDS = 60.0
POSTER_TIMEOUT_SECONDS = 60.0
POSTER_RESERVE_SECONDS = 20.0  # kept for the poster and the output probe after transcoding
MAX_DIAGNOSTICS_BYTES = 1024 * 1024  # of ffmpeg's stderr read back

# --- Messages (French first, then English) ---------------------------------------------------

TYPE_MISMATCH = (
    "Le contenu du fichier ne correspond pas à son type (vidéo MP4 ou MOV attendue). / "
    "The file content does not match its type (MP4 or MOV video expected)."
)
UNREADABLE = "Fichier vidéo illisible ou corrompu. / Unreadable or corrupt video file."
NO_VIDEO = "Le fichier ne contient pas d'image vidéo. / The file contains no video track."
VIDEO_CODEC = (
    "Format vidéo non pris en charge (H.264, HEVC, AV1, VP9 ou MPEG-4 attendu). / "
    "Unsupported video format (H.264, HEVC, AV1, VP9 or MPEG-4 expected)."
)
AUDIO_CODEC = (
    "Format audio de la vidéo non pris en charge. / Unsupported audio format in the video."
)
TOO_SLOW = (
    "La conversion de cette vidéo prend trop de temps ; envoyez un extrait plus court ou de "
    "plus basse définition. / Converting this video takes too long; send a shorter or "
    "lower-resolution clip."
)


def too_long(limits: topology.VideoLimits) -> str:
    cap = limits.max_duration_seconds
    label = f"{cap / 60:g} min" if cap % 60 == 0 else f"{cap:g} s"
    return f"Vidéo trop longue (plus de {label}). / Video too long (over {label})."


def too_large(limits: topology.VideoLimits) -> str:
    edge = limits.max_long_edge
    return (
        f"Définition de la vidéo trop grande (plus de {edge} pixels). / "
        f"Video resolution too high (over {edge} pixels)."
    )


# --- Sniffing --------------------------------------------------------------------------------


def sniff(head: bytes) -> frozenset[str]:
    """The video types the ``ftyp`` box at the start of ``head`` declares (empty: none).

    ISO BMFF files (MP4, QuickTime) start with a box ``<size:4><"ftyp"><major brand:4>
    <minor version:4><compatible brands:4*n>``. A brand of ``MP4_BRANDS`` makes the file
    acceptable as ``video/mp4``, ``qt  `` as ``video/quicktime``. HTML, SVG, JPEG, HEIC
    (``heic``/``mif1`` brands) and everything else yield nothing.
    """
    if len(head) < 16 or head[4:8] != b"ftyp":
        return frozenset()
    size = int.from_bytes(head[:4], "big")
    if size < 16 or size > MAX_FTYP_BYTES or size % 4:
        return frozenset()
    end = min(size, len(head))
    brands = {head[8:12], *(head[i : i + 4] for i in range(16, end - 3, 4))}
    found = set()
    if brands & MP4_BRANDS:
        found.add("video/mp4")
    if brands & QUICKTIME_BRANDS:
        found.add("video/quicktime")
    return frozenset(found)


# --- Probing (ffmpeg -i, stderr parsed: there is no ffprobe in the layer) ----------------------


@dataclass(frozen=True)
class VideoStream:
    index: int
    codec: str
    width: int  # coded size
    height: int
    sar: tuple[int, int]  # sample (pixel) aspect ratio
    rotation: int  # display matrix rotation: 0, 90, 180 or 270

    @property
    def display_size(self) -> tuple[int, int]:
        """Size with square pixels, before rotation."""
        num, den = self.sar
        width = self.width * num / den if num > 0 and den > 0 else self.width
        return max(1, round(width)), self.height

    @property
    def upright_size(self) -> tuple[int, int]:
        width, height = self.display_size
        return (height, width) if self.rotation in (90, 270) else (width, height)


@dataclass(frozen=True)
class AudioStream:
    index: int
    codec: str


@dataclass(frozen=True)
class Probe:
    duration_seconds: float | None
    video: tuple[VideoStream, ...]  # attached pictures (cover art) excluded
    audio: tuple[AudioStream, ...]
    creation_date: str | None  # YYYY-MM-DD, never a time or a place

    @property
    def main_video(self) -> VideoStream | None:
        """The stream ``-map 0:V:0`` picks: the first video stream that is not a picture."""
        return min(self.video, key=lambda s: s.index) if self.video else None

    @property
    def main_audio(self) -> AudioStream | None:
        return min(self.audio, key=lambda s: s.index) if self.audio else None


class ProbeError(ValueError):
    """ffmpeg's report cannot be read unambiguously."""


# Anchored on ffmpeg's exact indentation: values of the file's own metadata are printed
# indented further (continuation lines behind "<spaces>: "), so they cannot pass for these.
_INPUT = re.compile(r"^Input #(\d+), ")
_DURATION = re.compile(r"^  Duration: (N/A|(\d+):(\d{2}):(\d{2}(?:\.\d+)?))")
_STREAM = re.compile(
    r"^  Stream #0:(\d+)(?:\[0x[0-9a-fA-F]+\])?(?:\([^)]*\))?: (Video|Audio|Subtitle|Data|"
    r"Attachment): (.*)$"
)
_GLOBAL_METADATA_HEADER = "  Metadata:"
_GLOBAL_METADATA = re.compile(r"^    ([^\s:][^:]*?)\s*: (.*)$")
_SIZE = re.compile(r"(?:^|, )(\d{1,6})x(\d{1,6})(?: \[SAR (\d+):(\d+) DAR \d+:\d+\])?(?=[, ]|$)")
_CODEC = re.compile(r"^([A-Za-z0-9_]+)")
_ROTATION = re.compile(r"^\s+display ?matrix: rotation of (-?\d+(?:\.\d+)?) degrees", re.I)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
# Keys holding the recording date, most local first (Apple's carries the UTC offset).
_DATE_KEYS = ("com.apple.quicktime.creationdate", "creation_time")


def parse_probe(report: str) -> Probe:
    """Read the ``Input #0`` part of ``ffmpeg -i`` diagnostics.

    Raises ``ProbeError`` when there is no input section, or when a line ffmpeg prints once
    (the duration, a stream) appears twice: forged metadata trying to pass for them.
    """
    inputs = 0
    durations: list[float | None] = []
    streams: dict[int, tuple[str, str]] = {}
    rotations: dict[int, int] = {}
    metadata: dict[str, str] = {}
    current: int | None = None
    in_global_metadata = False
    for line in report.splitlines():
        if _INPUT.match(line):
            inputs += 1
            continue
        if inputs == 0:
            continue
        if line == _GLOBAL_METADATA_HEADER and current is None and not durations:
            in_global_metadata = True
            continue
        duration = _DURATION.match(line)
        if duration:
            in_global_metadata = False
            durations.append(_seconds(duration) if duration.group(2) else None)
            continue
        stream = _STREAM.match(line)
        if stream:
            in_global_metadata = False
            current = int(stream.group(1))
            if current in streams:
                raise ProbeError(f"stream {current} reported twice")
            streams[current] = (stream.group(2), stream.group(3))
            continue
        if in_global_metadata:
            entry = _GLOBAL_METADATA.match(line)
            if entry and entry.group(1) not in metadata:
                metadata[entry.group(1)] = entry.group(2)
            continue
        rotation = _ROTATION.match(line)
        if rotation and current is not None:
            rotations[current] = _quarter_turns(float(rotation.group(1)))
    if inputs != 1 or len(durations) != 1:
        raise ProbeError("no single input with a single duration")
    return Probe(
        duration_seconds=durations[0],
        video=tuple(
            _video_stream(index, description, rotations.get(index, 0))
            for index, (kind, description) in sorted(streams.items())
            if kind == "Video" and "(attached pic)" not in description
        ),
        audio=tuple(
            AudioStream(index, _codec(description))
            for index, (kind, description) in sorted(streams.items())
            if kind == "Audio"
        ),
        creation_date=_creation_date(metadata),
    )


def _seconds(match: re.Match[str]) -> float:
    return int(match.group(2)) * 3600 + int(match.group(3)) * 60 + float(match.group(4))


def _quarter_turns(degrees: float) -> int:
    return round(degrees / 90.0) % 4 * 90


def _codec(description: str) -> str:
    match = _CODEC.match(description)
    return match.group(1).lower() if match else ""


def _video_stream(index: int, description: str, rotation: int) -> VideoStream:
    size = _SIZE.search(description)
    if size is None:
        raise ProbeError(f"video stream {index} has no size")
    sar = (int(size.group(3)), int(size.group(4))) if size.group(3) else (1, 1)
    return VideoStream(
        index=index,
        codec=_codec(description),
        width=int(size.group(1)),
        height=int(size.group(2)),
        sar=sar,
        rotation=rotation,
    )


def _creation_date(metadata: dict[str, str]) -> str | None:
    for key in _DATE_KEYS:
        value = metadata.get(key, "").split(";", 1)[0].strip()
        match = _DATE.match(value)
        if not match:
            continue
        year, month, day = match.groups()
        if "1990" <= year <= "2100" and "01" <= month <= "12" and "01" <= day <= "31":
            return f"{year}-{month}-{day}"
    return None


# --- Running ffmpeg --------------------------------------------------------------------------


@cache
def ffmpeg_exe() -> str:
    """The static ffmpeg of ``imageio-ffmpeg`` (the ``ffmpeg`` layer, or the dev environment).

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


def threads() -> int:
    """Encoder threads: the CPUs this process may use (Lambda: ~1.7 vCPU at 3008 MB -> 2)."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available, 8))


def _input_options(source: Path) -> list[str]:
    """Read ``source`` as MP4/QuickTime only, from the local file system only."""
    return [
        *["-protocol_whitelist", "file,pipe", "-f", "mov"],
        *["-enable_drefs", "0"],  # never follow a track's reference to another file
        *("-i", f"file:{source}"),
    ]


def _run(arguments: list[str], *, timeout: float, diagnostics: Path) -> int:
    """Run ffmpeg with ``arguments``; stderr goes to ``diagnostics``. Returns the exit code."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", *arguments]
    with diagnostics.open("wb") as stderr:
        completed = subprocess.run(  # noqa: S603 - fixed executable, argument list, no shell
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            timeout=max(1.0, timeout),
            check=False,
        )
    return completed.returncode


def _read_diagnostics(path: Path) -> str:
    with path.open("rb") as handle:
        return handle.read(MAX_DIAGNOSTICS_BYTES).decode("utf-8", errors="replace")


def probe(path: Path, workdir: Path, *, timeout: float = PROBE_TIMEOUT_SECONDS) -> Probe:
    """What ffmpeg reads in ``path`` (``ffmpeg -i`` without an output always exits 1)."""
    diagnostics = workdir / f"probe-{path.name}.log"
    try:
        _run(
            [*_input_options(path)],
            timeout=min(timeout, PROBE_TIMEOUT_SECONDS),
            diagnostics=diagnostics,
        )
        return parse_probe(_read_diagnostics(diagnostics))
    except (ProbeError, subprocess.TimeoutExpired):
        raise RejectedMedia(UNREADABLE) from None
    finally:
        diagnostics.unlink(missing_ok=True)


def check(found: Probe, limits: topology.VideoLimits) -> VideoStream:
    """Refuse what is unreadable, not a video, too long or too large; the stream to encode."""
    main = found.main_video
    if main is None:
        raise RejectedMedia(NO_VIDEO)
    if found.duration_seconds is None or found.duration_seconds <= 0:
        raise RejectedMedia(UNREADABLE)
    if found.duration_seconds > limits.max_duration_seconds:
        raise RejectedMedia(too_long(limits))
    # Every video stream counts, not only the one encoded: caps never depend on which one
    # ffmpeg would pick.
    for stream in found.video:
        if stream.width <= 0 or stream.height <= 0:
            raise RejectedMedia(UNREADABLE)
        if max(stream.width, stream.height, *stream.display_size) > limits.max_long_edge:
            raise RejectedMedia(too_large(limits))
        if stream.codec not in VIDEO_CODECS:
            raise RejectedMedia(VIDEO_CODEC)
    audio = found.main_audio
    if audio is not None and audio.codec not in AUDIO_CODECS:
        raise RejectedMedia(AUDIO_CODEC)
    return main


def _fit(long_edge: int, short_edge: int) -> str:
    """ffmpeg scale expressions: square pixels, within long x short, never enlarged, even."""
    display_width = "iw*sar"
    factor = f"min(1,min({long_edge}/max({display_width},ih),{short_edge}/min({display_width},ih)))"
    width = f"max(2,trunc({display_width}*{factor}/2)*2)"
    height = f"max(2,trunc(ih*{factor}/2)*2)"
    return f"scale=w='{width}':h='{height}',setsar=1"


def transcode(
    source: Path,
    target: Path,
    workdir: Path,
    *,
    limits: topology.VideoLimits,
    timeout: float,
) -> None:
    """Re-encode ``source`` as a clean, upright, 720p-at-most H.264/AAC MP4 at ``target``."""
    arguments = [
        *["-y", "-loglevel", "error"],
        *_input_options(source),
        # Streams: the first real video (not cover art) and the first audio, nothing else.
        *["-map", "0:V:0", "-map", "0:a:0?", "-dn", "-sn"],
        # No global, stream or chapter metadata; bitexact: no encoder version, no dates.
        *["-map_metadata", "-1", "-map_chapters", "-1"],
        *["-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"],
        *("-t", f"{limits.max_duration_seconds:g}"),
        # Autorotation (ffmpeg's default) turns frames upright before this filter and leaves
        # no display matrix on the output.
        *("-vf", _fit(OUTPUT_LONG_EDGE, OUTPUT_SHORT_EDGE), "-fpsmax", str(OUTPUT_MAX_FPS)),
        *("-c:v", "libx264", "-preset", X264_PRESET, "-crf", str(X264_CRF)),
        *["-profile:v", "high", "-pix_fmt", "yuv420p"],
        # Drop SEI NAL units: x264 writes its version and settings there.
        *["-bsf:v", "filter_units=remove_types=6"],
        *("-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ac", "2"),
        *("-movflags", "+faststart", "-threads", str(threads())),
        *("-f", "mp4", f"file:{target}"),
    ]
    diagnostics = workdir / "transcode.log"
    try:
        code = _run(arguments, timeout=timeout, diagnostics=diagnostics)
    except subprocess.TimeoutExpired:
        target.unlink(missing_ok=True)
        raise RejectedMedia(TOO_SLOW) from None
    finally:
        diagnostics.unlink(missing_ok=True)
    if code != 0 or not target.is_file() or target.stat().st_size == 0:
        target.unlink(missing_ok=True)
        raise RejectedMedia(UNREADABLE)


@dataclass(frozen=True)
class Picture:
    data: bytes
    width: int
    height: int


def poster_frame(
    video: Path, workdir: Path, at_seconds: float, *, timeout: float = POSTER_TIMEOUT_SECONDS
) -> bytes | None:
    """One frame of ``video`` at ``at_seconds`` as PPM (no metadata possible), or None."""
    frame = workdir / "poster.ppm"
    diagnostics = workdir / "poster.log"
    arguments = [
        *["-y", "-loglevel", "error"],
        *("-ss", f"{max(0.0, at_seconds):.3f}"),  # before -i: seek in the input
        *_input_options(video),
        *["-map", "0:V:0", "-frames:v", "1", "-an", "-f", "image2pipe", "-c:v", "ppm"],
        f"file:{frame}",
    ]
    try:
        code = _run(
            arguments, timeout=min(timeout, POSTER_TIMEOUT_SECONDS), diagnostics=diagnostics
        )
        if code != 0 or not frame.is_file() or frame.stat().st_size == 0:
            return None
        return frame.read_bytes()
    except subprocess.TimeoutExpired:
        return None
    finally:
        frame.unlink(missing_ok=True)
        diagnostics.unlink(missing_ok=True)


def pictures(ppm: bytes) -> tuple[Picture, Picture]:
    """The poster (full frame) and its thumbnail, as JPEG without any metadata."""
    from PIL import Image

    with Image.open(io.BytesIO(ppm), formats=["PPM"]) as opened:
        opened.load()
        frame = opened.convert("RGB")
    poster = Picture(_jpeg(frame, POSTER_QUALITY), frame.width, frame.height)
    thumb = frame.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return poster, Picture(_jpeg(thumb, THUMB_QUALITY), thumb.width, thumb.height)


def _jpeg(image: Image.Image, quality: int) -> bytes:
    image.info = {}  # nothing may ride along: no comment, EXIF, XMP or ICC
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


# --- The whole job ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    width: int  # upright size of the original
    height: int
    capture_date: str | None
    duration_seconds: float
    video: Path  # H.264/AAC MP4, metadata-free
    video_width: int
    video_height: int
    has_audio: bool
    poster: Picture
    thumb: Picture


def render(
    source: Path,
    workdir: Path,
    declared_type: str,
    *,
    limits: topology.VideoLimits = topology.VIDEO_LIMITS,
    deadline: float,
) -> Result:
    """Check ``source`` (declared as ``declared_type``) and produce the clean video and poster.

    ``deadline`` is a ``time.monotonic()`` instant by which every ffmpeg run must be over.
    Raises ``RejectedMedia`` with a reason the uploader can act on.
    """

    def remaining() -> float:
        return deadline - time.monotonic()

    with source.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if declared_type not in VIDEO_TYPES or declared_type not in sniff(head):
        raise RejectedMedia(TYPE_MISMATCH)
    original = probe(source, workdir, timeout=remaining())
    main = check(original, limits)

    target = workdir / "video.mp4"
    transcode(
        source,
        target,
        workdir,
        limits=limits,
        timeout=remaining() - POSTER_RESERVE_SECONDS,
    )
    produced = probe(target, workdir, timeout=remaining())
    output = produced.main_video
    if (
        output is None
        or output.codec != "h264"
        or output.rotation != 0
        or len(produced.video) != 1
        or produced.duration_seconds is None
    ):
        raise RejectedMedia(UNREADABLE)
    duration = produced.duration_seconds
    frame = poster_frame(
        target, workdir, min(POSTER_AT_SECONDS, duration / 10), timeout=remaining()
    ) or poster_frame(target, workdir, 0.0, timeout=remaining())
    if frame is None:
        raise RejectedMedia(UNREADABLE)
    poster, thumb = pictures(frame)

    # The original's upright size, oriented like the output (ffmpeg's own autorotation
    # decided it, not our reading of the display matrix).
    long_side, short_side = sorted(main.display_size, reverse=True)
    portrait = output.height > output.width
    width, height = (short_side, long_side) if portrait else (long_side, short_side)
    return Result(
        width=width,
        height=height,
        capture_date=original.creation_date,
        duration_seconds=math.floor(duration * 100) / 100,
        video=target,
        video_width=output.width,
        video_height=output.height,
        has_audio=produced.main_audio is not None,
        poster=poster,
        thumb=thumb,
    )
