"""Video processing with the real ffmpeg: sniffing, probing, caps, clean output (req. 6, 7)."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from functions.video import video
from pellicule.config import topology
from pellicule.domain.errors import RejectedMedia
from tests.support import images, videos

# Makes and transcodes clips with ffmpeg: left out of ``make test-fast``, run by ``make test``.
pytestmark = pytest.mark.ffmpeg

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


# --- Probing (PyAV reads the container: no text report parsed) --------------------------------


@pytest.fixture(scope="module")
def camera_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Clips as cameras write them: a timecode track (a data stream the video refers to, which
    ffmpeg 9 prints in an indented "Stream group ... Track Reference" section), several audio
    tracks, a subtitle track, a display-matrix rotation."""
    base = tmp_path_factory.mktemp("camera")
    common: dict[str, Any] = {"seconds": 1.0, "audio_tracks": 3, "timecode": "01:02:03:04"}
    return {
        "gopro.mp4": videos.make(base, "gopro.mp4", subtitles=True, **common),
        "camera.mov": videos.make(base, "camera.mov", container="mov", rotation=90, **common),
    }


def test_the_probe_reads_clips_with_timecode_data_tracks_and_several_audio_tracks(
    camera_clips: dict[str, Path],
) -> None:
    for name, rotation in (("gopro.mp4", 0), ("camera.mov", 90)):
        clip = camera_clips[name]
        # Guard: this is the shape that broke the old parser.
        assert "Stream group #0:0" in videos.ffmpeg_report(clip)
        assert "Data: none (tmcd" in videos.ffmpeg_report(clip)
        found = video.probe(clip)
        assert found.duration_seconds == pytest.approx(1.0, abs=0.05)
        assert [(s.codec, s.width, s.height, s.sar) for s in found.video] == [
            ("h264", 1280, 720, (1, 1))
        ]
        main = found.main_video
        assert main is not None
        assert main.rotation == rotation
        assert [s.codec for s in found.audio] == ["aac", "aac", "aac"]
        assert found.creation_date == "2026-06-14"
        assert video.check(found, topology.VIDEO_LIMITS) == main


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_the_probe_reads_the_display_matrix_rotation(tmp_path: Path, rotation: int) -> None:
    clip = videos.make(
        tmp_path, "r.mov", container="mov", size=(320, 240), seconds=0.5, rotation=rotation
    )
    main = video.probe(clip).main_video
    assert main is not None
    assert main.rotation == rotation
    assert main.upright_size == ((240, 320) if rotation in (90, 270) else (320, 240))


@pytest.mark.parametrize("name", ["gopro.mp4", "camera.mov"])
def test_camera_clips_become_clean_videos_with_one_video_and_one_audio_stream(
    camera_clips: dict[str, Path], tmp_path: Path, name: str
) -> None:
    declared = "video/quicktime" if name.endswith(".mov") else "video/mp4"
    result = render(camera_clips[name], tmp_path / "work", declared)
    upright = (720, 1280) if name == "camera.mov" else (1280, 720)
    assert (result.width, result.height) == upright
    assert (result.video_width, result.video_height) == upright
    assert result.capture_date == "2026-06-14"
    assert result.has_audio
    videos.assert_clean_video(result.video)
    report = videos.ffmpeg_report(result.video)
    assert "tmcd" not in report
    assert "Stream group" not in report
    assert "01:02:03:04" not in report
    found = video.probe(result.video)
    assert len(found.video) == 1
    assert len(found.audio) == 1


def test_creation_dates_come_from_the_container_and_implausible_ones_are_dropped() -> None:
    assert video._creation_date({"creation_time": "2026-06-14T10:00:00.000000Z"}) == "2026-06-14"
    apple = {
        "com.apple.quicktime.creationdate": "2026-06-15T00:30:00+0200",
        "creation_time": "2026-06-14T22:30:00.000000Z",
    }
    assert video._creation_date(apple) == "2026-06-15"  # the local date comes first
    for stamp in ("1904-01-01T00:00:00.000000Z", "1970-01-01T00:00:00Z", "2026-13-01", "x"):
        assert video._creation_date({"creation_time": stamp}) is None


