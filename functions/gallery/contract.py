"""What the staff gallery answers (its two routes take no body and no query string)."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from pellicule.domain.messages import Texts

MediaKind = Literal["photo", "video"]


class Failure(TypedDict):
    """Why an upload failed: the catalogue code (null for an item older than the catalogue)
    and the message in French and English, as written when it failed."""

    reason: str | None
    message: Texts


class StaffRendition(TypedDict):
    url: str
    width: int
    height: int
    type: str


class StaffItem(TypedDict):
    """An item of the centre as staff see it: its state, tags, boxes and signed renditions
    (empty until processed)."""

    media_id: str
    album_id: str
    kind: MediaKind
    state: str
    failure_reason: Failure | None
    width: int | None
    height: int | None
    capture_date: str | None
    duration_seconds: float | None
    renditions: dict[str, StaffRendition]
    face_boxes: list[Any]
    tagged_child_ids: list[str]
    no_identifiable_child: bool
    blurred_child_ids: list[str]
    published_audiences: list[str]
    rejection_reason: str | None
    version: int
    blur_revision: int
    blurred: dict[str, StaffRendition]


class StaffAlbumHeader(TypedDict):
    album_id: str
    title: str
    date: str


class AlbumItems(TypedDict):
    album: StaffAlbumHeader
    items: list[StaffItem]
