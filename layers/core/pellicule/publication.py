"""Publication: applying the gate to stored items, and revocation of served copies.

- :func:`gate_item` turns a stored media item into what the pure gate needs;
- :func:`viewer_audiences` says through which audiences a family sees an item;
- :func:`viewer_decision` is the read-path check (every request, with current consents);
- :func:`reconcile` makes the served copies match the gate after a consent or publication
  change: clean renditions that a family may have received but may no longer see are moved
  to fresh keys (every version of the old key deleted) and their CDN paths invalidated; an item
  hidden from every audience it was published to becomes ``hidden`` (docs/revocation.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from pellicule import aws, cdn, clock, consent, data, ingest
from pellicule.gate import (
    ALL_FAMILIES_OF_CENTRE,
    FAMILIES_OF_GROUP,
    ConsentsByChild,
    Decision,
    GateItem,
    Visibility,
    decide,
)
from pellicule.models import Album, Media, tenant_pk
from pellicule.settings import get_settings

PUBLISHED = "published"
MAX_RECONCILE_ATTEMPTS = 5


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


# --- Revocation ----------------------------------------------------------------------------


@dataclass
class Reconciled:
    media_id: str
    outcome: str  # unchanged | rotated | hidden | gone
    rotated_keys: int = 0
    invalidated: list[str] = field(default_factory=list)


def _renditions(value: Any) -> dict[str, Any]:
    return dict(value.as_dict()) if value else {}


def _rotate(
    tenant_id: str, media_id: str, renditions: dict[str, Any], written: list[str]
) -> dict[str, Any]:
    """Copies of ``renditions`` under fresh keys (the caller deletes the old ones)."""
    s3 = aws.client("s3")
    bucket = get_settings().media_bucket
    moved: dict[str, Any] = {}
    for name, info in renditions.items():
        old = str(info["key"])
        extension = old.rsplit(".", 1)[-1] if "." in old.rsplit("/", 1)[-1] else "bin"
        new = ingest.media_key(tenant_id, media_id, extension)
        s3.copy_object(Bucket=bucket, Key=new, CopySource={"Bucket": bucket, "Key": old})
        written.append(new)
        moved[name] = {**info, "key": new}
    return moved


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

    Rules: clean renditions that may have been handed to a family (``clean_exposed``) move to
    fresh keys when some audience of the item may no longer see them clean, or when the item
    is no longer published; blurred variants likewise when some audience may no longer see
    them at all. A published item that no audience may see any more becomes ``hidden``.
    """
    from pellicule import audit

    data.ready()
    for _ in range(MAX_RECONCILE_ATTEMPTS):
        now = clock.now() if at is None else at
        try:
            media = Media.get(tenant_pk(tenant_id), f"MEDIA#{media_id}", consistent_read=True)
        except DoesNotExist:
            return Reconciled(media_id, "gone")
        published = media.state == PUBLISHED
        found: dict[str, Decision] = {}
        if published:
            found = decisions(media, consent.grants(tenant_id, media.tagged_child_ids or ()), now)
        visible = [d for d in found.values() if d.visible]
        clean_somewhere = any(d.visibility is Visibility.CLEAN for d in found.values())
        blurred_somewhere = any(d.visibility is Visibility.BLURRED for d in found.values())
        lost_clean = not published or any(
            d.visibility is not Visibility.CLEAN for d in found.values()
        )
        lost_blurred = not published or any(not d.visible for d in found.values())
        hide = published and not visible
        rotate_clean = bool(media.clean_exposed) and (lost_clean or hide)
        rotate_blurred = bool(media.blurred_exposed) and (lost_blurred or hide)
        clean_exposed = (bool(media.clean_exposed) and not rotate_clean) or clean_somewhere
        blurred_exposed = (bool(media.blurred_exposed) and not rotate_blurred) or blurred_somewhere
        if hide:
            clean_exposed = blurred_exposed = False
        if not (rotate_clean or rotate_blurred or hide) and (
            clean_exposed == bool(media.clean_exposed)
            and blurred_exposed == bool(media.blurred_exposed)
        ):
            return Reconciled(media_id, "unchanged")

        renditions, blurred = _renditions(media.renditions), _renditions(media.blurred)
        written: list[str] = []
        old_keys: list[str] = []
        actions: list[Any] = [
            Media.clean_exposed.set(clean_exposed),
            Media.blurred_exposed.set(blurred_exposed),
            Media.updated_at.set(int(now)),
        ]
        if rotate_clean and renditions:
            actions.append(Media.renditions.set(_rotate(tenant_id, media_id, renditions, written)))
            old_keys += [str(v["key"]) for v in renditions.values()]
        if rotate_blurred and blurred:
            actions.append(Media.blurred.set(_rotate(tenant_id, media_id, blurred, written)))
            old_keys += [str(v["key"]) for v in blurred.values()]
        if hide:
            actions.append(Media.state.set("hidden"))
        condition = (
            (Media.version == media.version)
            & (Media.blur_revision == media.blur_revision)
            & (Media.state == media.state)
        )
        try:
            media.update(actions=actions, condition=condition)
        except UpdateError:
            ingest.delete_media_keys(written)  # a concurrent edit: start again from fresh data
            continue
        delete_every_version(old_keys)
        paths = [path for key in old_keys for path in cdn.media_paths(key)]
        cdn.invalidate(paths)
        outcome = "hidden" if hide else ("rotated" if old_keys else "unchanged")
        if old_keys or hide:
            audit.append(
                tenant_id,
                "unpublication",
                "system:revocation",
                f"media:{media_id}",
                {
                    "reason": reason,
                    "outcome": outcome,
                    "replaced_copies": len(old_keys),
                    "audiences": ",".join(
                        f"{a}={d.visibility.value}" for a, d in sorted(found.items())
                    ),
                },
                at=now,
            )
        return Reconciled(media_id, outcome, len(old_keys), paths)
    raise RuntimeError(f"media {media_id} kept changing; reconcile again later")