def test_cover_art_is_not_a_video_stream(tmp_path: Path) -> None:
    # An attached picture (cover art, 5000x5000) is neither the stream encoded nor counted
    # against the resolution cap.
    clip = videos.make(tmp_path, "plain.mp4", size=(320, 240), seconds=0.5, metadata=False)
    cover = tmp_path / "cover.png"
    Image.new("RGB", (5000, 5000), (200, 30, 30)).save(cover)
    target = tmp_path / "with-cover.mp4"
    videos.ffmpeg(
        *("-i", str(clip), "-i", str(cover)),
        *("-map", "0", "-map", "1", "-c", "copy", "-disposition:v:1", "attached_pic"),
        str(target),
    )
    assert "(attached pic)" in videos.ffmpeg_report(target)
    found = video.probe(target)
    assert [(s.width, s.height) for s in found.video] == [(320, 240)]
    assert video.check(found, topology.VIDEO_LIMITS).width == 320


# --- Caps --------------------------------------------------------------------------------------


def probe_of(
    *streams: tuple[str, int, int] | tuple[str, int, int, tuple[int, int]] | str,
    duration: float | None = 2.0,
) -> video.Probe:
    """A probe with video streams ``(codec, width, height[, sar])`` and audio codecs."""
    found_video = []
    found_audio = []
    for index, stream in enumerate(streams):
        if isinstance(stream, str):
            found_audio.append(video.AudioStream(index, stream))
        else:
            codec, width, height, *sar = stream
            found_video.append(
                video.VideoStream(index, codec, width, height, sar[0] if sar else (1, 1), 0)
            )
    return video.Probe(duration, tuple(found_video), tuple(found_audio), None)


def test_caps_and_allowlists() -> None:
    limits = topology.VIDEO_LIMITS
    assert (limits.max_duration_seconds, limits.max_long_edge) == (600, 4096)
    ok = probe_of(("h264", 3840, 2160), "aac")
    assert video.check(ok, limits).width == 3840
    cases = [
        (video.NO_VIDEO, probe_of("aac")),
        (video.too_long(limits), probe_of(("h264", 640, 360), duration=600.04)),
        (video.too_large(limits), probe_of(("h264", 4098, 2160))),
        (video.video_codec(), probe_of(("prores", 1920, 1080))),
        (video.AUDIO_CODEC, probe_of(("h264", 640, 360), "wmav2")),
        (video.UNREADABLE, probe_of(("h264", 640, 360), duration=None)),
    ]
    for refusal, found in cases:
        with pytest.raises(RejectedMedia) as caught:
            video.check(found, limits)
        assert why(caught.value) == why(refusal)
    # Anamorphic pixels count at their displayed width; every video stream counts.
    with pytest.raises(RejectedMedia):
        video.check(probe_of(("h264", 3840, 2160, (4, 3))), limits)
    with pytest.raises(RejectedMedia):
        video.check(probe_of(("h264", 640, 360), ("h264", 8192, 4320)), limits)
    # A lower cap (a centre's setting) applies as given.
    lower = topology.VideoLimits(max_duration_seconds=1, max_long_edge=640)
    with pytest.raises(RejectedMedia) as caught:
        video.check(ok, lower)
    assert why(caught.value) == ("video_too_long_seconds", {"seconds": 1})


def test_the_duration_cap_is_said_in_minutes_when_it_is_whole_minutes() -> None:
    assert why(video.too_long(topology.VIDEO_LIMITS)) == ("video_too_long_minutes", {"minutes": 10})
    ninety = topology.VideoLimits(max_duration_seconds=90, max_long_edge=640)
    assert why(video.too_long(ninety)) == ("video_too_long_seconds", {"seconds": 90})
    assert video.too_long(topology.VIDEO_LIMITS).texts["en"] == "Video too long (over 10 min)."


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
    found = video.probe(result.video)
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


