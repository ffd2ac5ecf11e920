"""What the guardian API accepts and answers: request types (parsed before any logic runs)
and the shapes of its answers (documented in the API description, checked by the tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypedDict

from pellicule.api.schema import Day, Items, Text, Whole

# --- Requests --------------------------------------------------------------------------------

Audience = Literal["families_of_group", "all_families_of_centre", "public_communication"]
MediaKind = Literal["photo", "video"]
# A consent date: a calendar day, or the exact second (epoch) the API returned, 2000–2100.
Moment = Annotated[int, Whole(ge=946_684_800, le=4_102_444_800)] | Day
PAGE = 100
# An album page's cursor: the sort key of the last item of the previous page, behind "MINE#"
# when the page showed only the items of the family's children (a cursor says its filter, and
# a page refuses a cursor of the other one).
CURSOR_PATTERN = "(MINE#)?MEDIA#[0-9]{12}#[A-Za-z0-9_-]{1,64}"
MINE_CURSOR = "MINE#"
Filter = Literal["all", "mine"]


@dataclass(frozen=True)
class ConsentRequest:
    """Give, widen or narrow a consent, accepting the consent text whose hash is sent."""

    text_sha256: Annotated[str, Text(max_length=64, min_length=64, pattern="[0-9a-f]{64}")]
    audiences: Annotated[tuple[Audience, ...], Items(max_items=3)]
    media_kinds: Annotated[tuple[MediaKind, ...], Items(max_items=2)]
    valid_from: Moment | None = None
    valid_until: Moment | None = None


@dataclass(frozen=True)
class ErasureRequestBody:
    """Ask for the erasure of a child's images; ``confirm`` must be ``true``."""

    confirm: bool


@dataclass(frozen=True)
class AlbumPageQuery:
    """One page of an album: ``cursor`` is the ``next_cursor`` of the previous page."""

    cursor: Annotated[str, Text(max_length=95, pattern=CURSOR_PATTERN)] | None = None
    limit: Annotated[int, Whole(ge=1, le=PAGE)] = PAGE
    # "mine": only the items showing one of the family's children ("Mon enfant / Mes enfants").
    filter: Filter = "all"


# --- Answers ---------------------------------------------------------------------------------


class Terms(TypedDict):
    audiences: list[Audience]
    media_kinds: list[MediaKind]
    valid_from: int
    valid_until: int


class ConsentState(TypedDict, total=False):
    status: Literal["none", "active", "withdrawn"]
    terms: Terms | None
    pending: dict[str, Any] | None
    version: int
    updated_at: int
    updated_by: str
    evidence: dict[str, Any] | None


class ChildSummary(TypedDict):
    child_id: str
    first_name: str
    initial: str
    consent: ConsentState
    other_guardians: int


class Me(TypedDict):
    guardian_id: str
    children: list[ChildSummary]


class Choice(TypedDict):
    id: str
    fr: str
    en: str


class ConsentText(TypedDict):
    version: str
    sha256: str
    fr: str
    en: str
    audiences: list[Choice]
    media_kinds: list[Choice]


class ConsentEvent(TypedDict):
    version: int
    action: str
    actor: str
    at: int
    restricts: bool
    before: Terms | None
    after: Terms | None
    evidence: dict[str, Any] | None


class ConsentView(TypedDict):
    consent: ConsentState
    history: list[ConsentEvent]
    text: ConsentText


class ConsentOutcome(TypedDict):
    action: Literal["given", "widened", "narrowed", "changed", "withdrawn", "proposed", "unchanged"]
    applied: bool
    terms: Terms | None
    pending: dict[str, Any] | None
    version: int
    awaiting_other_guardian: bool


class Erasure(TypedDict):
    child_id: str
    status: str
    requested_at: int
    due_by: int
    requested_by: Literal["guardian", "staff"]
    mode: str | None
    done_at: int | None
    certificate_id: str | None
    removed_items: int | None
    blurred_items: int | None


class ErasureView(TypedDict):
    request: Erasure | None


class ErasureCreated(TypedDict):
    request: Erasure
    created: bool


class Rendition(TypedDict):
    url: str
    width: int
    height: int
    type: str


class AlbumCard(TypedDict):
    album_id: str
    title: str
    date: str
    caption: str | None
    items: int
    # Items published since the family's previous visit ("3 nouveaux"), and those showing one
    # of their children.
    new: int
    mine: int
    cover: Rendition | None


class Albums(TypedDict):
    albums: list[AlbumCard]
    children: int  # the family's children ("votre enfant" or "vos enfants")


class AlbumHeader(TypedDict):
    album_id: str
    title: str
    date: str
    caption: str | None


class Item(TypedDict):
    media_id: str
    kind: Literal["photo", "video"]
    blurred: bool
    renditions: dict[str, Rendition]
    capture_date: str | None
    caption: str | None
    new: bool  # published since the family's previous visit
    mine: bool  # shows one of the family's children


