"""Face boxes drawn by staff to hide a child who may not appear (blurred variants).

Boxes are normalised rectangles ``[x, y, w, h]`` of the upright photo (0..1). Changing them
bumps the item's blur revision and asks the photo processor to re-render the variants.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pellicule.domain.errors import BadRequest

MAX_BOXES = 50
MESSAGE_TYPE = "blur"
# Each side of a face box grows by this fraction of the box's size before it is blurred: a box
# drawn with a finger on a phone covers the face, rarely the hair, the ears or the chin, and a
# head is recognised by those too (docs/publication-gate.md, "Face boxes").
HEAD_PADDING = 0.35

Region = tuple[float, float, float, float]  # left, top, right, bottom: fractions of the photo


def head_region(box: Region, padding: float = HEAD_PADDING) -> Region:
    """The area actually hidden for a face box given as ``(left, top, right, bottom)``
    fractions: the box grown by ``padding`` of its width on the left and right and of its
    height above and below, clamped to the photo. Pure; the box itself is left unchanged."""
    left, top, right, bottom = box
    grow_x, grow_y = (right - left) * padding, (bottom - top) * padding
    return (
        max(0.0, left - grow_x),
        max(0.0, top - grow_y),
        min(1.0, right + grow_x),
        min(1.0, bottom + grow_y),
    )


def parse_boxes(raw: Any) -> list[list[float]]:
    """Validated boxes, clamped to the picture; ``BadRequest`` says what is wrong."""
    if not isinstance(raw, list):
        raise BadRequest("boxes_list_expected")
    if len(raw) > MAX_BOXES:
        raise BadRequest("boxes_too_many", max=MAX_BOXES)
    boxes = []
    for index, box in enumerate(raw, start=1):
        numbers = _numbers(box)
        if numbers is None:
            raise BadRequest("box_malformed", index=index)
        x, y, w, h = numbers
        left, top = max(0.0, x), max(0.0, y)
        right, bottom = min(1.0, x + w), min(1.0, y + h)
        if w <= 0 or h <= 0 or right <= left or bottom <= top:
            raise BadRequest("box_empty", index=index)
        boxes.append(
            [round(left, 5), round(top, 5), round(right - left, 5), round(bottom - top, 5)]
        )
    return boxes


def _numbers(box: Any) -> tuple[float, float, float, float] | None:
    """Four finite floats, or ``None`` (JSON integers may be too large for a float)."""
    if not isinstance(box, list) or len(box) != 4:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in box):
        return None
    try:
        x, y, w, h = (float(v) for v in box)
    except OverflowError:
        return None
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        return None
    return x, y, w, h


def blur_message(tenant_id: str, media_id: str, revision: int) -> str:
    return json.dumps(
        {
            "pellicule": MESSAGE_TYPE,
            "tenant_id": tenant_id,
            "media_id": media_id,
            "revision": revision,
        }
    )


def parse_blur_message(body: Any) -> tuple[str, str, int] | None:
    """``(tenant, media, revision)`` if ``body`` (decoded JSON) is a blur request."""
    if not isinstance(body, dict) or body.get("pellicule") != MESSAGE_TYPE:
        return None
    tenant_id, media_id, revision = (
        body.get("tenant_id"),
        body.get("media_id"),
        body.get("revision"),
    )
    if not (isinstance(tenant_id, str) and isinstance(media_id, str) and isinstance(revision, int)):
        raise ValueError("malformed blur message")
    return tenant_id, media_id, revision
