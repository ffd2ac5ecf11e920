"""The publication gate: the one place that decides whether an item may be shown.

Rule (docs/publication-gate.md): an item is visible to an audience at time ``at`` iff it is
validated and every tagged child has an active consent covering that audience and that media
kind at ``at`` -- or that child is hidden in the blurred variant served to that audience. An
item without any tag needs the explicit "no identifiable child" flag.

This module is pure: no I/O, no AWS, no clock reads (time is a parameter), no mutation of its
inputs. The *same* function is applied when an item is published and on every read, so a
withdrawn or expired consent hides the item on the very next request.

Everything unknown or malformed fails closed (``Visibility.HIDDEN``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

Audience = Literal["families_of_group", "all_families_of_centre", "public_communication"]
MediaKind = Literal["photo", "video"]

FAMILIES_OF_GROUP: Final = "families_of_group"
ALL_FAMILIES_OF_CENTRE: Final = "all_families_of_centre"
PUBLIC_COMMUNICATION: Final = "public_communication"
AUDIENCES: Final[tuple[str, ...]] = (
    FAMILIES_OF_GROUP,
    ALL_FAMILIES_OF_CENTRE,
    PUBLIC_COMMUNICATION,
)

PHOTO: Final = "photo"
VIDEO: Final = "video"
MEDIA_KINDS: Final[tuple[str, ...]] = (PHOTO, VIDEO)

# Stable machine reason codes (pseudonymous ids only; safe for the audit log).
UNKNOWN_AUDIENCE: Final = "unknown_audience"
UNKNOWN_KIND: Final = "unknown_kind"
NOT_VALIDATED: Final = "not_validated"
UNTAGGED_WITHOUT_FLAG: Final = "untagged_without_flag"
FLAG_CONFLICTS_WITH_TAGS: Final = "flag_conflicts_with_tags"
BLURRED_VARIANT_MISSING: Final = "blurred_variant_missing"
NO_CONSENT_PREFIX: Final = "no_consent:"
NOT_BLURRED_PREFIX: Final = "not_blurred:"


class Visibility(enum.Enum):
    """What a viewer of the audience may get. Ordered: HIDDEN < BLURRED < CLEAN."""

    CLEAN = "clean"  # serve the clean renditions
    BLURRED = "blurred"  # serve only the blurred variant, never the clean renditions
    HIDDEN = "hidden"  # serve nothing; do not even list the item

    @property
    def rank(self) -> int:
        """0 for HIDDEN, 1 for BLURRED, 2 for CLEAN (higher is more visible)."""
        return _RANK[self]

    @property
    def visible(self) -> bool:
        return self is not Visibility.HIDDEN


_RANK: Final[dict[Visibility, int]] = {
    Visibility.HIDDEN: 0,
    Visibility.BLURRED: 1,
    Visibility.CLEAN: 2,
}


@dataclass(frozen=True, slots=True)
class ConsentGrant:
    """One effective consent grant of a child (computed by the consent module).

    Active at ``t`` iff ``active`` and ``valid_from <= t < valid_until`` (epoch seconds).
    """

    child_id: str
    audiences: frozenset[str]
    media_kinds: frozenset[str]
    valid_from: float
    valid_until: float
    active: bool = True

    def covers(self, child_id: str, audience: str, kind: str, at: float) -> bool:
        """Whether this grant covers ``child_id`` for (audience, kind) at ``at``.

        A NaN ``at`` or window bound compares false and therefore never covers (fail closed).
        """
        return (
            self.active
            and self.child_id == child_id
            and audience in self.audiences
            and kind in self.media_kinds
            and self.valid_from <= at < self.valid_until
        )


@dataclass(frozen=True, slots=True)
class GateItem:
    """What the gate needs to know about one media item."""

    media_id: str
    kind: str
    validated: bool
    tagged_child_ids: frozenset[str] = field(default_factory=frozenset)
    no_identifiable_child: bool = False
    blurred_child_ids: frozenset[str] = field(default_factory=frozenset)
    has_blurred_variant: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's answer for one (item, audience, time)."""

    visibility: Visibility
    reasons: tuple[str, ...] = ()
    uncovered_child_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def visible(self) -> bool:
        return self.visibility.visible


