"""Publication decisions (docs/publication-gate.md, docs/delivery.md, docs/revocation.md): what a
publish request may do, through which audiences a family sees an item, which scopes serve an
item and what a reconciliation changes.

Pure: plain values in, plain values out; the gate (:mod:`pellicule.domain.gate`) decides each
(item, audience) and this module never decides visibility otherwise. The publication service
(``pellicule.services.publication``) reads the stored items, asks these functions and carries
the answers out (copies, deletions). Tested by properties in
``tests/unit/test_publication_rules.py``.

Scopes: ``c`` (every family of the centre), ``g.<group>`` (the families of a group) and
``k.<child>`` (the families of one child tagged outside the album's group).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from pellicule.domain.gate import (
    ALL_FAMILIES_OF_CENTRE,
    FAMILIES_OF_GROUP,
    ConsentsByChild,
    Decision,
    GateItem,
    Visibility,
    decide,
    publishable,
)

# Media.state values this module reasons about.
READY: Final = "ready"
PUBLISHED: Final = "published"
HIDDEN: Final = "hidden"
# A processed item that was not rejected: the states a publish request accepts.
PUBLISHABLE_STATES: Final = (READY, PUBLISHED, HIDDEN)
# Media.hidden_by: who hid an item.
HIDDEN_BY_GATE: Final = "gate"
HIDDEN_BY_DIRECTOR: Final = "director"

SCOPE_CENTRE: Final = "c"
VIEW_RENDITIONS: Final = ("thumb", "web", "poster", "video")
DOWNLOAD_RENDITION: Final = "download"  # photos; a video's download is its "video" rendition

# The centre's validation modes (tenant settings).
DIRECTOR_VALIDATES: Final = "director"
TRUSTED_ANIMATORS: Final = "trusted_animators"


# --- The facts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFacts:
    """What the publication decisions know of a stored item. ``gate.validated`` is true only
    for a published item (the read path); reconciliation counts an item the gate hid as
    validated too (a director validated it)."""

    gate: GateItem
    state: str
    hidden_by: str | None = None
    published_audiences: frozenset[str] = frozenset()

    @property
    def tagged(self) -> frozenset[str]:
        return self.gate.tagged_child_ids


@dataclass(frozen=True)
class AlbumFacts:
    group_id: str | None  # None: an album of the whole centre
    archived: bool = False


@dataclass(frozen=True)
class Viewer:
    """A family, as the read path sees it: their children and those children's groups."""

    guardian_id: str
    child_ids: frozenset[str]
    group_ids: frozenset[str]


# --- Who may publish, and what a publish request publishes ----------------------------------


def may_publish(role: str, validation_mode: str, *, trusted: bool, archived: bool) -> bool:
    """A director always; another staff member only where trusted animators publish without
    a director's validation, if trusted and not archived."""
    if role == "director":
        return True
    if validation_mode != TRUSTED_ANIMATORS:
        return False
    return trusted and not archived


def default_audiences(album_group: str | None) -> tuple[str, ...]:
    """The audiences of a publish request that names none: the album's group, or every family
    of the centre for a centre-wide album."""
    return (FAMILIES_OF_GROUP,) if album_group else (ALL_FAMILIES_OF_CENTRE,)


@dataclass(frozen=True)
class PublishOutcome:
    """What a publish (or approve) request does: ``state_ok`` false, or nothing ``allowed``,
    means it is refused (nothing is written)."""

    state_ok: bool
    requested: tuple[str, ...]
    allowed: tuple[str, ...] = ()
    verdicts: Mapping[str, Decision] = field(default_factory=dict)

    @property
    def refused(self) -> tuple[str, ...]:
        return tuple(a for a in self.requested if a not in self.allowed)

    @property
    def published(self) -> bool:
        return self.state_ok and bool(self.allowed)

    @property
    def problems(self) -> tuple[str, ...]:
        """The gate's reasons over every requested audience (to explain a refusal)."""
        return tuple(sorted({r for d in self.verdicts.values() for r in d.reasons}))


def publish_request(
    state: str,
    item: GateItem,
    requested: Iterable[str],
    consents: ConsentsByChild,
    at: float,
) -> PublishOutcome:
    """Publish to the requested audiences the gate allows now, as if validated (publishing is
    the validation): an audience where a tagged child has no consent is allowed only if the
    blurred variant hides that child. Only a processed, non-rejected item is published."""
    audiences = tuple(sorted(set(requested)))
    if state not in PUBLISHABLE_STATES:
        return PublishOutcome(False, audiences)
    verdicts = publishable(replace(item, validated=True), audiences, consents, at)
    allowed = tuple(a for a in audiences if verdicts[a].visible)
    return PublishOutcome(True, audiences, allowed, verdicts)


