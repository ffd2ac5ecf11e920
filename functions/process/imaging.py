"""Image decoding and renditions: pure Pillow (+ pillow-heif), no AWS (security req. 6 and 7).

Input is sniffed by its magic bytes, decoded with an explicit format allowlist and a pixel
cap checked on the header, before any pixel is decoded (decompression-bomb warnings are
errors), turned upright, converted to sRGB, stripped of every piece of metadata, and
re-encoded as JPEG renditions.

The pipeline is built for one core (docs/performance.md has the measurements):

- JPEG is decoded by libjpeg-turbo at the smallest DCT scale that still covers the largest
  rendition (``draft_jpeg``: 1/8, 1/4, 3/8, 1/2 or 1/1);
- everything after the decode works on the download-sized image: the single expensive resize
  goes to the download size, then colour conversion (a cached lcms transform, applied in
  place) and the orientation transpose happen there, and the web and thumb renditions are
  scaled down from the finished download image;
- the resampling filter is an area average (``BOX``) for the big reduction, cheap and free of
  aliasing (the web rendition too), and a sharper one for the cheap thumbnail.

Blurred variants (``render_blurred``) hide face boxes drawn by staff in the clean download
rendition and derive every size from the hidden picture.

Nothing here runs at import time but definitions: the handler imports this module on a cold
start, and pillow-heif is only loaded (and registered with Pillow) for the first HEIC/HEIF.
"""

from __future__ import annotations

import io
import math
import os
import re
import struct
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache

from PIL import Image, ImageChops, ImageCms, ImageFile, ImageFilter

from pellicule.domain import faces
from pellicule.domain.errors import RejectedMedia

MAX_PIXELS = 64_000_000  # enough for 48 MP phone sensors, far from a decompression bomb
# Renditions: name -> longest edge in pixels. The largest drives the decode scale.
RENDITIONS: dict[str, int] = {"thumb": 400, "web": 1600, "download": 2560}
JPEG_QUALITY: dict[str, int] = {"thumb": 80, "web": 84, "download": 88}
# Progressive scans cost encode time but make the served files ~5 % smaller and show a
# preview early on a slow phone connection: worth it for the renditions people open; the
# thumbnails of a grid are tiny and decode faster as baseline. Huffman tables are always
# optimised (lossless, about 1 % smaller).
JPEG_PROGRESSIVE: dict[str, bool] = {"thumb": False, "web": True, "download": True}
# Pillow decoder names for the types the upload accepts.
DECODERS: dict[str, str] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/heic": "HEIF",
    "image/heif": "HEIF",
}
# The formats a photo may come in, as the uploader knows them (the refusal messages name them).
FORMATS = ("JPEG", "PNG", "WebP", "HEIC")
SNIFF_BYTES = 64  # what ``sniff`` needs to decide (the logic reads the same amount)
# Resampling filter per rendition. The download is reduced from the decoded picture by an
# area average (``BOX``: no aliasing, the cheapest filter that uses every source pixel); the
# web rendition likewise from the download; the thumbnail, cheap to make, gets the sharper
# HAMMING after an exact 2x2 pre-reduction (``reducing_gap``).
FILTERS: dict[str, Image.Resampling] = {
    "download": Image.Resampling.BOX,
    "web": Image.Resampling.BOX,
    "thumb": Image.Resampling.HAMMING,
}
MAX_ICC_BYTES = 2 * 1024 * 1024  # a larger "profile" is ignored (treated as sRGB)
# Pillow's image memory: 4 MB blocks, up to 64 of them kept for reuse after an image is
# freed (Pillow's defaults: 16 MB blocks, none kept). A photo's successive images (decoded,
# intermediate, renditions) then reuse warm memory instead of faulting fresh pages in: about
# 30 ms saved on a 48 MP photo. Pillow's own environment variables, when set, win.
ALLOCATOR_BLOCK_BYTES = 4 * 1024 * 1024
ALLOCATOR_BLOCKS = 64

