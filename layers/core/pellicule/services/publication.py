"""Publication: applying the gate to stored items, and the copies families are served.

- :func:`gate_item` turns a stored media item into what the pure gate needs;
- :func:`viewer_audiences` says through which audiences a family sees an item;
- :func:`viewer_decision` is the read-path check (every request, with current consents);
- :func:`reconcile` makes the served copies match the gate after a publication or consent
  change (docs/delivery.md, docs/revocation.md): it hides a published item no audience may
  see any more, and publishes again an item it hid once the gate allows it again (a consent
  given back).

Families are never given the keys staff work with (``t/<tenant>/m/...``). A published item
is *served* from copies under one prefix per (album, audience scope):

    t/<tenant>/s/<album>/<scope>/<media>/<random>.<ext>     renditions a page shows
    t/<tenant>/d/<album>/<scope>/<media>/<random>.<ext>     the photo download rendition

where ``scope`` is ``c`` (every family of the centre), ``g.<group>`` (families of a group) or
``k.<child>`` (the families of one child tagged outside the album's group). Each scope holds
exactly the variant its audience may see (clean or blurred, never both), so one signed
wildcard policy per scope lets a page of 100 items cost one or two RSA signatures, and no
signature ever reaches a variant the viewer may not see: the clean original of an item served
blurred lives outside every scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from pellicule.adapters import aws, cdn
from pellicule.config import clock, topology
from pellicule.config.settings import get_settings
from pellicule.domain.gate import (
    ALL_FAMILIES_OF_CENTRE,
    FAMILIES_OF_GROUP,
    ConsentsByChild,
    Decision,
    GateItem,
    Visibility,
    decide,
)
from pellicule.services import audit, consent, ingest
from pellicule.store import data
from pellicule.store.models import Album, Child, Guardian, Media, tenant_pk

PUBLISHED = "published"
HIDDEN = "hidden"
# Media.hidden_by: who hid an item (see models.Media).
HIDDEN_BY_GATE = "gate"
HIDDEN_BY_DIRECTOR = "director"
MAX_RECONCILE_ATTEMPTS = 5


def restorable(media: Media) -> bool:
    """An item the gate hid (no audience could see it any more): it is published again, to
    the audiences it was published to, as soon as the gate allows one of them. An item a
    director took down is never put back without a director."""
    return media.state == HIDDEN and media.hidden_by == HIDDEN_BY_GATE


def live(media: Media) -> bool:
    """Whether reconciliation serves ``media`` whatever the gate allows: published, or hidden
    by the gate only."""
    return media.state == PUBLISHED or restorable(media)


def gate_item(media: Media) -> GateItem:
    """What the gate knows of a stored item. Only a published item counts as validated."""
    return GateItem(
        media_id=media.media_id,
        kind=media.kind,
        validated=media.state == PUBLISHED,
        tagged_child_ids=frozenset(media.tagged_child_ids or ()),
        no_identifiable_child=bool(media.no_identifiable_child),
        blurred_child_ids=frozenset(media.blurred_child_ids or ()),
        has_blurred_variant=bool(media.blurred and media.blurred.as_dict()),
    )


def decisions(media: Media, consents: ConsentsByChild, at: float) -> dict[str, Decision]:
    """The gate's answer for each audience the item is published to."""
    item = gate_item(media)
    return {
        audience: decide(item, audience, consents, at)
        for audience in sorted(media.published_audiences or ())
    }


@dataclass(frozen=True)
class Viewer:
    """A family, as the read path sees it: their children and those children's groups."""

    guardian_id: str
    child_ids: frozenset[str]
    group_ids: frozenset[str]


def linked_children(guardian: Guardian, children: Mapping[str, Child]) -> list[Child]:
    """The guardian's children among ``children``: linked on both sides and not archived
    (never taken from a request)."""
    found = []
    for child_id in sorted(guardian.child_ids or ()):
        child = children.get(child_id)
        if (
            child is not None
            and not child.archived
            and guardian.guardian_id in (child.guardian_ids or ())
        ):
            found.append(child)
    return found