# --- The read path --------------------------------------------------------------------------


def restorable(state: str, hidden_by: str | None) -> bool:
    """An item the gate hid (no audience could see it any more): it is published again, to
    the audiences it was published to, as soon as the gate allows one of them. An item a
    director took down is never put back without a director."""
    return state == HIDDEN and hidden_by == HIDDEN_BY_GATE


def live(state: str, hidden_by: str | None) -> bool:
    """Whether reconciliation serves an item whatever the gate allows: published, or hidden
    by the gate only."""
    return state == PUBLISHED or restorable(state, hidden_by)


def item_groups(
    tagged: Iterable[str], album_group: str | None, child_groups: Mapping[str, str]
) -> set[str]:
    """The groups of an item: its album's, or for a centre-wide album its tagged children's."""
    if album_group:
        return {album_group}
    return {child_groups[c] for c in tagged if c in child_groups}


def viewer_audiences(
    viewer: Viewer,
    tagged: frozenset[str],
    album_group: str | None,
    child_groups: Mapping[str, str],
) -> list[str]:
    """Audiences through which ``viewer`` may see an item, the narrowest first.

    ``families_of_group``: the album belongs to a group one of the viewer's children is in,
    or (a centre-wide album) one of the viewer's children is in the group of a tagged child,
    or the viewer's own child is tagged. ``all_families_of_centre``: every family of the
    centre. ``public_communication`` is never a family gallery audience.
    """
    audiences = []
    groups = item_groups(tagged, album_group, child_groups)
    if (viewer.group_ids & groups) or (viewer.child_ids & tagged):
        audiences.append(FAMILIES_OF_GROUP)
    audiences.append(ALL_FAMILIES_OF_CENTRE)
    return audiences


def viewer_decision(
    viewer: Viewer,
    item: ItemFacts,
    album_group: str | None,
    child_groups: Mapping[str, str],
    consents: ConsentsByChild,
    at: float,
) -> Decision:
    """The most that ``viewer`` may see of the item now (HIDDEN if nothing)."""
    best = Decision(Visibility.HIDDEN, ("not_published_to_viewer",))
    for audience in viewer_audiences(viewer, item.tagged, album_group, child_groups):
        if audience not in item.published_audiences:
            continue
        found = decide(item.gate, audience, consents, at)
        if found.visibility.rank > best.visibility.rank:
            best = found
    return best


# --- Scopes ---------------------------------------------------------------------------------


def group_scopes(
    tagged: Iterable[str], album_group: str | None, child_groups: Mapping[str, str]
) -> list[str]:
    """Scopes of the ``families_of_group`` audience of an item (see :func:`viewer_audiences`):
    the album's group (or, for a centre-wide album, the tagged children's groups), plus the
    family of each tagged child outside those groups."""
    children = sorted(tagged)
    groups = item_groups(children, album_group, child_groups)
    scopes = [f"g.{g}" for g in sorted(groups)]
    scopes += [f"k.{c}" for c in children if child_groups.get(c) not in groups]
    return scopes


def viewer_scopes(viewer: Viewer) -> frozenset[str]:
    """Every scope a family belongs to (their children's groups and the children themselves)."""
    return frozenset(
        {SCOPE_CENTRE}
        | {f"g.{g}" for g in viewer.group_ids if g}
        | {f"k.{c}" for c in viewer.child_ids}
    )


def desired_scopes(
    item: ItemFacts,
    album: AlbumFacts | None,
    child_groups: Mapping[str, str],
    consents: ConsentsByChild,
    at: float,
) -> dict[str, Visibility]:
    """What each scope should serve of the item now (scopes serving nothing are absent).

    A group scope holds a copy only when its audience sees more than every family does (a
    family of the group gets the best of both), so the common case stores one copy.
    """
    if not live(item.state, item.hidden_by) or album is None or album.archived:
        return {}
    published = item.published_audiences
    # An item the gate hid was validated by a director: it counts as such when restored.
    gate = replace(item.gate, validated=True)
    centre = (
        decide(gate, ALL_FAMILIES_OF_CENTRE, consents, at).visibility
        if ALL_FAMILIES_OF_CENTRE in published
        else Visibility.HIDDEN
    )
    wanted: dict[str, Visibility] = {}
    if centre.visible:
        wanted[SCOPE_CENTRE] = centre
    if FAMILIES_OF_GROUP in published:
        group = decide(gate, FAMILIES_OF_GROUP, consents, at).visibility
        if group.rank > centre.rank:
            for scope in group_scopes(item.tagged, album.group_id, child_groups):
                wanted[scope] = group
    return wanted


