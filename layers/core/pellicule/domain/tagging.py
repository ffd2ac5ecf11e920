"""The tags of an item (the children who appear) and the "no identifiable child" flag.

An item carries either tagged children or the flag, never both: the flag says that nobody can
be recognised (backs, hands, a landscape), so it contradicts a tagged child. The gate already
lets the tags win when an old item carries both (``flag_conflicts_with_tags``); a new tagging
that says both is refused (docs/publication-gate.md, "Tags and the flag together").
"""

from __future__ import annotations

from collections.abc import Collection

from pellicule.domain.errors import BadRequest

CONTRADICTION = "tags_with_no_identifiable_child"


def check(child_ids: Collection[str], no_identifiable_child: bool) -> None:
    """Refuse (``BadRequest`` with the stable code :data:`CONTRADICTION`) the flag together
    with tagged children; anything else (children, the flag alone, or neither) is accepted."""
    if no_identifiable_child and child_ids:
        raise BadRequest(CONTRADICTION)