def viewer_of(guardian: Guardian, children: Mapping[str, Child]) -> Viewer:
    """The family of ``guardian`` as the read path (and the digest) sees it."""
    own = linked_children(guardian, children)
    return Viewer(
        guardian_id=guardian.guardian_id,
        child_ids=frozenset(c.child_id for c in own),
        group_ids=frozenset(c.group_id for c in own),
    )


def viewer_audiences(
    viewer: Viewer, media: Media, album: Album, child_groups: Mapping[str, str]
) -> list[str]:
    """Audiences through which ``viewer`` may see ``media``, the narrowest first.

    ``families_of_group``: the album belongs to a group one of the viewer's children is in,
    or (a centre-wide album) one of the viewer's children is in the group of a tagged child,
    or the viewer's own child is tagged. ``all_families_of_centre``: every family of the
    centre. ``public_communication`` is never a family gallery audience.
    """
    tagged = frozenset(media.tagged_child_ids or ())
    if album.group_id:
        item_groups = {album.group_id}
    else:
        item_groups = {child_groups[c] for c in tagged if c in child_groups}
    audiences = []
    if (viewer.group_ids & item_groups) or (viewer.child_ids & tagged):
        audiences.append(FAMILIES_OF_GROUP)
    audiences.append(ALL_FAMILIES_OF_CENTRE)
    return audiences


def viewer_decision(
    viewer: Viewer,
    media: Media,
    album: Album,
    child_groups: Mapping[str, str],
    consents: ConsentsByChild,
    at: float,
) -> Decision:
    """The most that ``viewer`` may see of ``media`` now (HIDDEN if nothing)."""
    published = set(media.published_audiences or ())
    best = Decision(Visibility.HIDDEN, ("not_published_to_viewer",))
    item = gate_item(media)
    for audience in viewer_audiences(viewer, media, album, child_groups):
        if audience not in published:
            continue
        found = decide(item, audience, consents, at)
        if found.visibility.rank > best.visibility.rank:
            best = found
    return best


# --- Served copies -------------------------------------------------------------------------

SCOPE_CENTRE = "c"
VIEW_RENDITIONS = ("thumb", "web", "poster", "video")
DOWNLOAD_RENDITION = "download"  # photos; a video's download is its "video" rendition
SERVED_PREFIX = "s"
DOWNLOAD_PREFIX = "d"


def group_scopes(media: Media, album: Album | None, child_groups: Mapping[str, str]) -> list[str]:
    """Scopes of the ``families_of_group`` audience of an item (see :func:`viewer_audiences`):
    the album's group (or, for a centre-wide album, the tagged children's groups), plus the
    family of each tagged child outside those groups."""
    tagged = sorted(media.tagged_child_ids or ())
    if album is not None and album.group_id:
        groups = {album.group_id}
    else:
        groups = {child_groups[c] for c in tagged if c in child_groups}
    scopes = [f"g.{g}" for g in sorted(groups)]
    scopes += [f"k.{c}" for c in tagged if child_groups.get(c) not in groups]
    return scopes


def viewer_scopes(viewer: Viewer) -> frozenset[str]:
    """Every scope a family belongs to (their children's groups and the children themselves)."""
    return frozenset(
        {SCOPE_CENTRE}
        | {f"g.{g}" for g in viewer.group_ids if g}
        | {f"k.{c}" for c in viewer.child_ids}
    )


def desired_scopes(
    media: Media,
    album: Album | None,
    child_groups: Mapping[str, str],
    consents: ConsentsByChild,
    at: float,
) -> dict[str, Visibility]:
    """What each scope should serve of ``media`` now (scopes serving nothing are absent).

    A group scope holds a copy only when its audience sees more than every family does (a
    family of the group gets the best of both), so the common case stores one copy.
    """
    if not live(media) or album is None or album.archived:
        return {}
    published = set(media.published_audiences or ())
    # An item the gate hid was validated by a director: it counts as such when restored.
    item = replace(gate_item(media), validated=True)
    centre = (
        decide(item, ALL_FAMILIES_OF_CENTRE, consents, at).visibility
        if ALL_FAMILIES_OF_CENTRE in published
        else Visibility.HIDDEN
    )
    wanted: dict[str, Visibility] = {}
    if centre.visible:
        wanted[SCOPE_CENTRE] = centre
    if FAMILIES_OF_GROUP in published:
        group = decide(item, FAMILIES_OF_GROUP, consents, at).visibility
        if group.rank > centre.rank:
            for scope in group_scopes(media, album, child_groups):
                wanted[scope] = group
    return wanted


