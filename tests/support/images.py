"""Test images carrying every kind of metadata a phone writes (built with real Pillow).

Also used by the benchmark (``bench/``) for its photo-like inputs: everything here is
deterministic for a given seed.
"""

from __future__ import annotations

import io
import random
import struct
from collections.abc import Sequence

from PIL import Image, ImageCms, ImageDraw, ImageFilter, ImageFont

XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="Jeanne Martin"/>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
# Inverse of each EXIF orientation: stored = upright.transpose(INVERSE[o]) is displayed upright
# by a reader that honours orientation ``o``.
INVERSE: dict[int, Image.Transpose | None] = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
THUMBNAIL_SECRET = b"EXIF-THUMBNAIL-SECRET"  # a COM text inside the embedded EXIF thumbnail
IPTC_SECRET = b"IPTC Jeanne Martin"


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


def exif_with_thumbnail(orientation: int = 1) -> bytes:
    """EXIF bytes (``Exif\\0\\0`` + TIFF) with GPS, maker note and an IFD1 JPEG thumbnail.

    Pillow writes no IFD1, so the thumbnail directory is appended by hand and linked from
    IFD0's next-IFD pointer.
    """
    tiff = exif_with_gps(orientation).tobytes()[6:]  # Pillow writes b"Exif\0\0" + TIFF
    order = {b"II": "<", b"MM": ">"}[tiff[:2]]
    ifd0 = struct.unpack_from(order + "I", tiff, 4)[0]
    count = struct.unpack_from(order + "H", tiff, ifd0)[0]
    next_pointer = ifd0 + 2 + 12 * count
    assert struct.unpack_from(order + "I", tiff, next_pointer)[0] == 0
    thumb = io.BytesIO()
    pattern((160, 120)).save(thumb, "JPEG", quality=70, comment=THUMBNAIL_SECRET)
    body = bytearray(tiff)
    if len(body) % 2:
        body += b"\x00"
    ifd1 = len(body)
    thumb_offset = ifd1 + 2 + 3 * 12 + 4
    body += struct.pack(order + "H", 3)
    body += struct.pack(order + "HHIHH", 0x0103, 3, 1, 6, 0)  # Compression: JPEG
    body += struct.pack(order + "HHII", 0x0201, 4, 1, thumb_offset)  # JPEGInterchangeFormat
    body += struct.pack(order + "HHII", 0x0202, 4, 1, len(thumb.getvalue()))  # ...Length
    body += struct.pack(order + "I", 0)
    body += thumb.getvalue()
    struct.pack_into(order + "I", body, next_pointer, ifd1)
    return b"Exif\x00\x00" + bytes(body)


def iptc_app13(byline: bytes = IPTC_SECRET, city: bytes = b"Paris") -> bytes:
    """A JPEG APP13 segment: a Photoshop 3.0 block holding an IPTC-IIM record (resource 0x0404)."""
    iim = b"".join(
        b"\x1c\x02" + bytes([dataset]) + struct.pack(">H", len(value)) + value
        for dataset, value in ((0x50, byline), (0x5A, city), (0x78, b"Sortie au parc"))
    )
    if len(iim) % 2:
        iim += b"\x00"
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim)) + iim
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def insert_segments(jpeg: bytes, *segments: bytes) -> bytes:
    """``jpeg`` with ``segments`` inserted right after SOI."""
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def with_precision(jpeg: bytes, bits: int, *, frame: str = "main") -> bytes:
    """``jpeg`` with the sample precision of a frame header (SOF0 baseline or SOF2 progressive)
    set to ``bits``: the main picture's (the last frame header: entropy-coded data never holds
    an ``FF C0``/``FF C2`` pair) or the EXIF thumbnail's (the first one, inside APP1).

    This is how a 12-bit JPEG (some cameras, medical and scientific imaging) starts; Pillow
    decodes 8-bit samples only.
    """
    found = [i for i in range(len(jpeg) - 4) if jpeg[i] == 0xFF and jpeg[i + 1] in (0xC0, 0xC2)]
    assert found, "no baseline or progressive frame header"
    index = found[-1] if frame == "main" else found[0]
    assert jpeg[index + 4] == 8
    return jpeg[: index + 4] + bytes([bits]) + jpeg[index + 5 :]


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


