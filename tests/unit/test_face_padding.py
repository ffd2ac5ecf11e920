"""Face boxes are padded to cover the whole head (``faces.head_region``, pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pellicule.domain import faces


def test_a_box_in_the_middle_grows_by_the_padding_on_every_side() -> None:
    # A face 0.2 wide and 0.3 high: 0.07 more on the left and right, 0.105 above and below.
    left, top, right, bottom = faces.head_region((0.4, 0.3, 0.6, 0.6))
    assert faces.HEAD_PADDING == 0.35
    assert (left, top, right, bottom) == pytest.approx((0.33, 0.195, 0.67, 0.705))


def test_a_box_at_the_edge_is_clamped_to_the_photo() -> None:
    assert faces.head_region((0.0, 0.9, 0.2, 1.0)) == pytest.approx((0.0, 0.865, 0.27, 1.0))
    assert faces.head_region((0.9, 0.0, 1.0, 0.1)) == pytest.approx((0.865, 0.0, 1.0, 0.135))


def test_a_finger_drawn_box_on_a_face_covers_hair_and_ears() -> None:
    # A head 0.30 wide (ears included) and 0.40 high (hair to chin); the box drawn on its face
    # leaves out 0.05 on each side, 0.08 of hair above and 0.04 of chin below.
    head = (0.30, 0.20, 0.60, 0.60)
    face = (0.35, 0.28, 0.55, 0.56)
    left, top, right, bottom = faces.head_region(face)
    assert left <= head[0]
    assert top <= head[1]
    assert right >= head[2]
    assert bottom >= head[3]


def test_no_padding_gives_the_box_back() -> None:
    assert faces.head_region((0.1, 0.2, 0.3, 0.4), 0.0) == (0.1, 0.2, 0.3, 0.4)


fraction = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@given(fraction, fraction, fraction, fraction)
def test_the_region_contains_the_box_and_stays_in_the_photo(
    a: float, b: float, c: float, d: float
) -> None:
    box = (min(a, b), min(c, d), max(a, b), max(c, d))
    left, top, right, bottom = faces.head_region(box)
    assert 0.0 <= left <= box[0]
    assert 0.0 <= top <= box[1]
    assert box[2] <= right <= 1.0
    assert box[3] <= bottom <= 1.0


def test_tags_and_the_no_child_flag_together_are_refused() -> None:
    from pellicule.domain import tagging
    from pellicule.domain.errors import BadRequest

    with pytest.raises(BadRequest) as raised:
        tagging.check(["child-1"], True)
    assert raised.value.reason == tagging.CONTRADICTION == "tags_with_no_identifiable_child"
    tagging.check(["child-1"], False)
    tagging.check([], True)
    tagging.check([], False)
