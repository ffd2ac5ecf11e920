"""What the upload API accepts and answers: request types (parsed before any logic runs)
and the shapes of its answers (documented in the API description)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, TypedDict

from pellicule.api.schema import Id, Items, Number, Text, Whole

# --- Requests --------------------------------------------------------------------------------

MAX_FILES_PER_REQUEST = 50
# Any size a phone could hold: the centre's own caps (at most a few GB) answer 413 with the
# limit in words; beyond this the number is nonsense and answered 400.
MAX_DECLARED_BYTES = 2**40
# S3 numbers the parts of a multipart upload 1-10,000; how many a request may ask for.
MAX_PART_NUMBER = 10_000
MAX_PARTS_PER_REQUEST = 100  # topology.UPLOAD.max_parts_per_request (a unit test keeps them equal)
MAX_BOXES = 50  # faces.MAX_BOXES
MAX_HIDDEN_CHILDREN = 200
# Boxes are fractions of the photo (0..1); the server clamps them to the picture, so a box
# drawn a little outside is fine, a coordinate of a million is not.
Coordinate = Annotated[float, Number(ge=-10, le=10)]


@dataclass(frozen=True)
class FileRequest:
    """One file to send: its name (shown back, cut to 200 characters), its MIME type (one of
    JPEG, PNG, WebP, HEIC/HEIF, MP4, MOV; any case) and its exact size in bytes."""

    size: Annotated[int, Whole(ge=1, le=MAX_DECLARED_BYTES)]
    name: Annotated[str, Text(max_length=1024)] | None = None
    type: Annotated[str, Text(max_length=100)] | None = None


@dataclass(frozen=True)
class GrantsRequest:
    """Grants for up to 50 files of one album."""

    album_id: Id
    files: Annotated[tuple[FileRequest, ...], Items(min_items=1, max_items=MAX_FILES_PER_REQUEST)]


@dataclass(frozen=True)
class PartsRequest:
    """Presigned URLs for these part numbers (1 to the upload's part count)."""

    part_numbers: Annotated[
        tuple[Annotated[int, Whole(ge=1, le=MAX_PART_NUMBER)], ...],
        Items(min_items=1, max_items=MAX_PARTS_PER_REQUEST),
    ]


@dataclass(frozen=True)
class FacesRequest:
    """The boxes to blur, ``[x, y, width, height]`` fractions of the upright photo (an empty
    list removes them), and the tagged children they hide."""

    boxes: Annotated[
        tuple[Annotated[tuple[Coordinate, ...], Items(min_items=4, max_items=4)], ...],
        Items(max_items=MAX_BOXES),
    ]
    hides: Annotated[tuple[Id, ...], Items(max_items=MAX_HIDDEN_CHILDREN)] | None = None


# --- Answers ---------------------------------------------------------------------------------

MediaKind = Literal["photo", "video"]


class Multipart(TypedDict):
    part_size: int
    part_count: int


class _GrantBase(TypedDict):
    media_id: str
    name: str
    kind: MediaKind


class Grant(_GrantBase, total=False):
    """A presigned POST (``url``, ``fields``, ``expires_at``), or for a large video a
    multipart upload (``multipart``) whose part URLs are asked for separately."""

    url: str
    fields: dict[str, str]
    expires_at: int
    multipart: Multipart


class Grants(TypedDict):
    grants: list[Grant]


class PartUrls(TypedDict):
    urls: dict[str, str]
    expires_at: int


class Part(TypedDict):
    part_number: int
    etag: str
    size: int


class PartsReceived(TypedDict):
    part_size: int
    part_count: int
    parts: list[Part]


class UploadState(TypedDict):
    media_id: str
    state: Literal["processing", "failed"]


class FacesSaved(TypedDict):
    media_id: str
    boxes: list[list[float]]
    hides: list[str]
    blur_revision: int
