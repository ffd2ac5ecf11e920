"""What is new and what is mine in a family's gallery (issue 17, item 2; docs/family-gallery.md).

Pure: plain values in, plain values out, the time is a parameter.

**Visits.** A guardian's visit starts with a gallery request made more than
:data:`VISIT_GAP_SECONDS` after their last recorded one; every request of the same visit keeps the
same :attr:`Visit.new_since`: the end (last request) of the previous visit. An item published
after it is *new* during the whole current visit, so opening the album list does not erase
the marks before the album is opened. A first visit has nothing to compare with: nothing is
marked new. What is stored (on the guardian's own item) is written at most once every
:data:`WRITE_EVERY_SECONDS` within a visit, never once per item, and only by a conditional
write on the state read (:func:`on_request` says whether to write; the store carries it out).

**Mine.** An item *shows my child* when one of the family's children is tagged on it and is
not hidden in the blurred variant the family is served.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

VISIT_GAP_SECONDS: Final = 30 * 60
WRITE_EVERY_SECONDS: Final = 60


@dataclass(frozen=True)
class Visit:
    """A guardian's gallery bookkeeping: ``seen_at``, their last recorded gallery request
    (``None``: never); ``new_since``, the end of their previous visit (``None``: no previous
    visit, nothing is new)."""

    seen_at: int | None = None
    new_since: int | None = None


@dataclass(frozen=True)
class Step:
    """The visit in force for a request, and whether to store it (``write``)."""

    visit: Visit
    write: bool


def on_request(stored: Visit, now: int) -> Step:
    """The visit a gallery request at ``now`` belongs to, given what is ``stored``.

    - never seen: the first visit begins; nothing is new during it;
    - more than ``VISIT_GAP_SECONDS`` since the last recorded request: a new visit begins, new
      since that request (the end of the previous visit);
    - otherwise the same visit goes on: ``new_since`` unchanged, ``seen_at`` moved forward
      only when ``WRITE_EVERY_SECONDS`` have passed (a clock that went back changes nothing).
    """
    if stored.seen_at is None:
        return Step(Visit(seen_at=now, new_since=None), write=True)
    elapsed = now - stored.seen_at
    if elapsed > VISIT_GAP_SECONDS:
        return Step(Visit(seen_at=now, new_since=stored.seen_at), write=True)
    if elapsed >= WRITE_EVERY_SECONDS:
        return Step(Visit(seen_at=now, new_since=stored.new_since), write=True)
    return Step(stored, write=False)


def is_new(published_at: float | None, visit: Visit) -> bool:
    """Whether an item published at ``published_at`` is new during ``visit``."""
    if visit.new_since is None or published_at is None:
        return False
    return published_at > visit.new_since


def shows_own_child(
    tagged: Iterable[str], blurred_out: Iterable[str], *, served_blurred: bool, own: Iterable[str]
) -> bool:
    """Whether an item shows one of the family's children (``own``): tagged on it, and not
    among the children the blurred variant hides when the family is served that variant."""
    shown = set(tagged)
    if served_blurred:
        shown -= set(blurred_out)
    return not shown.isdisjoint(own)
