"""HEIC/HEIF input through pillow-heif: orientation, colour, metadata, corrupt files, bombs."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms

from functions.process import imaging
from pellicule.domain.errors import RejectedMedia
from tests.support import images
from tests.unit.test_imaging import assert_upright, decoded, rendition


def heic_bombs() -> dict[str, tuple[bytes, str]]:
    """Tiny HEIC files whose headers (``ispe``) claim huge pictures."""
    small = images.heic_with_metadata((256, 192), orientation=1)
    return {
        "heic 9000x8000": (images.forge_heif_size(small, 9000, 8000), "image/heic"),
        "heic 60000x60000": (images.forge_heif_size(small, 60000, 60000), "image/heic"),
    }


def test_iphone_like_heic_carries_what_an_iphone_writes() -> None:
    # The fixture itself: irot AND EXIF orientation 6, Display P3, GPS, XMP, a thumbnail
    data = images.heic_with_metadata(orientation=6)
    assert imaging.sniff(data[: imaging.SNIFF_BYTES]) == "image/heic"
    tags = images.exiftool_tags(data)
    assert tags["IFD0:Orientation"] == "Rotate 90 CW", tags
    assert tags.get("QuickTime:Rotation") == 270, tags
    assert tags["ICC_Profile:ProfileDescription"] == "Display P3", tags
    assert {"GPS:GPSLatitude", "XMP-dc:Creator", "ExifIFD:DateTimeOriginal"} <= set(tags)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_heic_comes_out_upright_with_orientation_applied_once(orientation: int) -> None:
    # Given the upright picture stored transformed, with irot/imir and the EXIF orientation
    data = images.heic_with_metadata((400, 300), orientation=orientation)
    # When rendered: libheif applies irot/imir; the EXIF orientation must not be applied again
    result = imaging.render(data, "image/heic")
    assert (result.width, result.height) == (400, 300)
    assert result.capture_date == "2026-06-14"
    for output in result.renditions:
        assert_upright(output.data)


def test_heic_exif_orientation_alone_is_ignored() -> None:
    # Given an upright HEIC (no irot) whose EXIF says "rotate 90" (HEIF readers must ignore it)
    data = images.patch_exif_orientation(images.heic_with_metadata(orientation=1), 6)
    assert images.exiftool_tags(data)["IFD0:Orientation"] == "Rotate 90 CW"
    # Then the pixels are shown as stored
    result = imaging.render(data, "image/heic")
    assert (result.width, result.height) == (480, 360)
    assert_upright(rendition(result, "thumb").data)


def test_heic_display_p3_is_converted_to_srgb() -> None:
    colour = (200, 100, 50)
    data = images.heic_with_metadata(image=Image.new("RGB", (256, 192), colour), quality=95)
    out = decoded(rendition(imaging.render(data, "image/heic"), "thumb").data)
    reference = ImageCms.profileToProfile(
        Image.new("RGB", (1, 1), colour),
        ImageCms.ImageCmsProfile(io.BytesIO(images.display_p3_icc())),
        ImageCms.createProfile("sRGB"),
    )
    assert reference is not None
    assert out.getpixel((128, 96)) == pytest.approx(reference.getpixel((0, 0)), abs=4)


def test_heic_with_alpha_is_flattened_on_white() -> None:
    import pillow_heif

    picture = Image.new("RGBA", (64, 48), (0, 0, 0, 0))
    picture.paste((255, 0, 0, 255), (0, 0, 32, 48))
    buffer = io.BytesIO()
    pillow_heif.from_pillow(picture).save(buffer, quality=95)
    out = decoded(rendition(imaging.render(buffer.getvalue(), "image/heic"), "thumb").data)
    assert out.getpixel((48, 24)) == pytest.approx((255, 255, 255), abs=4)
    assert out.getpixel((12, 24)) == pytest.approx((255, 0, 0), abs=12)


def test_heif_brand_and_heic_brand_both_render() -> None:
    data = images.heic_with_metadata((64, 48), orientation=1)
    assert data[8:12] == b"heic"
    generic = data[:8] + b"mif1" + data[12:]  # major brand mif1, "heic" still compatible
    assert imaging.sniff(generic[:64]) == "image/heif"
    for payload, content_type in ((data, "image/heic"), (generic, "image/heif")):
        assert rendition(imaging.render(payload, content_type), "thumb").width == 64


@pytest.mark.parametrize("where", [0.05, 0.5, 0.95])
def test_heic_truncated_inside_the_image_is_rejected(where: float) -> None:
    data = images.heic_with_metadata((480, 360), orientation=1)
    start, length = images.heif_primary_extent(data)
    assert start + length <= len(data)
    with pytest.raises(RejectedMedia, match="media_corrupt"):
        imaging.render(data[: start + int(length * where)], "image/heic")


def test_heic_truncated_in_its_header_or_garbage_is_rejected() -> None:
    data = images.heic_with_metadata((64, 48), orientation=1)
    for broken in (data[:40], data[:300], data[:40] + bytes(range(256)) * 4):
        with pytest.raises(RejectedMedia, match="media_corrupt"):
            imaging.render(broken, "image/heic")


@pytest.mark.parametrize("name", list(heic_bombs()))
def test_heic_bombs_are_rejected_from_the_header(name: str) -> None:
    data, content_type = heic_bombs()[name]
    assert len(data) < 5000
    with pytest.raises(RejectedMedia, match="media_too_many_pixels"):
        imaging.render(data, content_type)


def test_heic_embedded_thumbnail_is_never_used() -> None:
    # A thumbnail that differs from the image (an old crop left behind by an editor) must
    # not leak into any rendition: pillow-heif is registered with thumbnails disabled.
    data = images.heic_with_metadata((480, 360), orientation=1)
    result = imaging.render(data, "image/heic")
    for output in result.renditions:
        assert (output.width, output.height) == decoded(output.data).size
    assert rendition(result, "download").width == 480
