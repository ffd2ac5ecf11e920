"""Image processing with real Pillow: metadata stripped, upright, sRGB, bounded (req. 6 and 7).

HEIC specifics live in ``test_imaging_heic.py``, blurred variants in ``test_blur.py``.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageCms

from functions.process import imaging
from pellicule.domain.errors import RejectedMedia
from tests.support import images

ROOT = Path(__file__).resolve().parents[2]


def rendition(result: imaging.Result, name: str) -> imaging.Rendition:
    return next(r for r in result.renditions if r.name == name)


def decoded(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as opened:
        return opened.convert("RGB")


# --- Metadata ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        ("jpeg", "image/jpeg"),
        ("png", "image/png"),
        ("webp", "image/webp"),
        ("heic", "image/heic"),
    ],
)
def test_outputs_carry_no_metadata(kind: str, content_type: str) -> None:
    # Given an input with EXIF (GPS, maker note, artist, an embedded thumbnail), XMP, ICC, a
    # comment and, for JPEG, a Photoshop IPTC block
    makers: dict[str, Callable[[], bytes]] = {
        "jpeg": images.jpeg_with_metadata,
        "png": images.png_with_metadata,
        "webp": images.webp_with_metadata,
        "heic": images.heic_with_metadata,
    }
    data = makers[kind]()
    tags = images.exiftool_tags(data)
    groups = {key.split(":")[0] for key in tags}
    assert {"IFD0", "GPS", "ICC_Profile"} <= groups, groups
    if kind == "jpeg":
        assert {"IFD1", "IPTC", "XMP-dc", "ExifIFD"} <= groups, groups
    # When it is rendered
    result = imaging.render(data, content_type)
    # Then no rendition carries any of it, per Pillow, the raw bytes and exiftool
    assert {r.name for r in result.renditions} == {"thumb", "web", "download"}
    for output in result.renditions:
        assert output.content_type == "image/jpeg"
        images.assert_clean_jpeg(output.data)


def test_payloads_hidden_in_metadata_do_not_survive() -> None:
    # Given a JPEG whose comment and EXIF carry an HTML/script payload
    exif = images.exif_with_gps()
    exif[0x010E] = "<script>alert('exif')</script>"  # ImageDescription
    buffer = io.BytesIO()
    images.pattern((600, 400)).save(
        buffer, "JPEG", exif=exif, comment=b"<html><script>alert(1)</script></html>"
    )
    # Then the renditions carry no trace of it
    for output in imaging.render(buffer.getvalue(), "image/jpeg").renditions:
        assert b"<script" not in output.data
        assert b"alert" not in output.data
        images.assert_clean_jpeg(output.data, exiftool=False)


def test_capture_date_is_kept_as_a_date_only() -> None:
    result = imaging.render(images.jpeg_with_metadata(), "image/jpeg")
    assert result.capture_date == "2026-06-14"


def test_broken_exif_does_not_block_the_photo() -> None:
    buffer = io.BytesIO()
    images.pattern((300, 200)).save(buffer, "JPEG", exif=b"Exif\x00\x00MM\x00*garbage")
    result = imaging.render(buffer.getvalue(), "image/jpeg")
    assert (result.width, result.height, result.capture_date) == (300, 200, None)


# --- Orientation, size, colour ------------------------------------------------------------


def assert_upright(data: bytes) -> None:
    """Red must be in the top-left quadrant and blue in the bottom-right one."""
    out = decoded(data)
    top_left = out.getpixel((out.width // 4, out.height // 4))
    bottom_right = out.getpixel((3 * out.width // 4, 3 * out.height // 4))
    assert isinstance(top_left, tuple)
    assert isinstance(bottom_right, tuple)
    assert top_left[0] > 200, top_left  # red
    assert top_left[2] < 60, top_left
    assert bottom_right[2] > 200, bottom_right  # blue
    assert bottom_right[0] < 60, bottom_right


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation: int) -> None:
    # The stored pixels are the upright picture transformed so that applying `orientation`
    # restores it: red must come back to the top-left quadrant.
    upright = images.pattern((400, 300))
    inverse = images.INVERSE[orientation]
    stored = upright.transpose(inverse) if inverse is not None else upright
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", exif=images.exif_with_gps(orientation), quality=95)
    result = imaging.render(buffer.getvalue(), "image/jpeg")
    assert (result.width, result.height) == (400, 300)
    for output in result.renditions:
        assert (output.width, output.height) == decoded(output.data).size
        assert_upright(output.data)


def test_large_rotated_jpeg_is_decoded_scaled_and_comes_out_upright() -> None:
    # 6000 x 4000 stored, orientation 6: decoded at 1/2 by libjpeg, upright 2560 x ... out
    upright = images.pattern((4000, 6000))
    buffer = io.BytesIO()
    upright.transpose(Image.Transpose.ROTATE_90).save(
        buffer, "JPEG", exif=images.exif_with_gps(6), quality=80
    )
    result = imaging.render(buffer.getvalue(), "image/jpeg")
    assert (result.width, result.height) == (4000, 6000)
    sizes = {r.name: (r.width, r.height) for r in result.renditions}
    assert sizes == {"download": (1707, 2560), "web": (1067, 1600), "thumb": (267, 400)}
    for output in result.renditions:
        assert_upright(output.data)


def test_jpeg_is_decoded_at_3_8_when_that_still_covers_the_download() -> None:
    # 7000 x 140: 1/2 would give 3500 x 70, 3/8 gives 2625 x 53, still above 2560 x 51.
    picture = images.pattern((7000, 140))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95)
    assert imaging._three_eighths_works()
    with Image.open(io.BytesIO(buffer.getvalue())) as opened:
        imaging.draft_jpeg(opened, imaging.fit(opened.size, 2560))
        assert (opened.size, opened.decoderconfig) == ((2625, 53), (3, 0))
        opened.load()
        scaled = opened.convert("RGB")
    expected = picture.resize((2625, 53), Image.Resampling.BOX)
    difference = ImageChops.difference(scaled, expected).convert("L").tobytes()
    assert sum(difference) / len(difference) < 3
    result = imaging.render(buffer.getvalue(), "image/jpeg")
    assert (rendition(result, "download").width, rendition(result, "download").height) == (
        2560,
        51,
    )
    assert_upright(rendition(result, "download").data)


def test_rendition_sizes_never_upscale() -> None:
    big = imaging.render(images.jpeg_with_metadata((4000, 3000)), "image/jpeg")
    sizes = {r.name: (r.width, r.height) for r in big.renditions}
    assert sizes == {"thumb": (400, 300), "web": (1600, 1200), "download": (2560, 1920)}
    small = imaging.render(images.jpeg_with_metadata((800, 600)), "image/jpeg")
    sizes = {r.name: (r.width, r.height) for r in small.renditions}
    assert sizes == {"thumb": (400, 300), "web": (800, 600), "download": (800, 600)}
    for output in (*big.renditions, *small.renditions):
        assert decoded(output.data).size == (output.width, output.height)


@pytest.mark.parametrize("size", [(1, 1), (5000, 3), (3, 5000), (401, 1)])
def test_extreme_sizes_keep_at_least_one_pixel(size: tuple[int, int]) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(buffer, "PNG")
    result = imaging.render(buffer.getvalue(), "image/png")
    for output in result.renditions:
        assert min(output.width, output.height) >= 1
        assert decoded(output.data).size == (output.width, output.height)


def test_display_p3_is_converted_to_srgb() -> None:
    # Given a flat colour described in Display P3 (as iPhones write)
    p3 = images.display_p3_icc()
    colour = (200, 100, 50)
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "JPEG", quality=100, icc_profile=p3)
    # When rendered
    out = decoded(rendition(imaging.render(buffer.getvalue(), "image/jpeg"), "thumb").data)
    # Then the pixels are the same colour expressed in sRGB (lcms as the reference)
    reference = ImageCms.profileToProfile(
        Image.new("RGB", (1, 1), colour),
        ImageCms.ImageCmsProfile(io.BytesIO(p3)),
        ImageCms.createProfile("sRGB"),
    )
    assert reference is not None
    expected = reference.getpixel((0, 0))
    assert expected != colour  # the conversion is not a no-op for this colour
    assert out.getpixel((320 // 2, 240 // 2)) == pytest.approx(expected, abs=3)


def test_srgb_profiles_leave_pixels_untouched() -> None:
    colour = (200, 100, 50)
    for icc in (images.srgb_icc(), None):
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), colour).save(buffer, "PNG", icc_profile=icc)
        out = decoded(rendition(imaging.render(buffer.getvalue(), "image/png"), "thumb").data)
        assert out.getpixel((32, 24)) == pytest.approx(colour, abs=2)


def test_unreadable_icc_profile_is_ignored() -> None:
    buffer = io.BytesIO()
    images.pattern((64, 48)).save(buffer, "JPEG", icc_profile=b"not a profile" * 20)
    assert_upright(rendition(imaging.render(buffer.getvalue(), "image/jpeg"), "thumb").data)


def test_png_alpha_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 50, 100))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    result = imaging.render(buffer.getvalue(), "image/png")
    out = decoded(result.renditions[0].data)
    assert out.getpixel((75, 50)) == pytest.approx((255, 255, 255), abs=2)
    assert out.getpixel((25, 50)) == pytest.approx((254, 0, 0), abs=3)


def test_palette_grey_and_16_bit_pngs_render() -> None:
    palette = Image.new("P", (64, 64), 0)
    palette.putpalette([0, 0, 0, 255, 128, 0])
    palette.paste(1, (0, 0, 32, 64))
    grey16 = Image.new("I;16", (64, 64), 40000)
    for image, expected in ((palette, (255, 128, 0)), (grey16, (156, 156, 156))):
        buffer = io.BytesIO()
        image.save(buffer, "PNG", transparency=0 if image.mode == "P" else None)
        out = decoded(rendition(imaging.render(buffer.getvalue(), "image/png"), "thumb").data)
        assert out.getpixel((10, 32)) == pytest.approx(expected, abs=3), image.mode
    # The transparent palette entry came out white
    buffer = io.BytesIO()
    palette.save(buffer, "PNG", transparency=0)
    out = decoded(rendition(imaging.render(buffer.getvalue(), "image/png"), "thumb").data)
    assert out.getpixel((50, 32)) == pytest.approx((255, 255, 255), abs=2)


def test_cmyk_jpeg_renders_as_rgb() -> None:
    buffer = io.BytesIO()
    Image.new("CMYK", (120, 80), (0, 255, 255, 0)).save(buffer, "JPEG")
    out = decoded(rendition(imaging.render(buffer.getvalue(), "image/jpeg"), "thumb").data)
    assert out.getpixel((60, 40))[0] > 200  # type: ignore[index]


# --- Bombs, allowlist, corrupt and hostile files -----------------------------------------------


def _bombs() -> dict[str, tuple[bytes, str]]:
    small_png = io.BytesIO()
    Image.new("RGB", (64, 64)).save(small_png, "PNG")
    small_jpeg = io.BytesIO()
    Image.new("RGB", (64, 64)).save(small_jpeg, "JPEG")
    return {
        # Between the cap and twice the cap: Pillow only warns; the warning is an error.
        "png 9000x8000": (images.forge_png_size(small_png.getvalue(), 9000, 8000), "image/png"),
        "png 60000x60000": (
            images.forge_png_size(small_png.getvalue(), 60000, 60000),
            "image/png",
        ),
        "jpeg 9000x8000": (
            images.forge_jpeg_size(small_jpeg.getvalue(), 9000, 8000),
            "image/jpeg",
        ),
        "jpeg 65000x65000": (
            images.forge_jpeg_size(small_jpeg.getvalue(), 65000, 65000),
            "image/jpeg",
        ),
    }


@pytest.mark.parametrize("name", list(_bombs()))
def test_decompression_bombs_are_rejected(name: str) -> None:
    data, content_type = _bombs()[name]
    assert len(data) < 2000
    with pytest.raises(RejectedMedia, match="media_too_many_pixels"):
        imaging.render(data, content_type)


def test_real_bomb_png_is_rejected() -> None:
    # A tiny PNG that really holds 10000 x 10000 pixels.
    buffer = io.BytesIO()
    Image.new("1", (10000, 10000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(RejectedMedia, match="media_too_many_pixels"):
        imaging.render(buffer.getvalue(), "image/png")


BOMB_SCRIPT = """
import json, sys
from functions.process import imaging
from pellicule.domain.errors import RejectedMedia
from tests.support import images
from tests.unit.test_imaging import _bombs
from tests.unit.test_imaging_heic import heic_bombs