# --- Choosing a served copy -----------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """What the read path serves one family of one item: a scope's copy, or nothing."""

    scope: str | None
    visibility: Visibility
    entry: Mapping[str, Any] = field(default_factory=dict)
    stale: bool = False  # the served copies lag behind the gate: ask for a reconciliation


def visibility_of(value: Any) -> Visibility:
    """A served entry's visibility; unknown: the most revealing (never chosen wrongly)."""
    try:
        return Visibility(value)
    except ValueError:
        return Visibility.CLEAN


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
        visibility = visibility_of(entry.get("v"))
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
        if visibility_of(entries[scope].get("v")).rank > allowed.rank
    }


# --- Reconciliation -------------------------------------------------------------------------


@dataclass(frozen=True)
class Sources:
    """The item's renditions a served copy is made from: ``name -> {"key": ..., ...}``."""

    clean: Mapping[str, Any] = field(default_factory=dict)
    blurred: Mapping[str, Any] = field(default_factory=dict)

    def of(self, visibility: Visibility) -> Mapping[str, Any]:
        return self.blurred if visibility is Visibility.BLURRED else self.clean


def entry_matches(entry: Mapping[str, Any], visibility: Visibility, source: Mapping) -> bool:
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


@dataclass(frozen=True)
class ReconcilePlan:
    """What a reconciliation changes: the served entries it keeps, removes and adds, and
    whether the item is hidden (no audience may see it any more) or published again."""

    keep: Mapping[str, Mapping[str, Any]]
    removed: Mapping[str, Mapping[str, Any]]
    added: tuple[str, ...]
    hide: bool
    restore: bool

    @property
    def changes(self) -> bool:
        return bool(self.removed or self.added or self.hide or self.restore)

    @property
    def outcome(self) -> str:
        """``unchanged``, ``hidden``, ``restored``, ``removed`` (copies only taken away) or
        ``updated``."""
        if not self.changes:
            return "unchanged"
        if self.hide:
            return "hidden"
        if self.restore:
            return "restored"
        return "removed" if self.removed and not self.added else "updated"

    @property
    def audited(self) -> bool:
        """Whether the change is recorded in the audit chain (copies added only is not)."""
        return bool(self.restore or self.removed or self.hide)


def plan_reconcile(
    state: str,
    hidden_by: str | None,
    wanted: Mapping[str, Visibility],
    have: Mapping[str, Mapping[str, Any]],
    sources: Sources,
) -> ReconcilePlan:
    """Keep each served entry a scope should still serve from today's source keys; remove
    every other; add each wanted scope not kept. A published item with no wanted scope is
    hidden; an item the gate hid with one is published again."""
    keep = {
        scope: entry
        for scope, entry in have.items()
        if scope in wanted and entry_matches(entry, wanted[scope], sources.of(wanted[scope]))
    }
    return ReconcilePlan(
        keep=keep,
        removed={scope: entry for scope, entry in have.items() if scope not in keep},
        added=tuple(sorted(scope for scope in wanted if scope not in keep)),
        hide=state == PUBLISHED and not wanted,
        restore=restorable(state, hidden_by) and bool(wanted),
    )


def is_current(
    state: str,
    wanted: Mapping[str, Visibility],
    have: Mapping[str, Mapping[str, Any]],
    sources: Sources,
) -> bool:
    """Whether the served copies are exactly what ``wanted`` (see :func:`desired_scopes`)
    asks for, from today's source keys: nothing to reconcile."""
    if set(have) != set(wanted):
        return False
    if state == PUBLISHED and not wanted:
        return False  # no audience may see it any more: it is to be hidden
    return all(entry_matches(have[s], v, sources.of(v)) for s, v in wanted.items())


def reconcile_audit(
    reason: str, outcome: str, wanted: Mapping[str, Visibility], removed_copies: int
) -> tuple[str, dict[str, Any]]:
    """The audit action and details of a reconciliation that published an item again
    (``publication``) or removed copies or hid it (``unpublication``)."""
    scopes = ",".join(f"{s}={v.value}" for s, v in sorted(wanted.items()))
    details: dict[str, Any] = {"reason": reason, "outcome": outcome}
    if outcome == "restored":
        details["scopes"] = scopes
        return "publication", details
    details["removed_copies"] = removed_copies
    details["scopes"] = scopes or "none"
    return "unpublication", details
