"""Blurred variants: every box irreversibly hidden at every size, the rest untouched."""

from __future__ import annotations

import io
import math
import random
from functools import cache

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from functions.process import imaging
from pellicule.domain.errors import RejectedMedia
from tests.support import images

SIZE = (1920, 1440)  # a download rendition: web (1600) and thumb (400) are smaller
BIG = (0.30, 0.25, 0.25, 0.30)  # a face close to the camera
SMALL = (0.70, 0.60, 0.035, 0.045)  # a face in the background: 67 x 65 pixels


def secret(size: tuple[int, int], seed: int) -> Image.Image:
    """A high-contrast pattern at several scales (what a face's details are to a model)."""
    rng = random.Random(seed)
    width, height = size
    cells = Image.frombytes(
        "L",
        (max(1, width // 8), max(1, height // 8)),
        rng.randbytes(max(1, width // 8) * max(1, height // 8)),
    ).resize(size, Image.Resampling.NEAREST)
    fine = Image.frombytes("L", size, rng.randbytes(width * height))
    pattern = Image.blend(cells, fine, 0.35)
    draw = ImageDraw.Draw(pattern)
    for x in range(0, width, 6):
        draw.line((x, 0, x, height), fill=255 if x % 12 else 0)
    return Image.merge("RGB", (pattern, pattern.point(lambda v: 255 - v), pattern))


def pixel_box(box: tuple[float, float, float, float], size: tuple[int, int]) -> tuple[int, ...]:
    x, y, w, h = box
    return (
        round(x * size[0]),
        round(y * size[1]),
        round((x + w) * size[0]),
        round((y + h) * size[1]),
    )


@cache
def download() -> bytes:
    picture = images.photo_like(SIZE, seed=7)
    for index, box in enumerate((BIG, SMALL)):
        left, top, right, bottom = pixel_box(box, SIZE)
        picture.paste(secret((right - left, bottom - top), index), (left, top))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


@cache
def clean() -> dict[str, Image.Image]:
    return {r.name: decode(r.data) for r in imaging.render_blurred(download(), [])}


@cache
def blurred() -> tuple[imaging.Rendition, ...]:
    return imaging.render_blurred(download(), [BIG, SMALL])


def decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as opened:
        return opened.convert("RGB")


def luma(picture: Image.Image) -> list[int]:
    return list(picture.convert("L").tobytes())


def correlation(a: list[int], b: list[int]) -> float:
    n = len(a)
    mean_a, mean_b = sum(a) / n, sum(b) / n
    cov = sum((x - mean_a) * (y - mean_b) for x, y in zip(a, b, strict=True))
    var_a = sum((x - mean_a) ** 2 for x in a)
    var_b = sum((y - mean_b) ** 2 for y in b)
    return cov / math.sqrt(var_a * var_b) if var_a and var_b else 0.0


def detail(picture: Image.Image) -> float:
    """Standard deviation of the high frequencies (the picture minus its local average)."""
    grey = picture.convert("L")
    high = luma(ImageChops.difference(grey, grey.filter(ImageFilter.BoxBlur(2))))
    return math.sqrt(sum(v * v for v in high) / len(high))


def test_variants_have_the_clean_names_sizes_and_no_metadata() -> None:
    variants = blurred()
    sizes = {r.name: (r.width, r.height) for r in variants}
    assert sizes == {name: picture.size for name, picture in clean().items()}
    assert sizes == {"download": (1920, 1440), "web": (1600, 1200), "thumb": (400, 300)}
    for variant in variants:
        assert variant.content_type == "image/jpeg"
        assert decode(variant.data).size == (variant.width, variant.height)
        images.assert_clean_jpeg(variant.data)


@pytest.mark.parametrize("box", [BIG, SMALL], ids=["big", "small"])
@pytest.mark.parametrize("name", ["download", "web", "thumb"])
def test_the_pattern_inside_a_box_is_gone_at_every_size(
    name: str, box: tuple[float, float, float, float]
) -> None:
    variant = decode(next(r.data for r in blurred() if r.name == name))
    reference = clean()[name]
    left, top, right, bottom = pixel_box(box, variant.size)
    # Inset by 2 pixels: resampling mixes the edge pixels with the (visible) surroundings.
    region = (left + 2, top + 2, right - 2, bottom - 2)
    inside, original = variant.crop(region), reference.crop(region)
    # The clean rendition does show the pattern at this size...
    assert detail(original) > 5, detail(original)
    # ...the variant keeps none of it: no correlation, no detail beyond the added noise.
    r = correlation(luma(inside), luma(original))
    assert abs(r) < 0.25, (name, r)
    assert detail(inside) < 0.4 * detail(original), (name, detail(inside), detail(original))


@pytest.mark.parametrize("name", ["download", "web", "thumb"])
def test_pixels_outside_the_boxes_are_unchanged(name: str) -> None:
    variant = decode(next(r.data for r in blurred() if r.name == name))
    reference = clean()[name]
    difference = ImageChops.difference(variant, reference).convert("L")
    # Mask out each grown box, plus the JPEG blocks (16 x 16 pixels with 4:2:0 chroma) and the
    # resampling kernel around it.
    margin = 16 + 4
    draw = ImageDraw.Draw(difference)
    for x, y, w, h in (BIG, SMALL):
        grow_x, grow_y = w * imaging.BOX_MARGIN, h * imaging.BOX_MARGIN
        draw.rectangle(
            (
                (x - grow_x) * variant.width - margin,
                (y - grow_y) * variant.height - margin,
                (x + w + grow_x) * variant.width + margin,
                (y + h + grow_y) * variant.height + margin,
            ),
            fill=0,
        )
    values = luma(difference)
    assert sum(values) / len(values) < 0.5
    assert max(values) <= 6, max(values)


def test_the_box_grows_by_its_margin() -> None:
    # The ring just outside a hand-drawn box (within the margin) is hidden too.
    variant = decode(next(r.data for r in blurred() if r.name == "download"))
    reference = clean()["download"]
    left, top, right, bottom = pixel_box(BIG, SIZE)
    grow = round((right - left) * imaging.BOX_MARGIN)
    ring = (left - grow + 4, top, left - 4, bottom)
    assert luma(ImageChops.difference(variant.crop(ring), reference.crop(ring))) != [0] * (
        (ring[2] - ring[0]) * (ring[3] - ring[1])
    )
    diff = luma(ImageChops.difference(variant.crop(ring), reference.crop(ring)))
    assert sum(diff) / len(diff) > 5


def test_noise_is_random_on_every_render() -> None:
    first = next(r.data for r in imaging.render_blurred(download(), [SMALL]) if r.name == "web")
    second = next(r.data for r in imaging.render_blurred(download(), [SMALL]) if r.name == "web")
    assert first != second


def test_boxes_are_clamped_to_the_picture() -> None:
    variants = imaging.render_blurred(download(), [(0.9, 0.85, 0.5, 0.5)])
    variant = decode(next(r.data for r in variants if r.name == "download"))
    corner = (1800, 1300, 1920, 1440)
    diff = luma(ImageChops.difference(variant.crop(corner), clean()["download"].crop(corner)))
    assert sum(diff) / len(diff) > 5


@pytest.mark.parametrize(
    "boxes",
    [
        [(float("nan"), 0.1, 0.2, 0.2)],
        [(0.1, 0.1, float("inf"), 0.2)],
        [(-0.1, 0.1, 0.2, 0.2)],
        [(0.1, 0.1, 0.0, 0.2)],
        [(0.1, 0.1, 0.2, -0.2)],
        [(1.0, 0.1, 0.2, 0.2)],  # entirely outside
        [(0.1, 0.2, 0.3)],
        [(0.1, 0.1, 0.1, 0.1)] * (imaging.MAX_BOXES + 1),
    ],
    ids=["nan", "inf", "negative", "zero-width", "negative-height", "outside", "three", "many"],
)
def test_invalid_boxes_are_refused(boxes: list[tuple[float, float, float, float]]) -> None:
    with pytest.raises(ValueError, match="box"):
        imaging.render_blurred(download(), boxes)


def test_the_source_must_be_a_download_jpeg() -> None:
    with pytest.raises(RejectedMedia):
        imaging.render_blurred(images.png_with_metadata((64, 48)), [BIG])
    with pytest.raises(RejectedMedia):
        imaging.render_blurred(download()[:3000], [BIG])
    too_big = io.BytesIO()
    Image.new("RGB", (3000, 100)).save(too_big, "JPEG")
    with pytest.raises(RejectedMedia):
        imaging.render_blurred(too_big.getvalue(), [BIG])


def test_the_whole_head_around_a_finger_drawn_box_is_hidden() -> None:
    # A box drawn on the face only: the hair and ears around it (30 % of the box's size beyond
    # each side, within faces.HEAD_PADDING) are hidden too, not only the 15 % of a small margin.
    variant = decode(next(r.data for r in blurred() if r.name == "download"))
    reference = clean()["download"]
    left, top, right, bottom = pixel_box(BIG, SIZE)
    width, height = right - left, bottom - top
    for ring in (
        (left - round(0.30 * width), top, left - round(0.20 * width), bottom),  # left ear
        (right + round(0.20 * width), top, right + round(0.30 * width), bottom),  # right ear
        (left, top - round(0.30 * height), right, top - round(0.20 * height)),  # hair
    ):
        diff = luma(ImageChops.difference(variant.crop(ring), reference.crop(ring)))
        assert sum(diff) / len(diff) > 5, ring
