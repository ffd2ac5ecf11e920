"""Image processing with real Pillow: metadata stripped, upright, bounded (req. 6 and 7)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pytest
from PIL import Image

from functions.process import imaging
from pellicule.errors import RejectedMedia
from tests.support import images

METADATA_MARKERS = (
    b"Exif\x00\x00",
    b"http://ns.adobe.com/xap",
    b"ICC_PROFILE",
    b"Jeanne",
    b"PhoneMaker",
    b"MAKERNOTE",
    b"photoshop",
)


def _jpeg_segments(data: bytes) -> list[int]:
    """JPEG marker codes before the image data (APPn, COM, ...)."""
    markers, offset = [], 2
    while offset < len(data) and data[offset] == 0xFF:
        marker = data[offset + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan
            break
        length = int.from_bytes(data[offset + 2 : offset + 4], "big")
        offset += 2 + length
    return markers


def assert_clean(rendition: imaging.Rendition) -> None:
    with Image.open(io.BytesIO(rendition.data)) as opened:
        assert opened.format == "JPEG"
        assert not opened.getexif()
        for key in ("exif", "icc_profile", "xmp", "comment", "photoshop"):
            assert key not in opened.info, key
    for marker in METADATA_MARKERS:
        assert marker not in rendition.data, marker
    # Only JFIF (APP0) may precede the image data: no APP1 (EXIF/XMP), APP2 (ICC), APP13, COM.
    segments = _jpeg_segments(rendition.data)
    assert not [m for m in segments if 0xE1 <= m <= 0xEF or m == 0xFE], segments


def exiftool_tags(data: bytes) -> dict[str, object]:
    exiftool = shutil.which("exiftool")
    assert exiftool, "exiftool is required (Debian: libimage-exiftool-perl; make test installs it)"
    out = subprocess.run(
        [exiftool, "-j", "-a", "-G1", "-"], input=data, capture_output=True, check=True
    ).stdout
    return json.loads(out)[0]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (images.jpeg_with_metadata(), "image/jpeg"),
        (images.png_with_metadata(), "image/png"),
        (images.webp_with_metadata(), "image/webp"),
    ],
    ids=["jpeg", "png", "webp"],
)
def test_outputs_carry_no_metadata(data: bytes, content_type: str) -> None:
    # Given an input with EXIF (GPS, maker note, artist), XMP, ICC and a comment
    assert b"Jeanne" in data
    # When it is rendered
    result = imaging.render(data, content_type)
    # Then no rendition carries any of it, per Pillow, per the raw bytes and per exiftool
    assert {r.name for r in result.renditions} == {"thumb", "web", "download"}
    for rendition in result.renditions:
        assert_clean(rendition)
        tags = exiftool_tags(rendition.data)
        groups = {key.split(":")[0] for key in tags if ":" in key}
        assert not groups & {
            "IFD0",
            "ExifIFD",
            "GPS",
            "XMP-x",
            "XMP-dc",
            "ICC_Profile",
            "ICC-header",
            "MakerNotes",
            "IPTC",
            "Photoshop",
        }, tags
        assert "File:Comment" not in tags


def test_capture_date_is_kept_as_a_date_only() -> None:
    result = imaging.render(images.jpeg_with_metadata(), "image/jpeg")
    assert result.capture_date == "2026-06-14"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation: int) -> None:
    # The stored pixels are the upright picture transformed so that applying `orientation`
    # restores it: red must come back to the top-left quadrant.
    upright = images.pattern((400, 300))
    inverse = {
        1: None,
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_90,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_270,
    }[orientation]
    stored = upright.transpose(inverse) if inverse is not None else upright
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", exif=images.exif_with_gps(orientation), quality=95)
    result = imaging.render(buffer.getvalue(), "image/jpeg")
    assert (result.width, result.height) == (400, 300)
    thumb = next(r for r in result.renditions if r.name == "thumb")
    with Image.open(io.BytesIO(thumb.data)) as out:
        out = out.convert("RGB")
        red, green, blue = out.getpixel((out.width // 4, out.height // 4))
        assert (red > 200, blue < 60) == (True, True), (orientation, red, green, blue)
        red, green, blue = out.getpixel((3 * out.width // 4, 3 * out.height // 4))
        assert (blue > 200, red < 60) == (True, True), (orientation, red, green, blue)


def test_rendition_sizes_never_upscale() -> None:
    big = imaging.render(images.jpeg_with_metadata((4000, 3000)), "image/jpeg")
    sizes = {r.name: (r.width, r.height) for r in big.renditions}
    assert sizes == {"thumb": (400, 300), "web": (1600, 1200), "download": (2560, 1920)}
    small = imaging.render(images.jpeg_with_metadata((800, 600)), "image/jpeg")
    sizes = {r.name: (r.width, r.height) for r in small.renditions}
    assert sizes == {"thumb": (400, 300), "web": (800, 600), "download": (800, 600)}


def test_png_alpha_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    result = imaging.render(buffer.getvalue(), "image/png")
    with Image.open(io.BytesIO(result.renditions[0].data)) as out:
        assert out.mode == "RGB"
        assert out.convert("RGB").getpixel((50, 50)) == pytest.approx((255, 255, 255), abs=2)


def test_decompression_bomb_is_rejected_before_decoding() -> None:
    # A tiny PNG that claims 10000 x 10000 pixels.
    buffer = io.BytesIO()
    Image.new("1", (10000, 10000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(RejectedMedia, match="64"):
        imaging.render(buffer.getvalue(), "image/png")


def test_formats_outside_the_allowlist_are_rejected() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")
    assert imaging.sniff(buffer.getvalue()) is None
    with pytest.raises(RejectedMedia):
        imaging.render(buffer.getvalue(), "image/gif")
    # A GIF announced as PNG does not get decoded by the GIF decoder either.
    with pytest.raises(RejectedMedia):
        imaging.render(buffer.getvalue(), "image/png")


def test_truncated_file_is_rejected_with_a_readable_reason() -> None:
    data = images.jpeg_with_metadata()[:2000]
    with pytest.raises(RejectedMedia, match="corrupt"):
        imaging.render(data, "image/jpeg")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'>", None),
        (b"<!doctype html><html>", None),
        (b"GIF89a", None),
        (b"", None),
    ],
)
def test_sniff_reads_magic_bytes_only(head: bytes, expected: str | None) -> None:
    assert imaging.sniff(head) == expected
