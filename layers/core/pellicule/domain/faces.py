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