ConsentsByChild = Mapping[str, Sequence[ConsentGrant]]


def is_covered(
    child_id: str, audience: str, kind: str, consents: ConsentsByChild, at: float
) -> bool:
    """Whether any grant filed under ``child_id`` and *for* ``child_id`` covers it.

    A grant filed under another child's key never counts, even if its ``child_id`` matches
    (key AND ``grant.child_id`` must match).
    """
    return any(g.covers(child_id, audience, kind, at) for g in consents.get(child_id, ()))


def decide(item: GateItem, audience: str, consents: ConsentsByChild, at: float) -> Decision:
    """Decide how ``item`` may be shown to ``audience`` at time ``at`` (epoch seconds).

    Applied at publish time (see :func:`publishable`) AND on every read: never cache a decision
    beyond the request it was made for.

    - unknown audience or media kind: HIDDEN (fail closed);
    - not validated: HIDDEN;
    - no tag: CLEAN if flagged "no identifiable child", else HIDDEN;
    - tags AND the flag: the tags are authoritative (the flag can never override a tagged
      child); the decision is made from the tags and carries ``flag_conflicts_with_tags``;
    - every tagged child covered: CLEAN (even if a blurred variant exists);
    - otherwise BLURRED iff a blurred variant exists and hides every uncovered child;
      else HIDDEN.

    ``uncovered_child_ids`` always lists the tagged children without a covering grant (all of
    them when the audience or kind is unknown), so callers can explain or request a blur.
    """
    tagged = item.tagged_child_ids
    reasons: list[str] = []
    if audience not in AUDIENCES:
        reasons.append(UNKNOWN_AUDIENCE)
    if item.kind not in MEDIA_KINDS:
        reasons.append(UNKNOWN_KIND)
    if reasons:
        return Decision(Visibility.HIDDEN, tuple(reasons), frozenset(tagged))

    uncovered = frozenset(c for c in tagged if not is_covered(c, audience, item.kind, consents, at))
    reasons.extend(NO_CONSENT_PREFIX + c for c in sorted(uncovered))

    if not item.validated:
        return Decision(Visibility.HIDDEN, (NOT_VALIDATED, *reasons), uncovered)

    if not tagged:
        if item.no_identifiable_child:
            return Decision(Visibility.CLEAN, (), uncovered)
        return Decision(Visibility.HIDDEN, (UNTAGGED_WITHOUT_FLAG,), uncovered)

    if item.no_identifiable_child:
        reasons.insert(0, FLAG_CONFLICTS_WITH_TAGS)

    if not uncovered:
        return Decision(Visibility.CLEAN, tuple(reasons), uncovered)

    if not item.has_blurred_variant:
        reasons.append(BLURRED_VARIANT_MISSING)
        return Decision(Visibility.HIDDEN, tuple(reasons), uncovered)

    not_blurred = uncovered - item.blurred_child_ids
    if not_blurred:
        reasons.extend(NOT_BLURRED_PREFIX + c for c in sorted(not_blurred))
        return Decision(Visibility.HIDDEN, tuple(reasons), uncovered)

    return Decision(Visibility.BLURRED, tuple(reasons), uncovered)


def decide_many(
    items: Iterable[GateItem], audience: str, consents: ConsentsByChild, at: float
) -> dict[str, Decision]:
    """:func:`decide` for each item, keyed by ``media_id``.

    Raises ``ValueError`` on a duplicate ``media_id`` (two different answers for one id would
    be ambiguous).
    """
    out: dict[str, Decision] = {}
    for item in items:
        if item.media_id in out:
            raise ValueError(f"duplicate media_id: {item.media_id}")
        out[item.media_id] = decide(item, audience, consents, at)
    return out


def publishable(
    item: GateItem, audiences: Iterable[str], consents: ConsentsByChild, at: float
) -> dict[str, Decision]:
    """The publish-step view: :func:`decide` for each requested audience.

    This is the same function the read path applies on every request; publishing does not
    grant anything by itself, a later read re-checks with the consents of that moment.
    """
    return {audience: decide(item, audience, consents, at) for audience in audiences}
