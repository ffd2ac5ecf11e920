"""Image decoding and renditions: pure Pillow, no AWS (security requirements 6 and 7).

Input is sniffed by its magic bytes, decoded with an explicit format allowlist and a pixel
cap (decompression-bomb warnings are errors), turned upright, converted to sRGB, stripped of
every piece of metadata, and re-encoded as JPEG renditions.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

from pellicule.errors import RejectedMedia

MAX_PIXELS = 64_000_000  # enough for 48 MP phone sensors, far from a decompression bomb
# Renditions: name -> longest edge in pixels. The largest drives the decode scale.
RENDITIONS: dict[str, int] = {"thumb": 400, "web": 1600, "download": 2560}
JPEG_QUALITY: dict[str, int] = {"thumb": 80, "web": 84, "download": 88}
# Pillow decoder names for the types the upload accepts.
DECODERS: dict[str, str] = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}

_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_DATETIME = 0x0132
_EXIF_DATE = re.compile(r"^(\d{4}):(\d{2}):(\d{2})")


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


def sniff(head: bytes) -> str | None:
    """The media type announced by the file's first bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _capture_date(image: Image.Image) -> str | None:
    try:
        exif = image.getexif()
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


def _to_srgb(image: Image.Image) -> Image.Image:
    icc = image.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            srgb = ImageCms.createProfile("sRGB")
            mode = "RGBA" if "A" in image.getbands() else "RGB"
            converted = ImageCms.profileToProfile(image, source, srgb, outputMode=mode)
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: keep the pixels as they are (treated as sRGB)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image, quality: int) -> bytes:
    image.info = {}  # no comment, EXIF, XMP or ICC may ride along
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def render(data: bytes, content_type: str) -> Result:
    """Decode ``data`` (already sniffed as ``content_type``) and produce every rendition."""
    decoder = DECODERS.get(content_type)
    if decoder is None:
        raise RejectedMedia("Format non pris en charge. / Unsupported format.")
    previous_cap = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _render(data, decoder)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise RejectedMedia(
            "Image trop grande (plus de 64 mégapixels). / Image too large (over 64 megapixels)."
        ) from None
    except (Image.UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise RejectedMedia(
            "Fichier image illisible ou corrompu. / Unreadable or corrupt image file."
        ) from error
    finally:
        Image.MAX_IMAGE_PIXELS = previous_cap


def _render(data: bytes, decoder: str) -> Result:
    with Image.open(io.BytesIO(data), formats=[decoder]) as opened:
        if opened.width * opened.height > MAX_PIXELS:
            raise Image.DecompressionBombError("too many pixels")
        capture_date = _capture_date(opened)
        largest = max(RENDITIONS.values())
        if decoder == "JPEG":
            # Decode at the smallest DCT scale that still covers the largest rendition.
            opened.draft("RGB", (largest, largest))
        opened.load()
        upright = ImageOps.exif_transpose(opened)
    width, height = upright.size
    image = _to_srgb(upright)
    renditions = []
    # Largest first; each smaller rendition is scaled from the previous one.
    for name, edge in sorted(RENDITIONS.items(), key=lambda item: -item[1]):
        if max(image.size) > edge:
            image = image.copy()
            image.thumbnail((edge, edge), Image.Resampling.LANCZOS, reducing_gap=3.0)
        renditions.append(
            Rendition(name, _encode(image, JPEG_QUALITY[name]), image.width, image.height)
        )
    return Result(width, height, capture_date, tuple(renditions))