def hwm():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024

bombs = {**_bombs(), **heic_bombs()}
imaging.render(images.heic_with_metadata(), "image/heic")  # warm-up: imports, registration
imaging.render(images.png_with_metadata(), "image/png")
before = hwm()
outcomes = {}
for name, (data, content_type) in bombs.items():
    try:
        imaging.render(data, content_type)
        outcomes[name] = "rendered"
    except RejectedMedia as error:
        outcomes[name] = error.reason
print(json.dumps({"growth_mb": hwm() - before, "outcomes": outcomes}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_bombs_are_rejected_before_any_pixel_is_decoded() -> None:
    # In a fresh interpreter, after a warm-up, rejecting every bomb (the largest claims 4.2
    # billion pixels: 17 GB decoded) must not grow the peak memory measurably.
    out = subprocess.run(
        [sys.executable, "-c", BOMB_SCRIPT],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT}:{ROOT / 'layers' / 'core'}", "PATH": "/usr/bin:/bin"},
    ).stdout
    report = json.loads(out)
    assert set(report["outcomes"].values()) == {"media_too_many_pixels"}, report
    assert report["growth_mb"] < 20, report


def test_formats_outside_the_allowlist_are_rejected() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")
    assert imaging.sniff(buffer.getvalue()) is None
    with pytest.raises(RejectedMedia, match="media_unsupported_format"):
        imaging.render(buffer.getvalue(), "image/gif")
    # A GIF announced as PNG does not get decoded by the GIF decoder either.
    with pytest.raises(RejectedMedia, match="media_content_mismatch"):
        imaging.render(buffer.getvalue(), "image/png")


def test_content_must_match_the_announced_type() -> None:
    png = images.png_with_metadata((40, 30))
    with pytest.raises(RejectedMedia, match="media_content_mismatch"):
        imaging.render(png, "image/jpeg")
    with pytest.raises(RejectedMedia, match="media_content_mismatch"):
        imaging.render(images.jpeg_with_metadata((40, 30)), "image/heic")


@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
@pytest.mark.parametrize("bits", [12, 16])
def test_jpeg_with_more_than_8_bits_per_sample_is_an_unsupported_format(
    progressive: bool, bits: int
) -> None:
    # Given a valid camera JPEG (EXIF with its own thumbnail, ICC, XMP...) whose frame header
    # declares 12-bit samples: a format we do not decode, not a broken file.
    buffer = io.BytesIO()
    images.pattern((320, 240)).save(
        buffer, "JPEG", progressive=progressive, exif=images.exif_with_thumbnail(), quality=90
    )
    data = images.with_precision(buffer.getvalue(), bits)
    assert imaging.jpeg_precision(data) == bits
    # When it is processed / Then the uploader is told the format is not supported.
    with pytest.raises(RejectedMedia) as refused:
        imaging.render(data, "image/jpeg")
    assert refused.value.reason == "media_jpeg_precision"
    assert refused.value.params == {"bits": bits}


def test_the_exif_thumbnail_s_frame_header_is_not_the_picture_s() -> None:
    # A 12-bit precision byte inside the EXIF thumbnail (APP1) says nothing about the picture:
    # the marker walk skips whole segments, and the 8-bit picture is processed as usual.
    data = images.with_precision(images.jpeg_with_metadata((640, 480)), 12, frame="thumbnail")
    assert imaging.jpeg_precision(data) == 8
    assert imaging.render(data, "image/jpeg").width == 640


def test_truncated_file_is_rejected_with_a_readable_reason() -> None:
    data = images.jpeg_with_metadata()[:2000]
    with pytest.raises(RejectedMedia, match="media_corrupt"):
        imaging.render(data, "image/jpeg")


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize(
    ("data", "content_type", "reason"),
    [
        (SVG, "image/svg+xml", "media_unsupported_format"),
        (SVG, "image/png", "media_content_mismatch"),
        (HTML, "text/html", "media_unsupported_format"),
        (HTML, "image/jpeg", "media_content_mismatch"),  # HTML renamed .jpg
        (b"\xff\xd8\xff\xe0" + HTML, "image/jpeg", "media_corrupt"),  # JPEG magic, HTML body
        (b"\x89PNG\r\n\x1a\n" + HTML, "image/png", "media_corrupt"),
        (b"RIFF\x00\x01\x00\x00WEBPVP8 " + HTML, "image/webp", "media_corrupt"),
    ],
    ids=["svg", "svg-as-png", "html", "html-as-jpeg", "jpeg-magic-html", "png-magic-html", "webp"],
)
def test_markup_and_magic_polyglots_are_refused(
    data: bytes, content_type: str, reason: str
) -> None:
    with pytest.raises(RejectedMedia) as refused:
        imaging.render(data, content_type)
    assert refused.value.reason == reason


def test_gifar_like_jpeg_with_a_zip_keeps_only_the_picture() -> None:
    # Given a valid JPEG followed by a ZIP archive holding an HTML page (a GIFAR-like polyglot)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("index.html", HTML)
    data = images.jpeg_with_metadata((600, 400)) + archive.getvalue()
    assert zipfile.is_zipfile(io.BytesIO(data))
    # When rendered, the picture survives and nothing of the archive does
    for output in imaging.render(data, "image/jpeg").renditions:
        for payload in (b"PK\x03\x04", b"PK\x05\x06", b"<script", b"index.html"):
            assert payload not in output.data
        assert not zipfile.is_zipfile(io.BytesIO(output.data))
        images.assert_clean_jpeg(output.data, exiftool=False)
        assert_upright(output.data)


def test_png_with_trailing_html_keeps_only_the_picture() -> None:
    data = images.png_with_metadata((300, 200), alpha=False) + HTML
    for output in imaging.render(data, "image/png").renditions:
        assert b"<script" not in output.data
        images.assert_clean_jpeg(output.data, exiftool=False)


# --- Sniffing -------------------------------------------------------------------------------------


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00\x00\x00\x08free"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (_ftyp(b"heic", b"mif1", b"heic", b"miaf"), "image/heic"),  # iPhone
        (_ftyp(b"heix", b"mif1", b"heix"), "image/heic"),  # 10-bit cameras
        (_ftyp(b"hevc", b"msf1", b"hevc"), "image/heic"),
        (_ftyp(b"mif1", b"mif1", b"heic", b"miaf"), "image/heif"),
        (_ftyp(b"msf1", b"msf1", b"hevc"), "image/heif"),
        (_ftyp(b"mif1", b"mif1", b"miaf"), None),  # no HEVC brand: codec unknown
        (_ftyp(b"avif", b"mif1", b"avif", b"miaf"), None),  # AVIF
        (_ftyp(b"mif1", b"avif", b"mif1", b"miaf"), None),  # AVIF behind a generic brand
        (_ftyp(b"heic", b"avif", b"heic"), None),  # contradictory: refused
        (_ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), None),  # MP4
        (_ftyp(b"mp42", b"mp42", b"isom", b"heic"), None),  # MP4 naming HEIC compatible
        (_ftyp(b"qt  ", b"qt  "), None),  # MOV
        (_ftyp(b"M4V ", b"M4V ", b"mp42"), None),
        (_ftyp(b"3gp4", b"3gp4"), None),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", None),  # old QuickTime
        (b"\x00\x00\x00\x00ftypheic", None),  # impossible box size
        (b"<svg xmlns='http://www.w3.org/2000/svg'>", None),
        (b"<!doctype html><html>", None),
        (b"GIF89a", None),
        (b"", None),
    ],
)
def test_sniff_reads_magic_bytes_only(head: bytes, expected: str | None) -> None:
    assert imaging.sniff(head[: imaging.SNIFF_BYTES]) == expected


def test_real_avif_and_mp4_heads_are_not_images() -> None:
    buffer = io.BytesIO()
    images.pattern((64, 48)).save(buffer, "AVIF")
    assert imaging.sniff(buffer.getvalue()[:64]) is None
    with pytest.raises(RejectedMedia, match="media_content_mismatch"):
        imaging.render(buffer.getvalue(), "image/heif")


def test_accepts_heic_and_heif_as_one_family() -> None:
    assert imaging.accepts("image/heic", "image/heif")
    assert imaging.accepts("image/heif", "image/heic")
    assert imaging.accepts("image/jpeg", "image/jpeg")
    assert not imaging.accepts("image/jpeg", "image/png")
    assert not imaging.accepts("image/heic", None)
    assert not imaging.accepts("image/avif", "image/avif")


def test_cold_import_stays_light() -> None:
    # The handler imports this module at a cold start: no pillow-heif, no work.
    code = (
        "import sys, functions.process.imaging as m; "
        "print(sorted(n for n in sys.modules if n.startswith('pillow_heif')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT}:{ROOT / 'layers' / 'core'}", "PATH": "/usr/bin:/bin"},
    ).stdout
    assert out.strip() == "[]"
