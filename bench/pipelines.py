"""The three pipelines the benchmark times on the same input.

- ``ours``: ``imaging.render`` as the process function runs it.
- ``floor``: what no pipeline can avoid: decoding at the scale the largest rendition needs
  (libjpeg-turbo DCT scaling for JPEG through ``draft``; a full decode for HEIC, which has no
  scaled decode) and encoding our outputs with our encoder settings. The pictures it encodes
  are our own renditions, prepared before the clock starts, so the encoder sees the very
  same pixels.
- ``naive``: the obvious Pillow code: full decode, ``exif_transpose``, ICC conversion at full
  size, then a LANCZOS resize from the full-size picture for each rendition, same encoder
  settings as ours.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageCms, ImageOps

from functions.process import imaging

Prepared = list[tuple[str, Image.Image]]


def prepare(content_type: str, data: bytes) -> Prepared:
    """Our rendition pictures (not encoded), for the floor to encode."""
    decoder = imaging.DECODERS[content_type]
    if decoder == "HEIF":
        imaging._register_heif()
    with imaging._decoding_guard():
        download = imaging._decode_download(data, decoder)[0]
    return imaging._rendition_images(download)


def ours(content_type: str, data: bytes, prepared: Prepared) -> None:
    imaging.render(data, content_type)


def floor(content_type: str, data: bytes, prepared: Prepared) -> None:
    decoder = imaging.DECODERS[content_type]
    largest = max(imaging.RENDITIONS.values())
    with Image.open(io.BytesIO(data), formats=[decoder]) as image:
        if decoder == "JPEG":
            imaging.draft_jpeg(image, imaging.fit(image.size, largest))
        image.load()
    for name, picture in prepared:
        imaging._encode(picture, name)


def naive(content_type: str, data: bytes, prepared: Prepared) -> None:
    if content_type == "image/heic":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    opened = Image.open(io.BytesIO(data))
    opened.load()
    image = ImageOps.exif_transpose(opened)
    icc = image.info.get("icc_profile")
    if icc:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
        image = converted if converted is not None else image
    image = image.convert("RGB")
    for name, edge in imaging.RENDITIONS.items():
        out = image.resize(imaging.fit(image.size, edge), Image.Resampling.LANCZOS)
        out.save(
            io.BytesIO(),
            "JPEG",
            quality=imaging.JPEG_QUALITY[name],
            optimize=True,
            progressive=imaging.JPEG_PROGRESSIVE[name],
        )


PIPELINES: dict[str, Callable[[str, bytes, Prepared], None]] = {
    "floor": floor,
    "ours": ours,
    "naive": naive,
}
