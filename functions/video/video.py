"""Video sniffing, probing, transcoding and posters: FFmpeg's libraries through PyAV (and
Pillow), in-process, no AWS.

Security requirements 6 and 7 for videos:

* the container is sniffed by its magic bytes (an ISO BMFF ``ftyp`` box with an allowlisted
  MP4 or QuickTime brand) and must match the type the upload declared;
* FFmpeg only ever reads local files (``protocol_whitelist=file``: no network, no pipe, even
  for a nested open), through the one demuxer those containers need (``mov``, external data
  references off), every blocking read under a time limit;
* the probe reads FFmpeg's own view of the file as data (PyAV's streams, codec parameters,
  dispositions, metadata), never a report printed for people: timecode and data tracks,
  stream groups, several audio tracks or cover art change nothing;
* codecs are allowlisted; duration and resolution are capped before a frame is decoded, and
  a frame that grows past the cap later stops the transcode;
* the output keeps the first video and first audio stream only (no data, subtitle or
  timecode track: GPS often lives there), is re-encoded (H.264 High, AAC), turned upright,
  scaled to 720p at most, carries no global, stream or chapter metadata (bitexact: no
  encoder version, no creation time) and has its ``moov`` box first (fast start);
* the poster is one frame of that output, handed to Pillow as PPM (a format without
  metadata) and encoded as JPEG.

FFmpeg's log stays off (PyAV's default): it can echo the file's metadata, which may name
people or places. Each step has a time limit, taken from the caller's deadline.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import math
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pellicule.config import topology
from pellicule.domain.errors import RejectedMedia

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
AUDIO_BIT_RATE = 128_000
POSTER_QUALITY = 84
THUMB_EDGE = 400
THUMB_QUALITY = 80
POSTER_AT_SECONDS = 1.0  # or 10 % of the duration for clips shorter than 10 s

# --- Time limits (seconds; each run is also bounded by the caller's deadline) ----------------

PROBE_TIMEOUT_SECONDS = 60.0
POSTER_TIMEOUT_SECONDS = 60.0
POSTER_RESERVE_SECONDS = 20.0  # kept for the poster and the output probe after transcoding

# --- Why a video is refused (catalogue codes: pellicule.domain.messages.processing) ----------

UNREADABLE = "video_unreadable"
NO_VIDEO = "video_no_track"
AUDIO_CODEC = "video_audio_unsupported"
TOO_SLOW = "video_too_slow"
# The containers a declared type may hold, and the video formats accepted, as people name them.
CONTAINERS = ("MP4", "MOV")
FORMATS = ("H.264", "HEVC", "AV1", "VP9", "MPEG-4")


def type_mismatch() -> RejectedMedia:
    return RejectedMedia("media_content_mismatch", expected=CONTAINERS)


def video_codec() -> RejectedMedia:
    return RejectedMedia("video_codec_unsupported", expected=FORMATS)


def too_long(limits: topology.VideoLimits) -> RejectedMedia:
    cap = limits.max_duration_seconds
    if cap % 60 == 0:
        return RejectedMedia("video_too_long_minutes", minutes=_number(cap / 60))
    return RejectedMedia("video_too_long_seconds", seconds=_number(cap))


def too_large(limits: topology.VideoLimits) -> RejectedMedia:
    return RejectedMedia("video_resolution_too_high", pixels=limits.max_long_edge)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


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


# --- Probing (PyAV: FFmpeg's own demuxer and codec parameters, read as data) -----------------


@dataclass(frozen=True)
class VideoStream:
    index: int
    codec: str  # FFmpeg's codec name (h264, hevc...), whichever decoder would be used
    width: int  # coded size
    height: int
    sar: tuple[int, int]  # sample (pixel) aspect ratio
    rotation: int  # display matrix rotation: 0, 90, 180 or 270 (counter-clockwise)

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
        """The stream encoded: the first video stream that is not a picture."""
        return min(self.video, key=lambda s: s.index) if self.video else None

    @property
    def main_audio(self) -> AudioStream | None:
        return min(self.audio, key=lambda s: s.index) if self.audio else None


_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
# Keys holding the recording date, most local first (Apple's carries the UTC offset).
_DATE_KEYS = ("com.apple.quicktime.creationdate", "creation_time")
# Packets read at most to find the main stream's first frame (its display matrix).
_FIRST_FRAME_PACKETS = 256
# Audio frames kept while waiting for the first picture (~20 s of AAC): beyond, it is broken.
_MAX_WAITING_AUDIO_FRAMES = 1000


def _av() -> Any:
    """PyAV, imported where a video is read (not at module import: cold starts stay small).

    FFmpeg's own log stays off (PyAV's default, asserted here): its warnings can echo the
    file's metadata, which may name people or places.
    """
    import av
    import av.logging

    if av.logging.get_level() is not None:
        av.logging.set_level(None)
    return av


@contextmanager
def _open_input(path: Path, *, timeout: float) -> Iterator[Any]:
    """``path`` opened as MP4/QuickTime only, from the local file system only.

    One demuxer (``mov``), the ``file`` protocol alone (no network, no ``pipe``, no ``concat``
    even for a nested open), no external data references, and every blocking read bounded by
    ``timeout`` (FFmpeg's interrupt callback).
    """
    av = _av()
    container = av.open(
        f"file:{path}",
        mode="r",
        format="mov",
        options=dict(INPUT_OPTIONS),
        metadata_errors="replace",
        timeout=max(1.0, timeout),
    )
    try:
        yield container
    finally:
        container.close()


INPUT_OPTIONS = {"protocol_whitelist": "file", "enable_drefs": "0"}


class ProbeError(ValueError):
    """The container cannot be read unambiguously."""


def _is_picture(stream: Any) -> bool:
    av = _av()
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _codec_name(stream: Any) -> str:
    context = stream.codec_context
    if context is None:
        return ""
    return str(context.codec.canonical_name or "").lower()


def probe(
    path: Path,
    workdir: Path | None = None,
    *,
    timeout: float = PROBE_TIMEOUT_SECONDS,
    limits: topology.VideoLimits = topology.VIDEO_LIMITS,
) -> Probe:
    """What FFmpeg's demuxer reads in ``path``: duration, streams, date.

    The main video stream's display-matrix rotation comes with its first decoded frame; that
    frame is decoded only when every video stream is within ``limits`` (``check`` refuses the
    file otherwise, so nothing larger is ever decoded).
    """
    del workdir  # nothing is written: kept for the callers' symmetry with transcode
    av = _av()
    try:
        with _open_input(path, timeout=min(timeout, PROBE_TIMEOUT_SECONDS)) as container:
            return _read_probe(container, limits)
    except (av.FFmpegError, OSError, ValueError, TypeError, ProbeError):
        raise RejectedMedia(UNREADABLE) from None


def _read_probe(container: Any, limits: topology.VideoLimits) -> Probe:
    duration = container.duration  # microseconds (AV_TIME_BASE), None when unknown
    video_streams = [s for s in container.streams.video if not _is_picture(s)]
    found_video = []
    for stream in video_streams:
        context = stream.codec_context
        width = int(context.width or 0) if context is not None else 0
        height = int(context.height or 0) if context is not None else 0
        ratio = stream.sample_aspect_ratio or (context.sample_aspect_ratio if context else None)
        sar = (ratio.numerator, ratio.denominator) if ratio else (1, 1)
        found_video.append(VideoStream(stream.index, _codec_name(stream), width, height, sar, 0))
    if found_video:
        main = min(found_video, key=lambda s: s.index)
        within = all(
            0 < max(s.width, s.height, *s.display_size) <= limits.max_long_edge for s in found_video
        )
        if within and main.codec in VIDEO_CODECS:
            rotation = _first_frame_rotation(container, main.index)
            found_video = [
                dataclasses.replace(s, rotation=rotation) if s is main else s for s in found_video
            ]
    return Probe(
        duration_seconds=duration / 1_000_000 if duration is not None else None,
        video=tuple(found_video),
        audio=tuple(AudioStream(s.index, _codec_name(s)) for s in container.streams.audio),
        creation_date=_creation_date(dict(container.metadata)),
    )


def _first_frame_rotation(container: Any, index: int) -> int:
    av = _av()
    stream = container.streams[index]
    for count, packet in enumerate(container.demux(stream)):
        if count >= _FIRST_FRAME_PACKETS:
            break
        try:
            frames = packet.decode()
        except av.InvalidDataError:
            continue
        for frame in frames:
            return _quarter_turns(float(frame.rotation))
    raise ProbeError("no frame decoded")


def _quarter_turns(degrees: float) -> int:
    return round(degrees / 90.0) % 4 * 90


def _creation_date(metadata: dict[str, str]) -> str | None:
    for key in _DATE_KEYS:
        value = str(metadata.get(key, "")).split(";", 1)[0].strip()
        match = _DATE.match(value)
        if not match:
            continue
        year, month, day = match.groups()
        if "1990" <= year <= "2100" and "01" <= month <= "12" and "01" <= day <= "31":
            return f"{year}-{month}-{day}"
    return None


def threads() -> int:
    """Encoder threads: the CPUs this process may use (Lambda: ~1.7 vCPU at 3008 MB -> 2)."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available, 8))


def check(found: Probe, limits: topology.VideoLimits) -> VideoStream:
    """Refuse what is unreadable, not a video, too long or too large; the stream to encode."""
    main = found.main_video
    if main is None:
        raise RejectedMedia(NO_VIDEO)
    if found.duration_seconds is None or found.duration_seconds <= 0:
        raise RejectedMedia(UNREADABLE)
    if found.duration_seconds > limits.max_duration_seconds:
        raise too_long(limits)
    # Every video stream counts, not only the one encoded: caps never depend on which one
    # ffmpeg would pick.
    for stream in found.video:
        if stream.width <= 0 or stream.height <= 0:
            raise RejectedMedia(UNREADABLE)
        if max(stream.width, stream.height, *stream.display_size) > limits.max_long_edge:
            raise too_large(limits)
        if stream.codec not in VIDEO_CODECS:
            raise video_codec()
    audio = found.main_audio
    if audio is not None and audio.codec not in AUDIO_CODECS:
        raise RejectedMedia(AUDIO_CODEC)
    return main


def _scale_arguments(long_edge: int, short_edge: int) -> str:
    """``scale`` options: square pixels, within long x short, never enlarged, even sizes."""
    display_width = "iw*sar"
    factor = f"min(1,min({long_edge}/max({display_width},ih),{short_edge}/min({display_width},ih)))"
    width = f"max(2,trunc({display_width}*{factor}/2)*2)"
    height = f"max(2,trunc(ih*{factor}/2)*2)"
    return f"w={width}:h={height}"


# Autorotation, as ffmpeg's command line does it: the display matrix's counter-clockwise
# rotation undone by filters, so that the output needs no matrix.
_UPRIGHT_FILTERS: dict[int, tuple[tuple[str, str], ...]] = {
    0: (),
    90: (("transpose", "cclock"),),
    180: (("hflip", ""), ("vflip", "")),
    270: (("transpose", "clock"),),
}


class _Transcoder:
    """One input's first video and first audio stream, re-encoded into one clean MP4."""

    def __init__(
        self, container: Any, output: Any, limits: topology.VideoLimits, deadline: float
    ) -> None:
        self.av = _av()
        self.output = output
        self.limits = limits
        self.deadline = deadline
        self.video_in = next(s for s in container.streams.video if not _is_picture(s))
        self.audio_in = container.streams.audio[0] if container.streams.audio else None
        self.video_in.thread_type = "AUTO"
        self.graph: Any = None
        self.video_out: Any = None
        self.audio_out: Any = None
        self.units: Any = None
        self.waiting_audio: list[Any] = []

    def _start(self, frame: Any) -> None:
        """Filters and encoders, sized by the first frame (its display matrix included)."""
        av = self.av
        graph = av.filter.Graph()
        chain = [graph.add_buffer(template=self.video_in)]
        # PyAV's buffer source does not carry the pixel aspect ratio: given here, so that
        # anamorphic video is scaled to square pixels.
        ratio = self.video_in.sample_aspect_ratio or self.video_in.codec_context.sample_aspect_ratio
        if ratio and ratio.numerator > 0 and ratio.denominator > 0:
            chain.append(graph.add("setsar", f"{ratio.numerator}/{ratio.denominator}"))
        for name, arguments in _UPRIGHT_FILTERS[_quarter_turns(float(frame.rotation))]:
            chain.append(graph.add(name, arguments))
        chain.append(graph.add("scale", _scale_arguments(OUTPUT_LONG_EDGE, OUTPUT_SHORT_EDGE)))
        chain.append(graph.add("setsar", "1"))
        rate = self.video_in.average_rate or self.video_in.guessed_rate
        if rate is None or rate > OUTPUT_MAX_FPS:
            chain.append(graph.add("fps", str(OUTPUT_MAX_FPS)))
            rate = Fraction(OUTPUT_MAX_FPS)
        chain.append(graph.add("format", "yuv420p"))
        chain.append(graph.add("buffersink"))
        for upstream, downstream in itertools.pairwise(chain):
            upstream.link_to(downstream)
        graph.configure()
        self.graph = graph
        self.rate = Fraction(rate)

    def _open_video_encoder(self, frame: Any) -> None:
        stream = self.output.add_stream(
            "libx264",
            rate=self.rate,
            options={
                "preset": X264_PRESET,
                "crf": str(X264_CRF),
                "profile": "high",
                "flags": "+bitexact",
            },
        )
        context = stream.codec_context
        context.width, context.height = frame.width, frame.height
        context.pix_fmt = "yuv420p"
        context.time_base = frame.time_base
        context.thread_count = threads()
        self.video_out = stream
        if self.audio_in is not None:
            context = self.audio_in.codec_context
            audio = self.output.add_stream(
                "aac", rate=int(context.sample_rate or 48000), options={"flags": "+bitexact"}
            )
            audio.layout = "stereo"
            audio.bit_rate = AUDIO_BIT_RATE
            self.audio_out = audio
            for waiting in self.waiting_audio:
                self._encode_audio(waiting)
            self.waiting_audio = []

    def _mux_video(self, packets: list[Any]) -> None:
        if packets and self.units is None:
            # x264 writes its version and settings in an SEI NAL unit: dropped. The filter
            # reads the stream's parameters (size, avcC), final once the header is written.
            self.output.start_encoding()
            self.units = self.av.bitstream.BitStreamFilterContext(
                "filter_units=remove_types=6", self.video_out
            )
        for packet in packets:
            for kept in self.units.filter(packet):
                kept.stream = self.video_out
                self.output.mux(kept)

    def _encode_video(self, frame: Any | None) -> None:
        self.graph.push(frame)
        while True:
            try:
                upright = self.graph.pull()
            except (self.av.BlockingIOError, self.av.EOFError):
                return
            if self.video_out is None:
                self._open_video_encoder(upright)
            upright.pict_type = self.av.video.frame.PictureType.NONE
            self._mux_video(self.video_out.encode(upright))

    def _encode_audio(self, frame: Any | None) -> None:
        if frame is not None:
            frame.pts = None  # the encoder's resampler numbers the samples from zero
        for packet in self.audio_out.encode(frame):
            self.output.mux(packet)

    def _check_frame(self, frame: Any) -> None:
        if max(frame.width, frame.height) > self.limits.max_long_edge:
            # A stream whose size grows after its header: refused like a large one.
            raise too_large(self.limits)

    def run(self, container: Any) -> None:
        av = self.av
        cap = float(self.limits.max_duration_seconds)
        first = self.video_in.start_time
        start = float(first * self.video_in.time_base) if first is not None else 0.0
        streams = [s for s in (self.video_in, self.audio_in) if s is not None]
        ended: set[int] = set()
        for packet in container.demux(*streams):
            if time.monotonic() > self.deadline:
                raise RejectedMedia(TOO_SLOW)
            if packet.stream.index in ended:
                continue
            try:
                frames = packet.decode()
            except av.InvalidDataError:
                continue  # a damaged packet is skipped, as ffmpeg's command line does
            for frame in frames:
                if frame.time is not None and frame.time - start >= cap:
                    ended.add(packet.stream.index)
                    break
                self._take_frame(packet.stream, frame)
            if len(ended) == len(streams):
                break
        self._finish()

    def _take_frame(self, stream: Any, frame: Any) -> None:
        """One decoded frame (within the duration cap) into its encoder, or held back."""
        if stream is self.video_in:
            self._check_frame(frame)
            if self.graph is None:
                self._start(frame)
            self._encode_video(frame)
        elif self.audio_out is None:
            if len(self.waiting_audio) >= _MAX_WAITING_AUDIO_FRAMES:
                raise ProbeError("no picture while the sound plays")
            self.waiting_audio.append(frame)
        else:
            self._encode_audio(frame)

    def _finish(self) -> None:
        """Flush the filter graph, the encoders and the bitstream filter into the output."""
        if self.graph is None or self.video_out is None:
            raise ProbeError("no video frame")
        self._encode_video(None)
        self._mux_video(self.video_out.encode(None))
        for kept in self.units.filter(None) if self.units is not None else ():
            kept.stream = self.video_out
            self.output.mux(kept)
        if self.audio_out is not None:
            self._encode_audio(None)


def transcode(
    source: Path,
    target: Path,
    workdir: Path,
    *,
    limits: topology.VideoLimits,
    timeout: float,
) -> None:
    """Re-encode ``source`` as a clean, upright, 720p-at-most H.264/AAC MP4 at ``target``.

    Keeps the first video stream that is not cover art and the first audio stream, nothing
    else (no data, timecode or subtitle track, no global, stream or chapter metadata); the
    muxer and encoders run bitexact (no encoder version, no dates) with ``moov`` first.
    """
    del workdir
    av = _av()
    deadline = time.monotonic() + timeout
    try:
        if timeout <= 0:
            raise RejectedMedia(TOO_SLOW)
        with (
            _open_input(source, timeout=timeout) as container,
            av.open(
                str(target),
                mode="w",
                format="mp4",
                options={"movflags": "+faststart", "fflags": "+bitexact"},
            ) as output,
        ):
            _Transcoder(container, output, limits, deadline).run(container)
    except RejectedMedia:
        target.unlink(missing_ok=True)
        raise
    except (av.FFmpegError, OSError, ValueError, TypeError, StopIteration, ProbeError):
        target.unlink(missing_ok=True)
        raise RejectedMedia(UNREADABLE) from None
    if not target.is_file() or target.stat().st_size == 0:
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
    del workdir
    av = _av()
    deadline = time.monotonic() + min(timeout, POSTER_TIMEOUT_SECONDS)
    try:
        with _open_input(video, timeout=min(timeout, POSTER_TIMEOUT_SECONDS)) as container:
            stream = next(s for s in container.streams.video if not _is_picture(s))
            if at_seconds > 0 and stream.time_base:
                container.seek(int(at_seconds / stream.time_base), stream=stream)
            for frame in container.decode(stream):
                if time.monotonic() > deadline:
                    return None
                if frame.time is None or frame.time >= at_seconds - 0.001:
                    buffer = io.BytesIO()
                    frame.to_image().save(buffer, "PPM")
                    return buffer.getvalue()
    except (av.FFmpegError, OSError, ValueError, TypeError, StopIteration):
        return None
    return None


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
        raise type_mismatch()
    original = probe(source, workdir, timeout=remaining(), limits=limits)
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
