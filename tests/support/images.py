"""Test images carrying every kind of metadata a phone writes (built with real Pillow)."""

from __future__ import annotations

import io

from PIL import Image, ImageCms

XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="Jeanne Martin"/>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0132] = "2026:06:15 10:11:12"  # DateTime
    exif[0x013B] = "Jeanne Martin"  # Artist
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0x9003] = "2026:06:14 09:08:07"  # DateTimeOriginal
    exif_ifd[0x927C] = b"MAKERNOTE-SECRET"  # MakerNote
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 24.0)
    gps[3] = "E"
    gps[4] = (2.0, 21.0, 7.0)
    return exif


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def pattern(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A picture whose top-left quadrant is red, so orientation can be checked."""
    image = Image.new(mode, size, (0, 0, 255, 255) if mode == "RGBA" else (0, 0, 255))
    w, h = size
    red = (255, 0, 0, 255) if mode == "RGBA" else (255, 0, 0)
    image.paste(red, (0, 0, w // 2, h // 2))
    return image


def jpeg_with_metadata(size: tuple[int, int] = (1200, 800), orientation: int = 1) -> bytes:
    buffer = io.BytesIO()
    pattern(size).save(
        buffer,
        "JPEG",
        exif=exif_with_gps(orientation),
        icc_profile=srgb_icc(),
        comment=b"Jeanne Martin, sortie au parc",
        xmp=XMP,
        quality=90,
    )
    return buffer.getvalue()


def png_with_metadata(size: tuple[int, int] = (900, 600), alpha: bool = True) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jeanne Martin")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    buffer = io.BytesIO()
    pattern(size, "RGBA" if alpha else "RGB").save(
        buffer, "PNG", pnginfo=info, exif=exif_with_gps(), icc_profile=srgb_icc()
    )
    return buffer.getvalue()


def webp_with_metadata(size: tuple[int, int] = (900, 600)) -> bytes:
    buffer = io.BytesIO()
    pattern(size).save(
        buffer, "WEBP", exif=exif_with_gps(), icc_profile=srgb_icc(), xmp=XMP, quality=90
    )
    return buffer.getvalue()