# --- A hand-built matrix/TRC ICC profile (Pillow's ImageCms only creates sRGB and Lab) ---------

_BRADFORD = ((0.8951, 0.2664, -0.1614), (-0.7502, 1.7135, 0.0367), (0.0389, -0.0685, 1.0296))
_D50 = (0.9642, 1.0, 0.8249)
Matrix = tuple[tuple[float, ...], ...]


def _mul(a: Matrix, b: Matrix) -> Matrix:
    return tuple(
        tuple(sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)) for i in range(3)
    )


def _apply(m: Matrix, v: Sequence[float]) -> tuple[float, float, float]:
    x, y, z = (sum(m[i][k] * v[k] for k in range(3)) for i in range(3))
    return x, y, z


def _inverse(m: Matrix) -> Matrix:
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return (
        ((e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det),
        ((f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det),
        ((d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det),
    )


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _mluc(text: str) -> bytes:
    encoded = text.encode("utf-16-be")
    return (
        b"mluc\0\0\0\0"
        + struct.pack(">II", 1, 12)
        + b"enUS"
        + struct.pack(">II", len(encoded), 28)
        + encoded
    )


def matrix_shaper_icc(
    primaries: Sequence[tuple[float, float]], white: tuple[float, float], description: str
) -> bytes:
    """An ICC v4 display profile: RGB primaries and white (CIE xy), sRGB transfer curve."""
    columns = [(x / y, 1.0, (1 - x - y) / y) for x, y in primaries]
    rgb_to_xyz: Matrix = tuple(tuple(columns[j][i] for j in range(3)) for i in range(3))
    white_xyz = (white[0] / white[1], 1.0, (1 - white[0] - white[1]) / white[1])
    scale = _apply(_inverse(rgb_to_xyz), white_xyz)
    rgb_to_xyz = tuple(tuple(rgb_to_xyz[i][j] * scale[j] for j in range(3)) for i in range(3))
    source, target = _apply(_BRADFORD, white_xyz), _apply(_BRADFORD, _D50)
    diagonal: Matrix = tuple(
        tuple(target[i] / source[i] if i == j else 0.0 for j in range(3)) for i in range(3)
    )
    chad = _mul(_inverse(_BRADFORD), _mul(diagonal, _BRADFORD))
    d50 = _mul(chad, rgb_to_xyz)

    def xyz(values: Sequence[float]) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in values)

    curve = b"para\0\0\0\0" + struct.pack(">HH", 3, 0)
    curve += b"".join(_s15(v) for v in (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045))
    tags = [
        (b"desc", _mluc(description)),
        (b"cprt", _mluc("No copyright, use freely")),
        (b"wtpt", xyz(_D50)),
        (b"rXYZ", xyz([d50[i][0] for i in range(3)])),
        (b"gXYZ", xyz([d50[i][1] for i in range(3)])),
        (b"bXYZ", xyz([d50[i][2] for i in range(3)])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"chad", b"sf32\0\0\0\0" + b"".join(_s15(v) for row in chad for v in row)),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    header = (
        struct.pack(">I", offset + len(body))
        + b"lcms"
        + struct.pack(">I", 0x04300000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acspAPPL"
        + b"\0" * 20  # flags, device manufacturer and model, attributes
        + struct.pack(">I", 0)  # perceptual intent
        + b"".join(_s15(v) for v in _D50)
        + b"lcms"
        + b"\0" * 44
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def display_p3_icc() -> bytes:
    """A Display P3 profile (P3 primaries, D65 white, sRGB curve), as iPhones embed."""
    return matrix_shaper_icc(
        ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060)), (0.3127, 0.3290), "Display P3"
    )


# --- Simple pictures -------------------------------------------------------------------------


def pattern(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A picture whose top-left quadrant is red, so orientation can be checked."""
    image = Image.new(mode, size, (0, 0, 255, 255) if mode == "RGBA" else (0, 0, 255))
    w, h = size
    red = (255, 0, 0, 255) if mode == "RGBA" else (255, 0, 0)
    image.paste(red, (0, 0, w // 2, h // 2))
    return image


def jpeg_with_metadata(
    size: tuple[int, int] = (1200, 800),
    orientation: int = 1,
    icc: bytes | None = None,
    image: Image.Image | None = None,
) -> bytes:
    """JPEG with EXIF (GPS, maker note, IFD1 thumbnail), XMP, ICC, COM and APP13 IPTC."""
    buffer = io.BytesIO()
    (image if image is not None else pattern(size)).save(
        buffer,
        "JPEG",
        exif=exif_with_thumbnail(orientation),
        icc_profile=icc if icc is not None else srgb_icc(),
        comment=b"Jeanne Martin, sortie au parc",
        xmp=XMP,
        quality=90,
    )
    return insert_segments(buffer.getvalue(), iptc_app13())


def png_with_metadata(size: tuple[int, int] = (900, 600), alpha: bool = True) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jeanne Martin")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    buffer = io.BytesIO()
    pattern(size, "RGBA" if alpha else "RGB").save(
        buffer, "PNG", pnginfo=info, exif=exif_with_thumbnail(), icc_profile=srgb_icc()
    )
    return buffer.getvalue()


def webp_with_metadata(size: tuple[int, int] = (900, 600)) -> bytes:
    buffer = io.BytesIO()
    pattern(size).save(
        buffer, "WEBP", exif=exif_with_thumbnail(), icc_profile=srgb_icc(), xmp=XMP, quality=90
    )
    return buffer.getvalue()


def heic_with_metadata(
    size: tuple[int, int] = (480, 360),
    orientation: int = 6,
    icc: bytes | None = None,
    image: Image.Image | None = None,
    quality: int = 80,
    tile_size: int = 0,
) -> bytes:
    """An "iPhone-like" HEIC: stored in sensor orientation with irot/imir AND the same EXIF
    orientation (as Apple writes both), Display P3 ICC, EXIF with GPS/maker note/date, XMP.

    ``size`` (or ``image``) is the upright picture.
    """
    import pillow_heif

    upright = image if image is not None else pattern(size)
    inverse = INVERSE[orientation]
    stored = upright.transpose(inverse) if inverse is not None else upright
    heif = pillow_heif.from_pillow(stored)
    buffer = io.BytesIO()
    heif.save(
        buffer,
        quality=quality,
        exif=exif_with_gps(orientation).tobytes(),
        xmp=XMP,
        icc_profile=icc if icc is not None else display_p3_icc(),
        thumbnails=[min(320, max(upright.size) // 2)],
        tile_size=tile_size,
    )
    return buffer.getvalue()


# --- Photo-like content for the benchmark --------------------------------------------------------


def _noise(size: tuple[int, int], rng: random.Random, scale: int, mode: str = "L") -> Image.Image:
    """Uniform noise at ``1/scale`` resolution, smoothly enlarged to ``size``."""
    width, height = max(2, size[0] // scale), max(2, size[1] // scale)
    small = Image.frombytes(mode, (width, height), rng.randbytes(width * height * len(mode)))
    return small if small.size == size else small.resize(size, Image.Resampling.BICUBIC)


def photo_like(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A deterministic picture with what makes photos expensive to code: smooth gradients,
    texture at several scales, sharp shapes and text, soft edges and fine sensor noise."""
    rng = random.Random(seed)
    width, height = size
    sky = Image.new("RGB", size, (110, 160, 220))
    ground = Image.new("RGB", size, (70, 120, 50))
    image = Image.composite(ground, sky, Image.linear_gradient("L").resize(size))
    image = Image.blend(image, _noise(size, rng, max(width, height) // 12, "RGB"), 0.25)
    draw = ImageDraw.Draw(image)
    for _ in range(70):
        x, y = rng.randrange(width), rng.randrange(height // 3, height)
        r = rng.randrange(max(2, width // 60), max(3, width // 8))
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        box = (x - r, y - r, x + r, y + int(r * rng.uniform(0.5, 2.0)))
        kind = rng.randrange(3)
        if kind == 0:
            draw.ellipse(box, fill=colour)
        elif kind == 1:
            draw.rectangle(box, fill=colour)
        else:
            draw.polygon([(x, y - r), (x + r, y + r), (x - r, y + r)], fill=colour)
    font = ImageFont.load_default(size=max(10, height // 40))
    for i in range(16):
        xy = (rng.randrange(width), rng.randrange(height))
        draw.text(xy, f"Pellicule {i} - sortie au parc", fill=(250, 250, 245), font=font)
    for scale, weight in ((24, 0.10), (5, 0.10), (2, 0.06)):
        texture = _noise(size, rng, scale)
        image = Image.blend(image, Image.merge("RGB", (texture, texture, texture)), weight)
    image = image.filter(ImageFilter.GaussianBlur(0.8))  # lens and demosaicing softness
    return Image.blend(image, _noise(size, rng, 1, "RGB"), 0.07)  # sensor noise


def camera_exif(orientation: int = 1) -> bytes:
    """What a phone camera writes: make/model, dates, GPS, maker note, IFD1 thumbnail."""
    return exif_with_thumbnail(orientation)


def _upright_size(stored: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (stored[1], stored[0]) if orientation >= 5 else stored


def camera_jpeg(
    size: tuple[int, int], seed: int = 0, orientation: int = 1, icc: bytes | None = None
) -> bytes:
    """A photo-like JPEG at quality 90, stored in sensor orientation (``size``) like a phone
    does, with camera EXIF, XMP and optionally an ICC profile."""
    upright = photo_like(_upright_size(size, orientation), seed)
    inverse = INVERSE[orientation]
    stored = upright.transpose(inverse) if inverse is not None else upright
    buffer = io.BytesIO()
    stored.save(
        buffer,
        "JPEG",
        quality=90,
        exif=camera_exif(orientation),
        icc_profile=icc if icc is not None else b"",
        xmp=XMP,
    )
    return buffer.getvalue()


def iphone_heic(size: tuple[int, int] = (4032, 3024), seed: int = 0, orientation: int = 6) -> bytes:
    """A photo-like HEIC as an iPhone writes it: sensor-sized (``size``) 512-pixel grid tiles,
    irot and EXIF orientation, Display P3, a thumbnail."""
    return heic_with_metadata(
        image=photo_like(_upright_size(size, orientation), seed),
        orientation=orientation,
        quality=55,
        tile_size=512,
    )


# --- Forged and hostile files --------------------------------------------------------------------


def forge_jpeg_size(jpeg: bytes, width: int, height: int) -> bytes:
    """``jpeg`` whose frame header (SOF) claims ``width`` x ``height`` (a bomb's header)."""
    offset = 2
    while offset < len(jpeg):
        assert jpeg[offset] == 0xFF, offset
        marker = jpeg[offset + 1]
        length = int.from_bytes(jpeg[offset + 2 : offset + 4], "big")
        if 0xC0 <= marker <= 0xC3:
            forged = bytearray(jpeg)
            struct.pack_into(">HH", forged, offset + 5, height, width)
            return bytes(forged)
        offset += 2 + length
    raise AssertionError("no SOF marker")


def forge_png_size(png: bytes, width: int, height: int) -> bytes:
    """``png`` whose IHDR claims ``width`` x ``height`` (with a valid CRC)."""
    import zlib

    assert png[12:16] == b"IHDR"
    forged = bytearray(png)
    struct.pack_into(">II", forged, 16, width, height)
    struct.pack_into(">I", forged, 29, zlib.crc32(bytes(forged[12:29])))
    return bytes(forged)


def forge_heif_size(heif: bytes, width: int, height: int) -> bytes:
    """``heif`` whose every ``ispe`` (image spatial extent) property claims ``width`` x
    ``height``: the size a reader learns before decoding anything."""
    forged = bytearray(heif)
    offset = forged.find(b"ispe")
    assert offset > 0
    while offset > 0:
        struct.pack_into(">II", forged, offset + 8, width, height)  # after version/flags
        offset = forged.find(b"ispe", offset + 4)
    return bytes(forged)


def patch_exif_orientation(data: bytes, orientation: int) -> bytes:
    """``data`` with the (single, big-endian, as Pillow writes it) EXIF orientation entry set
    to ``orientation``, whatever container holds the EXIF."""
    entry = b"\x01\x12\x00\x03\x00\x00\x00\x01"  # tag 0x0112, SHORT, count 1
    offset = data.find(entry)
    assert offset > 0
    assert data.find(entry, offset + 1) < 0
    value = offset + len(entry)
    return data[:value] + struct.pack(">H", orientation) + data[value + 2 :]


def heif_primary_extent(heif: bytes) -> tuple[int, int]:
    """(offset, length) of the first item's data, from a version-0/1 ``iloc`` as pillow-heif
    writes it (offset and length sizes 4, base offset size 4, one extent per item)."""
    offset = heif.find(b"iloc")
    assert offset > 0
    version = heif[offset + 4]
    sizes = heif[offset + 8 : offset + 10]
    assert sizes == b"\x44\x40" or sizes == b"\x44\x44", sizes.hex()
    cursor = offset + 10  # after the version, flags and size nibbles: the item count
    cursor += 2  # item count
    cursor += 2  # item id
    if version == 1:
        cursor += 2  # construction method
    cursor += 2  # data reference index
    base = int.from_bytes(heif[cursor : cursor + 4], "big")
    cursor += 4
    assert heif[cursor : cursor + 2] == b"\x00\x01"  # one extent
    cursor += 2
    extent_offset = int.from_bytes(heif[cursor : cursor + 4], "big")
    extent_length = int.from_bytes(heif[cursor + 4 : cursor + 8], "big")
    return base + extent_offset, extent_length


# --- What clean outputs look like ------------------------------------------------------------

METADATA_MARKERS = (
    b"Exif\x00\x00",
    b"http://ns.adobe.com/xap",
    b"<x:xmpmeta",
    b"ICC_PROFILE",
    b"Jeanne",
    b"PhoneMaker",
    b"MAKERNOTE",
    b"Photoshop",
    b"8BIM",
    THUMBNAIL_SECRET,
    IPTC_SECRET,
    b"Display P3",
)
# exiftool -G1 groups that would mean metadata survived.
FORBIDDEN_GROUPS = frozenset(
    {
        "IFD0",
        "IFD1",
        "ExifIFD",
        "GPS",
        "XMP-x",
        "XMP-dc",
        "XMP-tiff",
        "XMP-exif",
        "ICC_Profile",
        "ICC-header",
        "ICC-view",
        "ICC-meas",
        "MakerNotes",
        "IPTC",
        "Photoshop",
        "Apple",
        "InteropIFD",
    }
)


def jpeg_segments(data: bytes) -> list[int]:
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


def exiftool_tags(data: bytes) -> dict[str, object]:
    import json
    import shutil
    import subprocess

    exiftool = shutil.which("exiftool")
    assert exiftool, "exiftool is required (Debian: libimage-exiftool-perl; make test installs it)"
    out = subprocess.run(
        [exiftool, "-j", "-a", "-G1", "-"], input=data, capture_output=True, check=True
    ).stdout
    tags: dict[str, object] = json.loads(out)[0]
    return tags


def assert_clean_jpeg(data: bytes, *, exiftool: bool = True) -> None:
    """``data`` is a JPEG carrying no metadata at all: per Pillow, the raw bytes, the marker
    segments (only JFIF APP0 may precede the image) and exiftool."""
    with Image.open(io.BytesIO(data)) as opened:
        assert opened.format == "JPEG"
        assert opened.mode == "RGB"
        assert not opened.getexif()
        for key in ("exif", "icc_profile", "xmp", "comment", "photoshop", "adobe"):
            assert key not in opened.info, key
    for marker in METADATA_MARKERS:
        assert marker not in data, marker
    segments = jpeg_segments(data)
    assert not [m for m in segments if 0xE1 <= m <= 0xEF or m == 0xFE], segments
    if exiftool:
        tags = exiftool_tags(data)
        groups = {key.split(":")[0] for key in tags if ":" in key}
        assert not groups & FORBIDDEN_GROUPS, tags
        assert "File:Comment" not in tags, tags