def test_anamorphic_pixels_become_square(tmp_path: Path) -> None:
    # A PAL DV-like 720x576 picture with 16:11 pixels is shown 1047 pixels wide.
    clip = tmp_path / "anamorphic.mp4"
    videos.ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=720x576:rate=25:d=0.5"),
        *("-vf", "setsar=16/11", "-c:v", "libx264", "-preset", "ultrafast", str(clip)),
    )
    main = video.probe(clip).main_video
    assert main is not None
    assert main.sar == (16, 11)
    result = render(clip, tmp_path / "work", "video/mp4")
    assert (result.width, result.height) == (1047, 576)
    assert (result.video_width, result.video_height) == (1046, 576)
    output = video.probe(result.video).main_video
    assert output is not None
    assert output.sar == (1, 1)


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


def why(refusal: RejectedMedia | str) -> tuple[str, dict[str, Any]]:
    """A refusal's code and parameters (a code alone: none)."""
    if isinstance(refusal, str):
        return refusal, {}
    return refusal.reason, refusal.params


def rejected(
    source: Path, workdir: Path, declared: str, **options: Any
) -> tuple[str, dict[str, Any]]:
    with pytest.raises(RejectedMedia) as caught:
        render(source, workdir, declared, **options)
    assert not (workdir / "video.mp4").exists()
    return why(caught.value)


def test_declared_type_must_match_the_container(clips: dict[str, Path], tmp_path: Path) -> None:
    assert rejected(clips["rotated.mov"], tmp_path / "a", "video/mp4") == why(video.type_mismatch())
    assert rejected(clips["plain.mp4"], tmp_path / "b", "video/quicktime") == why(
        video.type_mismatch()
    )
    assert rejected(clips["plain.mp4"], tmp_path / "c", "image/jpeg") == why(video.type_mismatch())


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
    assert rejected(source, tmp_path / "work", "video/mp4") == why(video.type_mismatch())


def test_truncated_and_corrupt_files_are_unreadable(tmp_path: Path) -> None:
    # moov at the end (phones write it last): a cut file has no index at all.
    clip = videos.make(tmp_path, "cut.mp4", seconds=1.0, metadata=False)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    assert rejected(truncated, tmp_path / "a", "video/mp4") == why(video.UNREADABLE)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(ftyp(b"isom", b"isom", b"mp41") + bytes(range(256)) * 64)
    assert rejected(garbage, tmp_path / "b", "video/mp4") == why(video.UNREADABLE)


def test_duration_over_the_default_cap_is_refused_before_decoding(tmp_path: Path) -> None:
    # 601 one-pixel-row frames at 1 fps: cheap to make, over the 10-minute default.
    clip = videos.make(
        tmp_path, "long.mp4", size=(32, 32), seconds=601, rate=1, audio=False, metadata=False
    )
    started = time.monotonic()
    assert rejected(clip, tmp_path / "work", "video/mp4") == (
        "video_too_long_minutes",
        {"minutes": 10},
    )
    assert time.monotonic() - started < 5


def test_resolution_over_the_default_cap_is_refused(tmp_path: Path) -> None:
    clip = videos.make(
        tmp_path, "wide.mp4", size=(4112, 32), seconds=0.2, audio=False, metadata=False
    )
    assert rejected(clip, tmp_path / "work", "video/mp4") == why(
        video.too_large(topology.VIDEO_LIMITS)
    )


