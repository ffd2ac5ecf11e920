"""Video processing with the real ffmpeg: sniffing, probing, caps, clean output (req. 6, 7)."""

from __future__ import annotations

import io
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from functions.video import video
from pellicule import topology
from pellicule.errors import RejectedMedia
from tests.support import images, videos

# --- Sniffing ----------------------------------------------------------------------------------


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x02\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00\x00\x00\x08free"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), {"video/mp4"}),
        (ftyp(b"mp42", b"mp42", b"isom"), {"video/mp4"}),
        (ftyp(b"M4V ", b"M4V ", b"M4A "), {"video/mp4"}),
        (ftyp(b"MSNV", b"MSNV"), {"video/mp4"}),
        (ftyp(b"3gp4", b"isom", b"3gp4"), {"video/mp4"}),  # an Android 3GPP with an MP4 brand
        (ftyp(b"qt  ", b"qt  "), {"video/quicktime"}),
        (ftyp(b"heic", b"mif1", b"heic"), set()),  # a HEIC photo is not a video
        (ftyp(b"avif", b"mif1", b"miaf"), set()),
        (ftyp(b"crx ", b"crx "), set()),
        (b"<!doctype html><script>alert(1)</script>" + b" " * 40, set()),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>' + b" " * 20, set()),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40, set()),
        (b"\x00\x00\x00\x08ftyp", set()),  # too short
        (b"\x00\x00\x10\x00ftypisom\x00\x00\x02\x00isom", set()),  # implausible box size
        (b"\x00\x00\x00\x18moovisom\x00\x00\x02\x00isom" + b"\x00" * 8, set()),  # not ftyp first
    ],
)
def test_sniff_accepts_only_allowlisted_iso_bmff_brands(head: bytes, expected: set[str]) -> None:
    assert video.sniff(head) == expected


# --- Probe parsing -----------------------------------------------------------------------------

REPORT = """\
[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1] stream 0, timescale not set
Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/tmp/x/original':
  Metadata:
    major_brand     : qt  ;isom
    minor_version   : 512;512
    creation_time   : 2026-06-14T10:00:00.000000Z;2026-06-14T10:00:00Z
    com.apple.quicktime.creationdate: 2026-06-15T00:30:00+0200
    title           : Sortie
                    :   Duration: 00:00:01.00, start: 0.000000, bitrate: 1 kb/s
  Duration: 00:01:02.50, start: 0.000000, bitrate: 6442 kb/s
  Stream #0:0[0x1](und): Video: hevc (Main 10) (hvc1 / 0x31637668), yuv420p10le(tv, \
bt2020nc/bt2020/arib-std-b67), 1920x1080 [SAR 1:1 DAR 16:9], 6358 kb/s, 29.97 fps (default)
    Metadata:
      handler_name    : Core Media Video
                      :   Stream #0:7: Video: h264, 99999x99999
    Side data:
      Display Matrix: rotation of -90.00 degrees
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp (default)
  Stream #0:2[0x3](und): Data: none (mebx / 0x7862656D), 0 kb/s (default)
  Stream #0:3: Video: mjpeg (Baseline), yuvj420p(pc), 5000x5000, 90k tbr (attached pic)
At least one output file must be specified
"""


def test_parse_probe_reads_duration_streams_rotation_and_date() -> None:
    found = video.parse_probe(REPORT)
    assert found.duration_seconds == pytest.approx(62.5)
    [main] = found.video  # the cover art is not a video stream
    assert (main.index, main.codec, main.width, main.height) == (0, "hevc", 1920, 1080)
    assert main.rotation == 270
    assert main.upright_size == (1080, 1920)
    assert [a.codec for a in found.audio] == ["aac"]
    # Apple's local date wins over the UTC creation time (00:30 in Paris is still the 15th).
    assert found.creation_date == "2026-06-15"
    # Continuation lines of metadata values cannot pass for ffmpeg's own lines.
    assert found.main_video is main


def test_parse_probe_reads_sample_aspect_ratio_and_the_codec_tag_is_no_size() -> None:
    found = video.parse_probe(
        "Input #0, mov,mp4, from 'f':\n  Duration: 00:00:02.00, start: 0.0\n"
        "  Stream #0:0: Video: h264 (avc1 / 0x31637661), yuv420p, 1440x1080 [SAR 4:3 DAR 16:9],"
        " 25 fps\n"
    )
    assert found.video[0].display_size == (1920, 1080)
    assert found.creation_date is None
    assert found.audio == ()