def scope_prefix(tenant_id: str, album_id: str, scope: str, *, download: bool = False) -> str:
    area = DOWNLOAD_PREFIX if download else SERVED_PREFIX
    return f"{topology.MEDIA_PREFIX}{tenant_id}/{area}/{album_id}/{scope}/"


def served(media: Media) -> dict[str, dict[str, Any]]:
    """The item's served copies: scope -> {"v": visibility, "r": {name: rendition}, "d": ...}."""
    return dict(media.served.as_dict()) if media.served else {}


def served_keys(entry: Mapping[str, Any]) -> list[str]:
    keys = [str(info["key"]) for info in (entry.get("r") or {}).values()]
    if entry.get("d"):
        keys.append(str(entry["d"]["key"]))
    return keys


@dataclass(frozen=True)
class Choice:
    """What the read path serves one family of one item: a scope's copy, or nothing."""

    scope: str | None
    visibility: Visibility
    entry: Mapping[str, Any] = field(default_factory=dict)
    stale: bool = False  # the served copies lag behind the gate: ask for a reconciliation


def choose(
    entries: Mapping[str, Mapping[str, Any]],
    scopes: frozenset[str],
    allowed: Visibility,
    unsafe: frozenset[str] = frozenset(),
) -> Choice:
    """The best served copy in the viewer's ``scopes`` that shows no more than ``allowed``.

    Copies showing more than ``allowed`` (a consent lapsed, the stream has not caught up yet)
    are never chosen and mark the item stale; so does a missing copy the gate would allow.
    Scopes in ``unsafe`` hold such a copy of some item of the album: they are not signed.
    """
    best: Choice = Choice(None, Visibility.HIDDEN)
    stale = False
    for scope in sorted(scopes & entries.keys()):
        entry = entries[scope]
        visibility = _visibility(entry.get("v"))
        if visibility.rank > allowed.rank:
            stale = True
            continue
        if scope in unsafe:
            continue
        if visibility.rank > best.visibility.rank:
            best = Choice(scope, visibility, entry)
    if best.visibility.rank < allowed.rank:
        stale = True
    return Choice(best.scope, best.visibility, best.entry, stale)


def over_exposed_scopes(
    entries: Mapping[str, Mapping[str, Any]], scopes: frozenset[str], allowed: Visibility
) -> set[str]:
    """Scopes of the viewer holding a copy of this item that shows more than ``allowed``."""
    return {
        scope
        for scope in scopes & entries.keys()
        if _visibility(entries[scope].get("v")).rank > allowed.rank
    }


def _visibility(value: Any) -> Visibility:
    try:
        return Visibility(value)
    except ValueError:
        return Visibility.CLEAN  # unknown: assume the most revealing (never chosen wrongly)


def request_reconcile(media: Media, at: float) -> bool:
    """Ask the revocation function to reconcile ``media`` (a touch the stream delivers).

    Used by the read path when it sees copies lagging behind the gate, e.g. a consent that
    lapsed by itself (no event is written when ``valid_until`` passes). At most one request
    per item every ``STALE_RETRY_SECONDS``.
    """
    from pynamodb.exceptions import UpdateError as _UpdateError

    now = int(at)
    try:
        media.update(
            actions=[Media.stale_at.set(now)],
            condition=(Media.state == PUBLISHED)
            & (Media.stale_at.does_not_exist() | (Media.stale_at < now - STALE_RETRY_SECONDS)),
        )
    except _UpdateError:
        return False
    return True


STALE_RETRY_SECONDS = 30


# --- Reconciliation ------------------------------------------------------------------------


@dataclass
class Reconciled:
    media_id: str
    outcome: str  # unchanged | updated | removed | hidden | restored | gone
    removed_keys: int = 0
    added_scopes: list[str] = field(default_factory=list)
    removed_scopes: list[str] = field(default_factory=list)
    invalidated: list[str] = field(default_factory=list)


def _renditions(value: Any) -> dict[str, Any]:
    return dict(value.as_dict()) if value else {}


def _extension(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1] if "." in name else "bin"