def test_a_stream_that_grows_past_the_cap_after_its_header_is_refused(tmp_path: Path) -> None:
    # Given an MP4 whose header (and first frames) say 320x240, followed by frames of a new
    # sequence header 4112 pixels wide: what the container announces passes the caps.
    parts = []
    for index, size in enumerate(("320x240", "4112x32")):
        part = tmp_path / f"part{index}.ts"
        videos.ffmpeg(
            *("-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:d=0.4"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(part)),
        )
        parts.append(part.read_bytes())
    joined = tmp_path / "joined.ts"
    joined.write_bytes(b"".join(parts))
    clip = tmp_path / "grows.mp4"
    videos.ffmpeg("-i", str(joined), "-c", "copy", "-f", "mp4", str(clip))
    found = video.probe(clip)
    assert [(s.width, s.height) for s in found.video] == [(320, 240)]
    video.check(found, topology.VIDEO_LIMITS)
    # When it is rendered / Then the frames past the cap stop the job, with the cap's reason.
    assert rejected(clip, tmp_path / "work", "video/mp4") == why(
        video.too_large(topology.VIDEO_LIMITS)
    )


def test_metadata_posing_as_streams_changes_nothing(tmp_path: Path) -> None:
    # Tags written to look like ffmpeg's report lines (what a regex over that report had to
    # guard against) are only tags for a probe that reads streams as data.
    forged = "x\n  Duration: 00:00:01.00\n  Stream #0:9: Video: h264, 99999x99999\n"
    clip = tmp_path / "forged.mp4"
    videos.ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:d=2"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
        *("-metadata", f"title={forged}", "-metadata:s:v:0", f"handler_name={forged}"),
        str(clip),
    )
    found = video.probe(clip)
    assert found.duration_seconds == pytest.approx(2.0, abs=0.05)
    assert [(s.codec, s.width, s.height) for s in found.video] == [("h264", 320, 240)]


def test_lowered_caps_apply(clips: dict[str, Path], tmp_path: Path) -> None:
    shorter = topology.VideoLimits(max_duration_seconds=1)
    smaller = topology.VideoLimits(max_long_edge=1000)
    assert rejected(clips["plain.mp4"], tmp_path / "a", "video/mp4", limits=shorter) == why(
        video.too_long(shorter)
    )
    assert rejected(clips["plain.mp4"], tmp_path / "b", "video/mp4", limits=smaller) == why(
        video.too_large(smaller)
    )


def test_a_transcode_over_its_time_limit_is_refused_with_a_reason(
    clips: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a transcode whose deadline passes while it runs (a slow clip on a busy instance)
    real_init = video._Transcoder.__init__

    def late(self: Any, container: Any, output: Any, limits: Any, deadline: float) -> None:
        real_init(self, container, output, limits, time.monotonic() - 1)

    monkeypatch.setattr(video._Transcoder, "__init__", late)
    # Then it stops with a reason the uploader can act on, and leaves no output.
    assert rejected(clips["plain.mp4"], tmp_path / "work", "video/mp4") == why(video.TOO_SLOW)


def test_ffmpeg_never_reads_anything_but_the_local_file(
    clips: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import av

    seen: list[tuple[str, dict[str, Any]]] = []
    real_open = av.open

    def spy(file: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append((file, kwargs))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(av, "open", spy)
    render(clips["plain.mp4"], tmp_path / "work", "video/mp4")
    inputs = [(file, kwargs) for file, kwargs in seen if kwargs.get("mode") == "r"]
    assert len(inputs) == 4  # probe, transcode, probe of the output, poster frame
    for file, kwargs in inputs:
        assert isinstance(file, str)
        assert file.startswith("file:/")
        assert kwargs["format"] == "mov"
        assert kwargs["options"] == {"protocol_whitelist": "file", "enable_drefs": "0"}
        assert 0 < kwargs["timeout"] <= 60
    outputs = [file for file, kwargs in seen if kwargs.get("mode") == "w"]
    assert outputs == [str(tmp_path / "work" / "video.mp4")]


def test_a_nested_open_of_anything_but_a_local_file_is_refused(tmp_path: Path) -> None:
    # The whitelist is FFmpeg's, not ours: even a demuxer asking for a nested URL (HLS, a
    # reference movie, concat) may only open local files. Shown with FFmpeg's own check.
    import av

    with pytest.raises(av.FFmpegError):
        av.open("http://127.0.0.1:9/clip.mp4", options=dict(video.INPUT_OPTIONS), timeout=5)