@pytest.mark.parametrize(
    "forged",
    [
        # A metadata key or value smuggling a second duration or a stream ffmpeg already printed.
        "  Duration: 00:00:01.00, start: 0.000000\n",
        "  Stream #0:0: Video: h264, 320x240\n",
    ],
)
def test_parse_probe_refuses_lines_printed_twice(forged: str) -> None:
    text = REPORT.replace("  Duration: 00:01:02.50", forged + "  Duration: 00:01:02.50", 1)
    if forged.startswith("  Stream"):
        text = REPORT.replace("    Side data:", forged + "    Side data:", 1)
    with pytest.raises(video.ProbeError):
        video.parse_probe(text)


def test_parse_probe_refuses_a_report_without_input() -> None:
    with pytest.raises(video.ProbeError):
        video.parse_probe("[in#0 @ 0x1] moov atom not found\nError opening input files\n")


def test_implausible_creation_dates_are_dropped() -> None:
    for stamp in ("1904-01-01T00:00:00.000000Z", "1970-01-01T00:00:00Z", "2026-13-01", "x"):
        report = (
            f"Input #0, mov, from 'f':\n  Metadata:\n    creation_time   : {stamp}\n"
            "  Duration: 00:00:02.00, start: 0.0\n  Stream #0:0: Video: h264, 320x240\n"
        )
        assert video.parse_probe(report).creation_date is None


# --- Caps --------------------------------------------------------------------------------------


def probe_of(*streams: str, duration: str = "00:00:02.00") -> video.Probe:
    lines = "".join(f"  Stream #0:{i}: {s}\n" for i, s in enumerate(streams))
    return video.parse_probe(f"Input #0, mov, from 'f':\n  Duration: {duration}, start: 0\n{lines}")


def test_caps_and_allowlists() -> None:
    limits = topology.VIDEO_LIMITS
    assert (limits.max_duration_seconds, limits.max_long_edge) == (600, 4096)
    ok = probe_of("Video: h264 (High), yuv420p, 3840x2160", "Audio: aac (LC), 48000 Hz")
    assert video.check(ok, limits).width == 3840
    cases = {
        video.NO_VIDEO: probe_of("Audio: aac, 48000 Hz"),
        video.too_long(limits): probe_of("Video: h264, 640x360", duration="00:10:00.04"),
        video.too_large(limits): probe_of("Video: h264, 4098x2160"),
        video.VIDEO_CODEC: probe_of("Video: prores, 1920x1080"),
        video.AUDIO_CODEC: probe_of("Video: h264, 640x360", "Audio: wmav2, 44100 Hz"),
        video.UNREADABLE: probe_of("Video: h264, 640x360", duration="N/A"),
    }
    for message, found in cases.items():
        with pytest.raises(RejectedMedia) as caught:
            video.check(found, limits)
        assert caught.value.message == message
    # Anamorphic pixels count at their displayed width; every video stream counts.
    with pytest.raises(RejectedMedia):
        video.check(probe_of("Video: h264, 3840x2160 [SAR 4:3 DAR 64:27]"), limits)
    with pytest.raises(RejectedMedia):
        video.check(probe_of("Video: h264, 640x360", "Video: h264, 8192x4320"), limits)
    # A lower cap (a centre's setting) applies as given.
    lower = topology.VideoLimits(max_duration_seconds=1, max_long_edge=640)
    with pytest.raises(RejectedMedia, match=r"plus de 1 s\). / Video too long \(over 1 s\)"):
        video.check(ok, lower)


def test_messages_are_french_then_english() -> None:
    assert video.too_long(topology.VIDEO_LIMITS) == (
        "Vidéo trop longue (plus de 10 min). / Video too long (over 10 min)."
    )
    for message in (video.TYPE_MISMATCH, video.UNREADABLE, video.TOO_SLOW, video.NO_VIDEO):
        french, english = message.split(" / ")
        assert french
        assert english


# --- The real thing ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("clips")
    return {
        "rotated.mov": videos.make(
            base, "rotated.mov", container="mov", rotation=90, exif_gps=True
        ),
        "plain.mp4": videos.make(base, "plain.mp4", subtitles=True, exif_gps=True),
        "silent-portrait.mp4": videos.make(
            base, "silent-portrait.mp4", size=(360, 640), audio=False, seconds=1.0
        ),
    }