# Blurred variants.
MAX_BOXES = 50
BOX_MARGIN = faces.HEAD_PADDING  # each side of a hand-drawn box grows by 35 % of its size
MIN_BLOCK = 12  # pixels of the download image per pixelation block, at least,
MIN_BLOCK_FRACTION = 0.01  # and at least 1 % of its long edge (4 pixels of the thumbnail),
MAX_BLOCKS_ACROSS = 8  # and never more blocks than this across the (grown) box
BLOCK_JITTER = 40  # random change of each block's colour, in levels (0..255)
PIXEL_NOISE = 12  # random noise added to every hidden pixel, in levels

_EXIF_IFD = 0x8769
_ORIENTATION = 0x0112
_DATETIME_ORIGINAL = 0x9003
_DATETIME = 0x0132
_EXIF_DATE = re.compile(r"^(\d{4}):(\d{2}):(\d{2})")
# ISO-BMFF brands (ftyp box). HEVC-coded HEIF is accepted; AVIF (AV1) is not.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})
_AVIF_BRANDS = frozenset({b"avif", b"avis", b"avio"})
_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# JPEG frame headers (SOFn: baseline, extended, progressive, lossless, arithmetic): their first
# byte is the sample precision. Pillow (like browsers) decodes 8-bit samples only.
_JPEG_FRAME_MARKERS = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)
_JPEG_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0-7: no length


# What decoders raise on a broken file (pillow-heif: RuntimeError from libheif, EOFError).
_DECODE_ERRORS = (
    Image.UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    RuntimeError,
    struct.error,
)


@dataclass(frozen=True)
class Rendition:
    name: str
    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"


@dataclass(frozen=True)
class Result:
    width: int  # upright size of the decoded original
    height: int
    capture_date: str | None  # YYYY-MM-DD, never a time or a place
    renditions: tuple[Rendition, ...]


# --- Sniffing --------------------------------------------------------------------------------


def sniff(head: bytes) -> str | None:
    """The media type announced by the file's first bytes (``SNIFF_BYTES`` suffice), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return _sniff_heif(head)


def _sniff_heif(head: bytes) -> str | None:
    """HEIC/HEIF from the ISO-BMFF ``ftyp`` box; MP4, MOV, AVIF and the rest are not images."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    size = int.from_bytes(head[:4], "big")
    if size < 16 or size % 4:
        return None
    major = head[8:12]
    # Compatible brands follow the minor version; read those the head holds entirely.
    end = min(size, len(head))
    brands = {major} | {head[i : i + 4] for i in range(16, end - 3, 4)}
    if brands & _AVIF_BRANDS:
        return None
    if major in _HEIC_BRANDS:
        return "image/heic"
    if major in _HEIF_BRANDS and brands & _HEIC_BRANDS:
        return "image/heif"  # the generic brand, with an HEVC brand among the compatible ones
    return None


def accepts(declared: str, sniffed: str | None) -> bool:
    """Whether content sniffed as ``sniffed`` may be processed as the ``declared`` type.

    HEIC and HEIF are one family: phones name HEVC-coded HEIF files ``.heic`` whatever their
    major brand, so ``image/heic`` and ``image/heif`` accept each other.
    """
    decoder = DECODERS.get(declared)
    return decoder is not None and sniffed is not None and DECODERS.get(sniffed) == decoder


# --- Rendering -------------------------------------------------------------------------------


def render(data: bytes, content_type: str) -> Result:
    """Decode ``data`` (sniffed as ``content_type``) and produce every rendition.

    Raises ``RejectedMedia`` with a catalogue reason for anything it refuses.
    """
    decoder = DECODERS.get(content_type)
    if decoder is None:
        raise RejectedMedia("media_unsupported_format")
    if not accepts(content_type, sniff(data[:SNIFF_BYTES])):
        raise RejectedMedia("media_content_mismatch", expected=FORMATS)
    if decoder == "HEIF":
        _register_heif()
    if decoder == "JPEG":
        precision = jpeg_precision(data)
        if precision is not None and precision != 8:
            # A valid file Pillow cannot decode (12-bit cameras, medical imaging): say so,
            # rather than calling it corrupt.
            raise RejectedMedia("media_jpeg_precision", bits=precision)
    with _decoding_guard():
        return _render(data, decoder)


