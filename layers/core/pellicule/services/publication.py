"""Publication: applying the gate to stored items, and the copies families are served.

The decisions are pure (``pellicule.domain.publication``, over the gate); this module turns
stored items into their facts, and carries the answers out (copies, deletions)
through the media and roster stores.

- :func:`gate_item` turns a stored media item into what the pure gate needs;
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
from dataclasses import dataclass, field
from typing import Any

from pellicule.adapters import aws
from pellicule.config import clock, topology
from pellicule.config.settings import get_settings
from pellicule.domain import publication as rules
from pellicule.domain.gate import ConsentsByChild, Decision, GateItem, Visibility
from pellicule.domain.publication import DOWNLOAD_RENDITION as DOWNLOAD_RENDITION
from pellicule.domain.publication import HIDDEN as HIDDEN
from pellicule.domain.publication import HIDDEN_BY_DIRECTOR as HIDDEN_BY_DIRECTOR
from pellicule.domain.publication import HIDDEN_BY_GATE as HIDDEN_BY_GATE
from pellicule.domain.publication import PUBLISHED as PUBLISHED
from pellicule.domain.publication import SCOPE_CENTRE as SCOPE_CENTRE
from pellicule.domain.publication import VIEW_RENDITIONS as VIEW_RENDITIONS
from pellicule.domain.publication import Choice as Choice
from pellicule.domain.publication import Viewer as Viewer
from pellicule.domain.publication import choose as choose
from pellicule.domain.publication import over_exposed_scopes as over_exposed_scopes
from pellicule.domain.publication import viewer_scopes as viewer_scopes
from pellicule.services import audit, consent
from pellicule.store import data, roster
from pellicule.store import media as media_store
from pellicule.store.media import AlbumRecord, MediaRecord
from pellicule.store.roster import ChildRecord, GuardianRecord

MAX_RECONCILE_ATTEMPTS = 5
SERVED_PREFIX = "s"
DOWNLOAD_PREFIX = "d"
STALE_RETRY_SECONDS = 30


# --- Stored items as facts ----------------------------------------------------------------


def restorable(media: MediaRecord) -> bool:
    """An item the gate hid: published again once the gate allows one of its audiences
    (see :func:`pellicule.domain.publication.restorable`)."""
    return rules.restorable(media.state, media.hidden_by)


def live(media: MediaRecord) -> bool:
    """Whether reconciliation serves ``media`` whatever the gate allows: published, or hidden
    by the gate only."""
    return rules.live(media.state, media.hidden_by)


def gate_item(media: MediaRecord) -> GateItem:
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


def facts(media: MediaRecord) -> rules.ItemFacts:
    """What the publication decisions know of a stored item."""
    return rules.ItemFacts(
        gate=gate_item(media),
        state=media.state,
        hidden_by=media.hidden_by,
        published_audiences=frozenset(media.published_audiences or ()),
    )


def album_facts(album: AlbumRecord | None) -> rules.AlbumFacts | None:
    return None if album is None else rules.AlbumFacts(album.group_id, bool(album.archived))


def sources(media: MediaRecord) -> rules.Sources:
    """The renditions served copies are made from (clean, and the blurred variant)."""
    return rules.Sources(_renditions(media.renditions), _renditions(media.blurred))


def _renditions(value: Any) -> dict[str, Any]:
    return dict(value.as_dict()) if value else {}


# --- The read path ------------------------------------------------------------------------


def linked_children(
    guardian: GuardianRecord, children: Mapping[str, ChildRecord]
) -> list[ChildRecord]:
    """The guardian's children among ``children``: linked on both sides and not archived
    (never taken from a request)."""
    found: list[ChildRecord] = []
    for child_id in sorted(guardian.child_ids or ()):
        child = children.get(child_id)
        if (
            child is not None
            and not child.archived
            and guardian.guardian_id in (child.guardian_ids or ())
        ):
            found.append(child)
    return found


def viewer_of(guardian: GuardianRecord, children: Mapping[str, ChildRecord]) -> Viewer:
    """The family of ``guardian`` as the read path (and the digest) sees it."""
    own = linked_children(guardian, children)
    return Viewer(
        guardian_id=guardian.guardian_id,
        child_ids=frozenset(c.child_id for c in own),
        group_ids=frozenset(c.group_id for c in own),
    )


def viewer_decision(
    viewer: Viewer,
    media: MediaRecord,
    album: AlbumRecord,
    child_groups: Mapping[str, str],
    consents: ConsentsByChild,
    at: float,
) -> Decision:
    """The most that ``viewer`` may see of ``media`` now (HIDDEN if nothing)."""
    return rules.viewer_decision(viewer, facts(media), album.group_id, child_groups, consents, at)


# --- Served copies -------------------------------------------------------------------------


def desired_scopes(
    media: MediaRecord,
    album: AlbumRecord | None,
    child_groups: Mapping[str, str],
    consents: ConsentsByChild,
    at: float,
) -> dict[str, Visibility]:
    """What each scope should serve of ``media`` now (scopes serving nothing are absent)."""
    return rules.desired_scopes(facts(media), album_facts(album), child_groups, consents, at)


def scope_prefix(tenant_id: str, album_id: str, scope: str, *, download: bool = False) -> str:
    area = DOWNLOAD_PREFIX if download else SERVED_PREFIX
    return f"{topology.MEDIA_PREFIX}{tenant_id}/{area}/{album_id}/{scope}/"


def served(media: MediaRecord) -> dict[str, dict[str, Any]]:
    """The item's served copies: scope -> {"v": visibility, "r": {name: rendition}, "d": ...}."""
    return dict(media.served.as_dict()) if media.served else {}


