"""Album archives: which file of each item a family's zip holds, and the names inside it.

Used twice with the consents of that moment: by the family function when a guardian asks for
an archive (the items the gate allows NOW are recorded in the job), and by the archive
function before it writes each item (a consent withdrawn in between drops the item). The
file is the one the single-item download gives: the photo download copy, or the video, of the
served copy the gate lets this family see - a blurred variant where they see the item blurred,
never the clean original (those live outside every served scope, docs/delivery.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pellicule.domain import publication as rules
from pellicule.domain.gate import ConsentsByChild, Visibility
from pellicule.services import consent, publication
from pellicule.store import media as media_store
from pellicule.store import roster
from pellicule.store.media import AlbumRecord, MediaRecord
from pellicule.store.roster import GuardianRecord

MAX_ITEMS = 1000  # items in one archive (a 300-photo album is the common large case)
SLUG_LENGTH = 40


@dataclass(frozen=True)
class Source:
    """The file of one item a family may download now."""

    media_id: str
    kind: str  # photo | video
    key: str  # media-bucket key of the served download copy (or video)
    blurred: bool
    size: int | None  # bytes, when the copy records it


def slug(title: str) -> str:
    """ASCII, lower case, words joined by dashes: ``Sortie au parc !`` -> ``sortie-au-parc``."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return words[:SLUG_LENGTH].rstrip("-") or "album"


def _extension(source: Source) -> str:
    if source.kind == "video":
        return "mp4"
    tail = source.key.rsplit("/", 1)[-1]
    ext = tail.rsplit(".", 1)[-1].lower() if "." in tail else ""
    return {"jpeg": "jpg"}.get(ext, ext) if re.fullmatch(r"[a-z0-9]{1,5}", ext) else "jpg"


def entry_name(album_date: str, title: str, position: int, source: Source) -> str:
    """The file's name in the zip: ``2026-07-14_sortie-au-parc_012.jpg``."""
    return f"{album_date}_{slug(title)}_{position:03d}.{_extension(source)}"


def zip_name(album_date: str, title: str) -> str:
    """The archive's name for the browser: ``pellicule_sortie-au-parc_2026-07-14.zip``."""
    return f"pellicule_{slug(title)}_{album_date}.zip"


def source_of(
    viewer: rules.Viewer,
    media: MediaRecord,
    album: AlbumRecord,
    groups: Mapping[str, str],
    grants: ConsentsByChild,
    at: float,
    at_most: Visibility = Visibility.CLEAN,
) -> Source | None:
    """The file ``viewer`` may download of ``media`` now, or ``None`` (never more than
    ``at_most``: a child's souvenir pack keeps what the family saw when the child left).

    The gate decides the most the family may see; the served copy chosen never shows more
    (``rules.choose``): a copy the stream has not reconciled yet after a withdrawal is
    skipped, exactly as the album page and the single-item download skip it.
    """
    if media.state != publication.PUBLISHED or media.album_id != album.album_id:
        return None
    allowed = publication.viewer_decision(viewer, media, album, groups, grants, at).visibility
    if at_most.rank < allowed.rank:
        allowed = at_most
    if allowed is Visibility.HIDDEN:
        return None
    choice = rules.choose(publication.served(media), rules.viewer_scopes(viewer), allowed)
    if choice.scope is None or choice.entry is None:
        return None
    entry: Mapping[str, Any] = choice.entry
    info = (entry.get("r") or {}).get("video") if media.kind == "video" else entry.get("d")
    if not info or not info.get("key"):
        return None
    size = info.get("bytes")
    return Source(
        media_id=media.media_id,
        kind=media.kind,
        key=str(info["key"]),
        blurred=choice.visibility is Visibility.BLURRED,
        size=int(size) if size is not None else None,
    )


def family_viewer(tenant_id: str, guardian: GuardianRecord) -> rules.Viewer:
    """The family of ``guardian``, as the read path sees it (their linked children)."""
    children = roster.children_named(tenant_id, guardian.child_ids or ())
    return publication.viewer_of(guardian, children)


def visible_sources(
    tenant_id: str, viewer: rules.Viewer, album: AlbumRecord, at: float
) -> list[tuple[int, Source]]:
    """Every file of ``album`` the family may download now, with its 1-based position among
    the items they see, in album (upload) order."""
    if not viewer.child_ids:
        return []
    items = [
        m for m in media_store.album_items(tenant_id, album.album_id) if m.state == "published"
    ]
    groups = publication.child_groups(tenant_id)
    grants = consent.grants(tenant_id, {c for m in items for c in (m.tagged_child_ids or ())})
    found = []
    for media in items:
        source = source_of(viewer, media, album, groups, grants, at)
        if source is not None:
            found.append(source)
    return list(enumerate(found, start=1))


def recheck(
    tenant_id: str,
    viewer: rules.Viewer,
    album: AlbumRecord,
    media_id: str,
    groups: Mapping[str, str],
    at: float,
    at_most: Visibility = Visibility.CLEAN,
) -> Source | None:
    """One item again, just before it is written: its record and its tagged children's
    consents read now."""
    media = media_store.item_read(tenant_id, media_id)
    if media is None:
        return None
    grants = consent.grants(tenant_id, media.tagged_child_ids or ())
    return source_of(viewer, media, album, groups, grants, at, at_most)


def groups_of(tenant_id: str) -> dict[str, str]:
    return publication.child_groups(tenant_id)


def positions(found: Iterable[tuple[int, Source]]) -> dict[str, tuple[int, Source]]:
    return {source.media_id: (position, source) for position, source in found}