class AlbumCounts(TypedDict):
    """The whole album as the family sees it now, whatever the filter."""

    all: int
    mine: int
    new: int


class AlbumPage(TypedDict):
    album: AlbumHeader
    items: list[Item]
    next_cursor: str | None
    downloads: bool
    filter: Filter
    counts: AlbumCounts
    children: int  # the family's children ("Mon enfant" or "Mes enfants")


class Download(TypedDict):
    media_id: str
    blurred: bool
    url: str
    width: int
    height: int
    type: str


# --- Relatives (issue 17, docs/relatives.md) ---------------------------------------------------

# The staff API's e-mail pattern (functions/admin/contract.py), spelt out the same way.
_SPACE = "\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
_LOCAL = f"[^@{_SPACE}]"
RELATIVE_EMAIL_PATTERN = (
    f"[ \t\r\n]*{_LOCAL}{{1,64}}@{_LOCAL}{{1,190}}\\.{_LOCAL}{{2,20}}[ \t\r\n]*"
)


@dataclass(frozen=True)
class RelativeInvite:
    """Invite a relative by e-mail; ``may_download``: whether they may download (where the
    centre allows it)."""

    email: Annotated[str, Text(max_length=320, min_length=6, pattern=RELATIVE_EMAIL_PATTERN)]
    may_download: bool = False


class Relative(TypedDict):
    relative_id: str
    email: str
    may_download: bool
    created_at: int


class Relatives(TypedDict):
    relatives: list[Relative]
    limit: int


class RelativeInvited(TypedDict):
    relative: Relative
    invitation_sent: bool


class RelativeRevoked(TypedDict):
    revoked: bool
    relative_id: str
    sessions: int


class Invitation(TypedDict):
    """A relative's own view: who invited them, and whether they may download."""

    invited_by: str
    may_download: bool


# --- My downloads ----------------------------------------------------------------------------

DOWNLOADS_PAGE = 50
# A downloads page's cursor: the ``download_id`` of the previous page's last entry.
DOWNLOAD_CURSOR_PATTERN = "[0-9]{13}-[0-9a-f]{8}"


@dataclass(frozen=True)
class DownloadsQuery:
    """One page of the family member's downloads, newest first: ``cursor`` is the
    ``next_cursor`` of the previous page."""

    cursor: Annotated[str, Text(max_length=22, pattern=DOWNLOAD_CURSOR_PATTERN)] | None = None
    limit: Annotated[int, Whole(ge=1, le=DOWNLOADS_PAGE)] = 20


class DownloadEntry(TypedDict):
    download_id: str
    at: int  # epoch seconds
    kind: Literal["item", "archive"]
    album_id: str
    album_title: str | None
    media_id: str | None
    media_kind: Literal["photo", "video"] | None
    capture_date: str | None
    blurred: bool
    name: str | None
    # The item's thumbnail while the family may still see it (the gate decides now), else None.
    thumbnail: Rendition | None


class Downloads(TypedDict):
    downloads: list[DownloadEntry]
    next_cursor: str | None


# --- Album archives (zip downloads) ----------------------------------------------------------

MAX_SELECTION = 1000  # items a selection may name (services.archives.MAX_ITEMS)
MediaId = Annotated[str, Text(max_length=64, min_length=1, pattern="[A-Za-z0-9_-]{1,64}")]
ArchiveId = Annotated[str, Text(max_length=64, min_length=1, pattern="[A-Za-z0-9_-]{1,64}")]

Selection = Annotated[tuple[MediaId, ...], Items(min_items=1, max_items=MAX_SELECTION)]


@dataclass(frozen=True)
class ArchiveRequest:
    """Ask for a zip of the album (no ``media_ids``) or of a selection of its items."""

    media_ids: Selection | None = None


class ArchiveStatus(TypedDict):
    archive_id: str
    album_id: str
    status: Literal["queued", "building", "ready", "failed"]
    items: int
    written: int | None
    blurred: int | None
    dropped: int | None
    size: int | None
    file_name: str
    url: str | None
    failure: str | None
    failure_message: dict[str, str] | None  # {"fr", "en"}: why it failed, to show


# --- A child's souvenir pack (a public route: the e-mail's token, no session) --------------

# A pack's token is ``<centre>.<pack>.<secret>`` (pellicule.domain.pack_tokens); its format is
# checked by the use case, which gives one answer for every token that does not work.
MAX_TOKEN_CHARS = 1024


@dataclass(frozen=True)
class SouvenirRequest:
    """The token of a souvenir pack's e-mail link."""

    token: Annotated[str, Text(max_length=MAX_TOKEN_CHARS)] | None = None


class SouvenirPack(TypedDict):
    """The pack's progress and, once built, a link signed for that one zip (minutes)."""

    status: Literal["queued", "building", "ready", "failed"]
    items: int
    written: int | None
    file_name: str
    url: str | None
    available_until: int  # epoch seconds: the link of the e-mail works until then
    failure: str | None
    failure_message: dict[str, str] | None