def render(source: Path, workdir: Path, declared: str, **options: Any) -> video.Result:
    workdir.mkdir(exist_ok=True)
    return video.render(source, workdir, declared, deadline=time.monotonic() + 60, **options)


def test_inputs_really_carry_the_metadata(clips: dict[str, Path]) -> None:
    # Guard: the clips hold what the next tests prove is gone.
    tags = videos.exiftool_tags(clips["rotated.mov"])
    dump = str(tags)
    assert "Jeanne Martin" in dump
    assert "48 deg 51" in dump
    assert tags["Composite:Rotation"] in (90, 270)
    assert "Subtitle" in videos.ffmpeg_report(clips["plain.mp4"])
    assert "UserData:GPSCoordinates" in videos.exiftool_tags(clips["plain.mp4"])


def test_rotated_mov_becomes_an_upright_clean_720p_mp4(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    # Given a 1280x720 QuickTime clip displayed rotated by 90 degrees, full of metadata
    # When it is rendered
    result = render(clips["rotated.mov"], tmp_path / "work", "video/quicktime")
    # Then the output is upright (portrait), 720x1280 at most, with the right durations
    assert (result.width, result.height) == (720, 1280)
    assert (result.video_width, result.video_height) == (720, 1280)
    assert result.duration_seconds == pytest.approx(2.0, abs=0.1)
    assert result.capture_date == "2026-06-14"
    assert result.has_audio
    # ...and carries no metadata, per exiftool and per ffmpeg, H.264 + AAC, fast start
    videos.assert_clean_video(result.video)
    report = videos.ffmpeg_report(result.video)
    assert "Video: h264 (High)" in report
    assert "Audio: aac" in report
    # The poster is the upright frame and its thumbnail fits in 400 px.
    assert (result.poster.width, result.poster.height) == (720, 1280)
    assert (result.thumb.width, result.thumb.height) == (225, 400)


def test_mp4_with_subtitles_and_gps_atom_keeps_one_video_and_one_audio_stream(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    result = render(clips["plain.mp4"], tmp_path / "work", "video/mp4")
    assert (result.width, result.height) == (1280, 720)
    assert (result.video_width, result.video_height) == (1280, 720)
    videos.assert_clean_video(result.video)
    found = video.parse_probe(videos.ffmpeg_report(result.video))
    assert len(found.video) == 1
    assert len(found.audio) == 1


def test_video_without_sound_stays_without_sound(clips: dict[str, Path], tmp_path: Path) -> None:
    result = render(clips["silent-portrait.mp4"], tmp_path / "work", "video/mp4")
    assert not result.has_audio
    assert (result.video_width, result.video_height) == (360, 640)  # never enlarged
    videos.assert_clean_video(result.video)


def test_large_frames_are_scaled_to_720p(tmp_path: Path) -> None:
    clip = videos.make(tmp_path, "big.mp4", size=(1920, 1080), seconds=0.5, metadata=False)
    result = render(clip, tmp_path / "work", "video/mp4")
    assert (result.video_width, result.video_height) == (1280, 720)
    assert (result.width, result.height) == (1920, 1080)


def test_poster_and_thumb_carry_no_metadata(clips: dict[str, Path], tmp_path: Path) -> None:
    result = render(clips["rotated.mov"], tmp_path / "work", "video/quicktime")
    for picture in (result.poster, result.thumb):
        assert picture.data[:3] == b"\xff\xd8\xff"
        with Image.open(io.BytesIO(picture.data)) as image:
            assert image.format == "JPEG"
            assert image.size == (picture.width, picture.height)
            assert not image.getexif()
            assert not {"icc_profile", "exif", "xmp", "comment"} & set(image.info)
        tags = videos.exiftool_bytes(picture.data)
        assert not [t for t in tags if t.startswith(("EXIF", "IFD", "GPS", "XMP", "ICC", "IPTC"))]
        assert "Jeanne" not in str(tags)


def test_only_the_output_is_left_in_the_work_directory(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    work = tmp_path / "work"
    render(clips["plain.mp4"], work, "video/mp4")
    assert sorted(p.name for p in work.iterdir()) == ["video.mp4"]


# --- Refusals ------------------------------------------------------------------------------------


def rejected(source: Path, workdir: Path, declared: str, **options: Any) -> str:
    with pytest.raises(RejectedMedia) as caught:
        render(source, workdir, declared, **options)
    assert not (workdir / "video.mp4").exists()
    return caught.value.message


def test_declared_type_must_match_the_container(clips: dict[str, Path], tmp_path: Path) -> None:
    assert rejected(clips["rotated.mov"], tmp_path / "a", "video/mp4") == video.TYPE_MISMATCH
    assert rejected(clips["plain.mp4"], tmp_path / "b", "video/quicktime") == video.TYPE_MISMATCH
    assert rejected(clips["plain.mp4"], tmp_path / "c", "image/jpeg") == video.TYPE_MISMATCH


@pytest.mark.parametrize(
    "content",
    [
        b"<!doctype html><html><script>alert(document.cookie)</script></html>" + b" " * 200,
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        images.jpeg_with_metadata((64, 48)),
        b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n",  # HLS -> LFI
    ],
    ids=["html", "svg", "jpeg", "hls-playlist"],
)
def test_renamed_files_are_refused_by_their_bytes(content: bytes, tmp_path: Path) -> None:
    source = tmp_path / "upload.mp4"
    source.write_bytes(content)
    assert rejected(source, tmp_path / "work", "video/mp4") == video.TYPE_MISMATCH


def test_truncated_and_corrupt_files_are_unreadable(tmp_path: Path) -> None:
    # moov at the end (phones write it last): a cut file has no index at all.
    clip = videos.make(tmp_path, "cut.mp4", seconds=1.0, metadata=False)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    assert rejected(truncated, tmp_path / "a", "video/mp4") == video.UNREADABLE
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(ftyp(b"isom", b"isom", b"mp41") + bytes(range(256)) * 64)
    assert rejected(garbage, tmp_path / "b", "video/mp4") == video.UNREADABLE


def test_duration_over_the_default_cap_is_refused_before_decoding(tmp_path: Path) -> None:
    # 601 one-pixel-row frames at 1 fps: cheap to make, over the 10-minute default.
    clip = videos.make(
        tmp_path, "long.mp4", size=(32, 32), seconds=601, rate=1, audio=False, metadata=False
    )
    started = time.monotonic()
    message = rejected(clip, tmp_path / "work", "video/mp4")
    assert message == "Vidéo trop longue (plus de 10 min). / Video too long (over 10 min)."
    assert time.monotonic() - started < 5


def test_resolution_over_the_default_cap_is_refused(tmp_path: Path) -> None:
    clip = videos.make(
        tmp_path, "wide.mp4", size=(4112, 32), seconds=0.2, audio=False, metadata=False
    )
    assert rejected(clip, tmp_path / "work", "video/mp4") == video.too_large(topology.VIDEO_LIMITS)


def test_lowered_caps_apply(clips: dict[str, Path], tmp_path: Path) -> None:
    shorter = topology.VideoLimits(max_duration_seconds=1)
    smaller = topology.VideoLimits(max_long_edge=1000)
    assert rejected(
        clips["plain.mp4"], tmp_path / "a", "video/mp4", limits=shorter
    ) == video.too_long(shorter)
    assert rejected(
        clips["plain.mp4"], tmp_path / "b", "video/mp4", limits=smaller
    ) == video.too_large(smaller)


def test_a_transcode_over_its_time_limit_is_refused_with_a_reason(
    clips: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_run = video._run

    def slow(arguments: list[str], *, timeout: float, diagnostics: Path) -> int:
        if "libx264" in arguments:
            raise subprocess.TimeoutExpired("ffmpeg", timeout)
        return real_run(arguments, timeout=timeout, diagnostics=diagnostics)

    monkeypatch.setattr(video, "_run", slow)
    assert rejected(clips["plain.mp4"], tmp_path / "work", "video/mp4") == video.TOO_SLOW


def test_ffmpeg_never_reads_anything_but_the_local_file(
    clips: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[str]] = []
    real_run = video._run

    def spy(arguments: list[str], *, timeout: float, diagnostics: Path) -> int:
        seen.append(arguments)
        assert 0 < timeout <= 60
        return real_run(arguments, timeout=timeout, diagnostics=diagnostics)

    monkeypatch.setattr(video, "_run", spy)
    render(clips["plain.mp4"], tmp_path / "work", "video/mp4")
    assert len(seen) == 4  # probe, transcode, probe of the output, poster frame
    for arguments in seen:
        i = arguments.index("-i")
        assert arguments[i + 1].startswith("file:/")
        options = arguments[:i]
        assert options[options.index("-protocol_whitelist") + 1] == "file,pipe"
        assert options[options.index("-f") + 1] == "mov"
        assert options[options.index("-enable_drefs") + 1] == "0"
        assert arguments.count("-i") == 1