def _copy(source: Mapping[str, Any], prefix: str, media_id: str, written: list[str]) -> dict:
    s3 = aws.client("s3")
    bucket = get_settings().media_bucket
    src = str(source["key"])
    key = f"{prefix}{media_id}/{ingest.random_token()}.{_extension(src)}"
    s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": src})
    written.append(key)
    copied = {k: v for k, v in source.items() if k in ("width", "height", "type", "bytes")}
    return {**copied, "key": key, "src": src}


def _entry_matches(entry: Mapping[str, Any], visibility: Visibility, source: Mapping) -> bool:
    """A served entry is current when it shows ``visibility`` from today's source keys."""
    if entry.get("v") != visibility.value:
        return False
    wanted = {n: str(source[n]["key"]) for n in VIEW_RENDITIONS if n in source}
    have = {n: str(i.get("src")) for n, i in (entry.get("r") or {}).items()}
    if wanted != have:
        return False
    download = source.get(DOWNLOAD_RENDITION)
    have_download = entry.get("d")
    if download is None:
        return have_download is None
    return isinstance(have_download, Mapping) and str(have_download.get("src")) == str(
        download["key"]
    )


def _build_entry(
    tenant_id: str,
    album_id: str,
    scope: str,
    media: Media,
    visibility: Visibility,
    written: list[str],
) -> dict[str, Any]:
    source = _renditions(media.blurred if visibility is Visibility.BLURRED else media.renditions)
    prefix = scope_prefix(tenant_id, album_id, scope)
    entry: dict[str, Any] = {
        "v": visibility.value,
        "r": {
            name: _copy(source[name], prefix, media.media_id, written)
            for name in VIEW_RENDITIONS
            if name in source
        },
    }
    if DOWNLOAD_RENDITION in source:
        entry["d"] = _copy(
            source[DOWNLOAD_RENDITION],
            scope_prefix(tenant_id, album_id, scope, download=True),
            media.media_id,
            written,
        )
    return entry


def is_current(media: Media, wanted: Mapping[str, Visibility]) -> bool:
    """Whether the item's served copies are exactly what ``wanted`` (see
    :func:`desired_scopes`) asks for, from today's source keys: nothing to reconcile."""
    have = served(media)
    if set(have) != set(wanted):
        return False
    if media.state == PUBLISHED and not wanted:
        return False  # no audience may see it any more: it is to be hidden
    for scope, visibility in wanted.items():
        source = _renditions(
            media.blurred if visibility is Visibility.BLURRED else media.renditions
        )
        if not _entry_matches(have[scope], visibility, source):
            return False
    return True


def child_groups(tenant_id: str) -> dict[str, str]:
    """child id -> group id, for every child of the centre."""
    return {
        c.child_id: c.group_id
        for c in Child.query(tenant_pk(tenant_id), Child.sk.startswith("CHILD#"))
    }


def _album_of(tenant_id: str, album_id: str) -> Album | None:
    try:
        return Album.get(tenant_pk(tenant_id), f"ALBUM#{album_id}", consistent_read=True)
    except DoesNotExist:
        return None


def delete_every_version(keys: Iterable[str]) -> int:
    """Delete each key with every one of its versions and delete markers; returns the count."""
    s3 = aws.client("s3")
    bucket = get_settings().media_bucket
    deleted = 0
    for key in keys:
        targets: list[dict[str, str]] = []
        paginator = s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=bucket, Prefix=key):
            for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                if entry["Key"] == key:
                    targets.append({"Key": key, "VersionId": entry["VersionId"]})
        for start in range(0, len(targets), 1000):
            s3.delete_objects(
                Bucket=bucket,
                Delete={"Objects": targets[start : start + 1000], "Quiet": True},
            )
        deleted += len(targets)
    return deleted