def served_keys(entry: Mapping[str, Any]) -> list[str]:
    keys = [str(info["key"]) for info in (entry.get("r") or {}).values()]
    if entry.get("d"):
        keys.append(str(entry["d"]["key"]))
    return keys


def request_reconcile(media: MediaRecord, at: float) -> bool:
    """Ask the revocation function to reconcile ``media`` (a touch the stream delivers).

    Used by the read path when it sees copies lagging behind the gate, e.g. a consent that
    lapsed by itself (no event is written when ``valid_until`` passes). At most one request
    per item every ``STALE_RETRY_SECONDS``.
    """
    return media_store.mark_stale(media, int(at), STALE_RETRY_SECONDS)


# --- Reconciliation ------------------------------------------------------------------------


@dataclass
class Reconciled:
    media_id: str
    outcome: str  # unchanged | updated | removed | hidden | restored | gone
    removed_keys: int = 0
    added_scopes: list[str] = field(default_factory=list)
    removed_scopes: list[str] = field(default_factory=list)


def _extension(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1] if "." in name else "bin"


def _copy(source: Mapping[str, Any], prefix: str, media_id: str, written: list[str]) -> dict:
    from pellicule.services import ingest  # publishing only: views need none of it

    s3 = aws.client("s3")
    bucket = get_settings().media_bucket
    src = str(source["key"])
    key = f"{prefix}{media_id}/{ingest.random_token()}.{_extension(src)}"
    s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": src})
    written.append(key)
    copied = {k: v for k, v in source.items() if k in ("width", "height", "type", "bytes")}
    return {**copied, "key": key, "src": src}


def _build_entry(
    tenant_id: str,
    album_id: str,
    scope: str,
    media: MediaRecord,
    visibility: Visibility,
    written: list[str],
) -> dict[str, Any]:
    source = sources(media).of(visibility)
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


def is_current(media: MediaRecord, wanted: Mapping[str, Visibility]) -> bool:
    """Whether the item's served copies are exactly what ``wanted`` (see
    :func:`desired_scopes`) asks for, from today's source keys: nothing to reconcile."""
    return rules.is_current(media.state, wanted, served(media), sources(media))


def child_groups(tenant_id: str) -> dict[str, str]:
    """child id -> group id, for every child of the centre."""
    return {c.child_id: c.group_id for c in roster.every_child(tenant_id)}


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
    its keys is deleted (no CDN invalidation: the edge forgets a deleted copy within
    ``2 x topology.MEDIA_EDGE_TTL_SECONDS``, docs/revocation.md). A published item no
    audience may see any more becomes ``hidden`` (``hidden_by`` "gate"); such an item
    becomes ``published`` again, with its copies, once the gate allows one of its audiences
    again (a consent given back). An item a director took down stays hidden.
    """
    data.ready()
    for _ in range(MAX_RECONCILE_ATTEMPTS):
        now = clock.now() if at is None else at
        media = media_store.item(tenant_id, media_id)
        if media is None:
            return Reconciled(media_id, "gone")
        album = media_store.album(tenant_id, media.album_id, consistent=True)
        groups = child_groups(tenant_id) if live(media) else {}
        grants = consent.grants(tenant_id, media.tagged_child_ids or ()) if live(media) else {}
        wanted = desired_scopes(media, album, groups, grants, now)
        plan = rules.plan_reconcile(
            media.state, media.hidden_by, wanted, served(media), sources(media)
        )
        if not plan.changes:
            return Reconciled(media_id, "unchanged")
        done = _carry_out(tenant_id, media, plan, wanted, reason=reason, at=now)
        if done is not None:
            return done
    raise RuntimeError(f"media {media_id} kept changing; reconcile again later")


def _carry_out(
    tenant_id: str,
    media: MediaRecord,
    plan: rules.ReconcilePlan,
    wanted: Mapping[str, Visibility],
    *,
    reason: str,
    at: float,
) -> Reconciled | None:
    """Copy the added scopes, record the served copies, then delete the removed ones (the
    edge's short TTL drops them: no invalidation). ``None``: the item changed meanwhile
    (nothing kept)."""
    from pellicule.services import ingest  # publishing only: views need none of it

    media_id = media.media_id
    written: list[str] = []
    entries = dict(plan.keep)
    try:
        for scope in plan.added:
            entries[scope] = _build_entry(
                tenant_id, media.album_id, scope, media, wanted[scope], written
            )
    except Exception:
        ingest.delete_media_keys(written)
        raise
    if not media_store.save_served(
        media, entries, at=int(at), hide=plan.hide, restore=plan.restore
    ):
        ingest.delete_media_keys(written)  # a concurrent edit: start again from fresh data
        return None
    old_keys = [key for entry in plan.removed.values() for key in served_keys(entry)]
    delete_every_version(old_keys)
    if plan.audited:
        action, details = rules.reconcile_audit(reason, plan.outcome, wanted, len(old_keys))
        audit.append(tenant_id, action, "system:revocation", f"media:{media_id}", details, at=at)
    return Reconciled(media_id, plan.outcome, len(old_keys), list(plan.added), sorted(plan.removed))