def jpeg_precision(data: bytes) -> int | None:
    """Bits per sample the JPEG's frame header (SOFn) declares, or None if none is reached.

    Walks the marker segments from SOI: each is ``FF <marker> <length:2>`` (fill bytes and the
    standalone markers have no length). Stops at the first scan: a frame header must come
    before it. A broken walk yields None and leaves the verdict to the decoder.
    """
    position = 2  # after SOI
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in _JPEG_STANDALONE_MARKERS:
            position += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan
            return None
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if length < 2:
            return None
        if marker in _JPEG_FRAME_MARKERS:
            return data[position + 4] if length >= 3 and position + 4 < len(data) else None
        position += 2 + length
    return None


@contextmanager
def _decoding_guard() -> Iterator[None]:
    """Pixel cap with bomb warnings as errors; decoder failures become ``RejectedMedia``."""
    _tune_allocator()
    previous_cap = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            # Pillow's notes on broken-but-usable files ("Corrupt EXIF data"...) are noise;
            # a decompression-bomb warning is a refusal.
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise RejectedMedia("media_too_many_pixels", megapixels=MAX_PIXELS // 1_000_000) from None
    except RejectedMedia:
        raise
    except _DECODE_ERRORS as error:
        raise RejectedMedia("media_corrupt") from error
    finally:
        Image.MAX_IMAGE_PIXELS = previous_cap


def _render(data: bytes, decoder: str) -> Result:
    download, width, height, capture_date = _decode_download(data, decoder)
    return Result(width, height, capture_date, _renditions(download))


def _decode_download(data: bytes, decoder: str) -> tuple[Image.Image, int, int, str | None]:
    """The download-sized picture (upright, sRGB, RGB, no metadata), the upright size of the
    original and its capture date."""
    opened = Image.open(io.BytesIO(data), formats=[decoder])
    try:
        # The header alone gave the size: refuse before a single pixel is decoded.
        if opened.width * opened.height > MAX_PIXELS:
            raise Image.DecompressionBombError("too many pixels")
        exif = _exif(opened)
        capture_date = _capture_date(exif)
        # libheif already applied the HEIF irot/imir transforms (and pillow-heif reset the
        # EXIF orientation, which HEIF readers must ignore): never rotate HEIF twice.
        orientation = 1 if decoder == "HEIF" else _orientation(exif)
        icc = opened.info.get("icc_profile") or None
        stored_size = opened.size
        download_size = fit(stored_size, RENDITIONS["download"])
        if decoder == "JPEG" and download_size != stored_size:
            draft_jpeg(opened, download_size)
        opened.load()
        image = _reduce(_resizable(opened), download_size)
        if image is opened:
            image = opened.copy()  # small enough already: ``opened`` is closed below
    finally:
        opened.close()  # frees the decoded pixels (if ``_reduce`` did not already)
    image = _to_srgb(_flatten(image), icc)
    if orientation in _TRANSPOSE:
        image = image.transpose(_TRANSPOSE[orientation])
    image.info = {}
    if orientation in (5, 6, 7, 8):
        return image, stored_size[1], stored_size[0], capture_date
    return image, stored_size[0], stored_size[1], capture_date


def _renditions(download: Image.Image) -> tuple[Rendition, ...]:
    """Encode ``download`` (upright, sRGB, RGB) and the smaller renditions derived from it."""
    return tuple(
        Rendition(name, _encode(image, name), image.width, image.height)
        for name, image in _rendition_images(download)
    )


def _rendition_images(download: Image.Image) -> list[tuple[str, Image.Image]]:
    """Every rendition's picture, largest first, each scaled from the previous one."""
    images = []
    image = download
    for name, edge in sorted(RENDITIONS.items(), key=lambda item: -item[1]):
        size = fit(image.size, edge)
        if size != image.size:
            image = image.resize(size, FILTERS[name], reducing_gap=2.0)
        images.append((name, image))
    return images


def fit(size: tuple[int, int], edge: int) -> tuple[int, int]:
    """``size`` scaled so that its longest side is ``edge`` (never enlarged)."""
    width, height = size
    longest = max(width, height)
    if longest <= edge:
        return size
    if width >= height:
        return edge, max(1, round(height * edge / width))
    return max(1, round(width * edge / height)), edge


def draft_jpeg(opened: ImageFile.ImageFile, size: tuple[int, int]) -> None:
    """Have libjpeg-turbo decode ``opened`` at the smallest DCT scale still covering ``size``.

    ``size`` must have the photo's aspect ratio (the download size does): Pillow's ``draft``
    only scales when both sides allow it. Pillow offers 1/2, 1/4 and 1/8; libjpeg-turbo also
    decodes at 3/8, which a 48 MP photo (8000 x 6000 -> 3000 x 2250) can use instead of 1/2:
    a cheaper decode, and a third fewer pixels to reduce. Pillow has no API for it, so 3/8 is
    set through the same fields ``draft`` sets, and only after a self-test proved that this
    Pillow and libjpeg do honour it.
    """
    original = opened.size
    [tile] = opened.tile if len(opened.tile) == 1 else [None]
    opened.draft("RGB", size)
    if tile is None or opened.decoderconfig != (2, 0) or tile.extents != (0, 0, *original):
        return
    scaled = ((original[0] * 3 + 7) // 8, (original[1] * 3 + 7) // 8)
    if scaled[0] < size[0] or scaled[1] < size[1] or not _three_eighths_works():
        return
    opened.tile = [tile._replace(extents=(0, 0, *scaled))]
    opened._size = scaled
    opened.decoderconfig = (3, 0)  # libjpeg: scale_num 1 / scale_denom 3 -> 3/8


@cache
def _three_eighths_works() -> bool:
    """Whether a 3/8 decode through ``draft_jpeg`` gives the right picture (checked once on a
    tiny JPEG, whose left half is black and right half white)."""
    picture = Image.new("L", (128, 64), 0)
    picture.paste(255, (64, 0, 128, 64))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95)
    try:
        with Image.open(buffer, formats=["JPEG"]) as opened:
            opened.draft("L", (48, 24))  # 1/2, then switched to 3/8 as draft_jpeg does
            if opened.decoderconfig != (2, 0):
                return False
            [tile] = opened.tile
            opened.tile = [tile._replace(extents=(0, 0, 48, 24))]
            opened._size = (48, 24)
            opened.decoderconfig = (3, 0)
            opened.load()
            left, right = opened.crop((0, 0, 20, 24)), opened.crop((28, 0, 48, 24))
            return (
                opened.size == (48, 24) and max(left.tobytes()) < 24 and min(right.tobytes()) > 231
            )
    except Exception:  # noqa: BLE001 - any surprise: keep Pillow's own scales
        return False


def _reduce(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``image`` reduced to ``size`` by area averaging, one axis at a time (Pillow's vertical
    pass is the cheaper one, so it runs first, on the full width); ``image`` if no change.

    Each replaced image is closed at once, so that at most two large pictures are alive at a
    time (the decoded one and the first pass's output, not the second pass's too).
    """
    for step in ((image.width, size[1]), size):
        if image.size != step:
            reduced = image.resize(step, FILTERS["download"])
            image.close()
            image = reduced
    return image


def _resizable(image: Image.Image) -> Image.Image:
    """``image`` in a mode Pillow resamples properly (not palette, bilevel or 16-bit)."""
    mode = image.mode
    if mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return image
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I"):
        # 16-bit grey (PNG): keep the 8 most significant bits.
        return image.convert("I").point(lambda value: value / 257).convert("L")
    return image.convert("RGBA" if "A" in image.getbands() else "RGB")


def _flatten(image: Image.Image) -> Image.Image:
    """Transparency composited on white; RGB (or CMYK, converted by ``_to_srgb``) out."""
    if image.mode in ("RGBA", "LA"):
        rgba = image.convert("RGBA") if image.mode == "LA" else image
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode == "L":
        return image.convert("RGB")
    return image


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """``image`` (RGB or CMYK) with its embedded profile converted to sRGB, as RGB."""
    transform = _srgb_transform(icc, image.mode) if icc else None
    if transform is not None:
        if image.mode == "RGB":
            transform.apply_in_place(image)
        else:
            image = transform.apply(image)
    return image if image.mode == "RGB" else image.convert("RGB")


@lru_cache(maxsize=16)
def _srgb_transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """A transform from ``icc`` to sRGB for ``mode`` pixels, built once per profile, or None
    when the profile is sRGB already (the pixels then stay untouched) or unusable."""
    if len(icc) > MAX_ICC_BYTES or mode not in ("RGB", "CMYK"):
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        transform = ImageCms.buildTransform(source, srgb, mode, "RGB")
        if mode == "RGB" and _is_identity(transform):
            return None
        return transform
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # an unreadable profile: the pixels are treated as sRGB


def _is_identity(transform: ImageCms.ImageCmsTransform) -> bool:
    """Whether ``transform`` leaves every colour of a coarse RGB grid within one level."""
    levels = range(0, 256, 17)
    raw = bytes(v for r in levels for g in levels for b in levels for v in (r, g, b))
    probe = Image.frombytes("RGB", (len(raw) // 3, 1), raw)
    converted = transform.apply(probe).tobytes()
    return max(abs(a - b) for a, b in zip(raw, converted, strict=True)) <= 1


def _encode(image: Image.Image, name: str) -> bytes:
    image.info = {}  # no comment, EXIF, XMP or ICC may ride along
    buffer = io.BytesIO()
    image.save(
        buffer,
        "JPEG",
        quality=JPEG_QUALITY[name],
        optimize=True,
        progressive=JPEG_PROGRESSIVE[name],
        subsampling="4:2:0",
    )
    return buffer.getvalue()


def _exif(image: Image.Image) -> Image.Exif:
    """The EXIF of ``image``; empty when it cannot be parsed (broken EXIF must not block the
    photo: it is never copied to the outputs anyway)."""
    try:
        return image.getexif()
    except Exception:  # noqa: BLE001 - any parsing failure means "no EXIF"
        return Image.Exif()


def _orientation(exif: Image.Exif) -> int:
    value = exif.get(_ORIENTATION, 1)  # Pillow falls back on an XMP tiff:Orientation
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _capture_date(exif: Image.Exif) -> str | None:
    try:
        raw = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    except Exception:  # noqa: BLE001 - broken EXIF must not block the photo
        return None
    match = _EXIF_DATE.match(str(raw or ""))
    if not match:
        return None
    year, month, day = match.groups()
    if not ("1990" <= year <= "2100" and "01" <= month <= "12" and "01" <= day <= "31"):
        return None
    return f"{year}-{month}-{day}"


@cache
def _register_heif() -> None:
    """Teach Pillow to open HEIF (once, on the first HEIC: keeps the cold start light).

    Embedded thumbnails are disabled (they may show another crop than the image), and depth
    and auxiliary images are never decoded.
    """
    from pillow_heif import register_heif_opener

    register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


@cache
def _tune_allocator() -> None:
    """Size Pillow's memory blocks and keep freed ones (see ``ALLOCATOR_BLOCK_BYTES``)."""
    if "PILLOW_BLOCK_SIZE" not in os.environ:
        Image.core.set_block_size(ALLOCATOR_BLOCK_BYTES)
    if "PILLOW_BLOCKS_MAX" not in os.environ:
        Image.core.set_blocks_max(ALLOCATOR_BLOCKS)


# --- Blurred variants ----------------------------------------------------------------------------


def render_blurred(
    download_jpeg: bytes, boxes: Sequence[tuple[float, float, float, float]]
) -> tuple[Rendition, ...]:
    """Thumb/web/download variants of a photo in which every box is irreversibly hidden.

    ``download_jpeg`` is the clean ``download`` rendition (upright, sRGB, no metadata: the
    largest one stored); ``boxes`` are ``(x, y, w, h)`` fractions of it. Each box grows by
    ``BOX_MARGIN`` per side (``faces.head_region``: a box drawn on the face leaves out hair,
    ears and chin), then its pixels are replaced by coarse blocks (at least ``MIN_BLOCK``
    pixels and ``MIN_BLOCK_FRACTION`` of the long edge, so still several pixels wide in the
    thumbnail; at most ``MAX_BLOCKS_ACROSS`` across) whose
    colours get a random jitter, blurred, and covered with random noise: no variant, at any
    size, keeps the original pixels of a box. Pixels outside the boxes are unchanged (up to
    the JPEG re-encoding). Raises ``ValueError`` for invalid boxes and ``RejectedMedia`` for a
    source that is not a JPEG rendition.
    """
    regions = _validated_boxes(boxes)
    if sniff(download_jpeg[:SNIFF_BYTES]) != "image/jpeg":
        raise RejectedMedia("media_not_a_rendition")
    with _decoding_guard():
        opened = Image.open(io.BytesIO(download_jpeg), formats=["JPEG"])
        try:
            if max(opened.size) > RENDITIONS["download"]:
                raise RejectedMedia("media_not_a_rendition")
            opened.load()
            image = opened.convert("RGB")  # a new, writable image in any case
        finally:
            opened.close()
    smallest = max(MIN_BLOCK, math.ceil(max(image.size) * MIN_BLOCK_FRACTION))
    for region in regions:
        _hide(image, _pixel_box(region, image.size), smallest)
    return _renditions(image)


def _validated_boxes(
    boxes: Sequence[tuple[float, float, float, float]],
) -> list[tuple[float, float, float, float]]:
    if len(boxes) > MAX_BOXES:
        raise ValueError(f"at most {MAX_BOXES} boxes, got {len(boxes)}")
    valid = []
    for index, box in enumerate(boxes):
        if len(box) != 4:
            raise ValueError(f"box {index}: four numbers (x, y, w, h) expected")
        x, y, w, h = (float(v) for v in box)
        if not all(math.isfinite(v) for v in (x, y, w, h)) or min(x, y, w, h) < 0:
            raise ValueError(f"box {index}: finite, non-negative numbers expected")
        left, top, right, bottom = x, y, min(1.0, x + w), min(1.0, y + h)
        if right <= left or bottom <= top:
            raise ValueError(f"box {index}: empty or outside the picture")
        valid.append((left, top, right, bottom))
    return valid


def _pixel_box(
    region: tuple[float, float, float, float], size: tuple[int, int]
) -> tuple[int, int, int, int]:
    """The grown box (``faces.head_region``: the whole head, not only the face drawn) in
    pixels, clamped to the picture (outward rounding)."""
    width, height = size
    left, top, right, bottom = faces.head_region(region, BOX_MARGIN)
    return (
        max(0, math.floor(left * width)),
        max(0, math.floor(top * height)),
        min(width, math.ceil(right * width)),
        min(height, math.ceil(bottom * height)),
    )


def _hide(image: Image.Image, box: tuple[int, int, int, int], smallest: int) -> None:
    """Replace the pixels of ``box`` in ``image``: pixelate (blocks of at least ``smallest``
    pixels), jitter, blur, add noise."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    if width <= 0 or height <= 0:
        return
    block = max(smallest, math.ceil(max(width, height) / MAX_BLOCKS_ACROSS))
    # Whole blocks only (rounding down): each is at least ``block`` pixels wide and high.
    columns, rows = max(1, width // block), max(1, height // block)
    region = image.crop(box)
    # Coarse blocks: area averages, each colour shifted at random.
    blocks = region.resize((columns, rows), Image.Resampling.BOX)
    blocks = _add_noise(blocks, BLOCK_JITTER)
    hidden = blocks.resize((width, height), Image.Resampling.NEAREST)
    # Soften the block edges (blocks would otherwise hint at contours) and add fine noise.
    hidden = hidden.filter(ImageFilter.GaussianBlur(block / 2))
    hidden = _add_noise(hidden, PIXEL_NOISE)
    image.paste(hidden, (left, top))


def _add_noise(image: Image.Image, amplitude: int) -> Image.Image:
    """``image`` plus uniform random noise in [-amplitude/2, amplitude/2] on each channel,
    from the operating system's random source (nothing to replay or subtract)."""
    width, height = image.size
    raw = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    noise = raw.point(lambda value: value * (amplitude + 1) // 256)
    return ImageChops.add(image, noise, scale=1.0, offset=-(amplitude // 2))