def reconcile(tenant_id: str, media_id: str, *, reason: str, at: float | None = None) -> Reconciled:
    """Make the served copies of one item match what the gate allows now (idempotent).

    Copies every scope should serve and does not (or serves from outdated source keys, e.g.
    after new face boxes); removes every copy a scope should no longer serve: each version of
    its keys is deleted and its CDN paths invalidated. A published item no audience may see
    any more becomes ``hidden`` (``hidden_by`` "gate"); such an item becomes ``published``
    again, with its copies, once the gate allows one of its audiences again (a consent given
    back). An item a director took down stays hidden.
    """
    data.ready()
    for _ in range(MAX_RECONCILE_ATTEMPTS):
        now = clock.now() if at is None else at
        try:
            media = Media.get(tenant_pk(tenant_id), f"MEDIA#{media_id}", consistent_read=True)
        except DoesNotExist:
            return Reconciled(media_id, "gone")
        album = _album_of(tenant_id, media.album_id)
        groups = child_groups(tenant_id) if live(media) else {}
        grants = consent.grants(tenant_id, media.tagged_child_ids or ()) if live(media) else {}
        wanted = desired_scopes(media, album, groups, grants, now)
        have = served(media)
        hide = media.state == PUBLISHED and not wanted
        restore = restorable(media) and bool(wanted)
        keep = {
            scope: entry
            for scope, entry in have.items()
            if scope in wanted
            and _entry_matches(
                entry,
                wanted[scope],
                _renditions(
                    media.blurred if wanted[scope] is Visibility.BLURRED else media.renditions
                ),
            )
        }
        removed = {scope: entry for scope, entry in have.items() if scope not in keep}
        added = sorted(scope for scope in wanted if scope not in keep)
        if not removed and not added and not hide and not restore:
            return Reconciled(media_id, "unchanged")

        written: list[str] = []
        entries = dict(keep)
        try:
            for scope in added:
                entries[scope] = _build_entry(
                    tenant_id, media.album_id, scope, media, wanted[scope], written
                )
        except Exception:
            ingest.delete_media_keys(written)
            raise
        actions: list[Any] = [Media.updated_at.set(int(now))]
        actions.append(Media.served.set(entries) if entries else Media.served.remove())
        if hide:
            actions += [Media.state.set(HIDDEN), Media.hidden_by.set(HIDDEN_BY_GATE)]
        if restore:
            actions += [Media.state.set(PUBLISHED), Media.hidden_by.remove()]
        condition = (
            (Media.version == media.version)
            & (Media.blur_revision == media.blur_revision)
            & (Media.state == media.state)
        )
        if restorable(media):
            condition &= Media.hidden_by == HIDDEN_BY_GATE  # not taken down by hand meanwhile
        try:
            media.update(actions=actions, condition=condition)
        except UpdateError:
            ingest.delete_media_keys(written)  # a concurrent edit: start again from fresh data
            continue
        old_keys = [key for entry in removed.values() for key in served_keys(entry)]
        delete_every_version(old_keys)
        # One wildcard per removed scope of the item (each invalidation path is billed).
        paths = [
            path
            for scope in sorted(removed)
            for download in (False, True)
            for path in cdn.media_paths(
                f"{scope_prefix(tenant_id, media.album_id, scope, download=download)}{media_id}/",
                wildcard=True,
            )
        ]
        cdn.invalidate(paths)
        outcome = _outcome(hide=hide, restore=restore, removed=bool(removed), added=bool(added))
        if restore or removed or hide:
            _audit_reconciled(tenant_id, media_id, reason, outcome, wanted, len(old_keys), now)
        return Reconciled(media_id, outcome, len(old_keys), added, sorted(removed), paths)
    raise RuntimeError(f"media {media_id} kept changing; reconcile again later")


def _outcome(*, hide: bool, restore: bool, removed: bool, added: bool) -> str:
    if hide:
        return "hidden"
    if restore:
        return "restored"
    return "removed" if removed and not added else "updated"


def _audit_reconciled(
    tenant_id: str,
    media_id: str,
    reason: str,
    outcome: str,
    wanted: Mapping[str, Visibility],
    removed_copies: int,
    at: float,
) -> None:
    """The audit entry of a reconciliation that published an item again (``publication``)
    or removed copies or hid it (``unpublication``)."""
    scopes = ",".join(f"{s}={v.value}" for s, v in sorted(wanted.items()))
    details: dict[str, Any] = {"reason": reason, "outcome": outcome}
    if outcome == "restored":
        action = "publication"
        details["scopes"] = scopes
    else:
        action = "unpublication"
        details["removed_copies"] = removed_copies
        details["scopes"] = scopes or "none"
    audit.append(tenant_id, action, "system:revocation", f"media:{media_id}", details, at=at)
