"""The team's rules (issue 18, item 3; docs/second-factor.md, "The team page"): who a director
may suspend, archive or demote, and how a member's second factor is described. Pure.

A centre always keeps one director who can sign in: nobody suspends, archives or demotes
themselves, nor the last active director (active: neither archived nor suspended). The
answers are catalogue codes (``pellicule.domain.messages.roster``), never words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Change = Literal["suspend", "archive", "demote"]
FactorState = Literal["none", "enrolling", "active"]

DIRECTOR = "director"

# The refusal of a change made to oneself, per change.
_SELF = {
    "suspend": "staff_cannot_suspend_self",
    "archive": "staff_cannot_archive_self",
    "demote": "staff_cannot_demote_self",
}
LAST_DIRECTOR = "staff_last_director"


@dataclass(frozen=True)
class Member:
    """What the rules need of a staff member."""

    staff_id: str
    role: str
    archived: bool = False
    suspended: bool = False

    @property
    def active_director(self) -> bool:
        return self.role == DIRECTOR and not self.archived and not self.suspended


def refusal(actor_id: str, target: Member, change: Change, team: Iterable[Member]) -> str | None:
    """Why ``actor_id`` may not make ``change`` to ``target`` (a catalogue code), or None.

    ``team``: every staff member of the centre (the target included or not)."""
    if target.staff_id == actor_id:
        return _SELF[change]
    if not target.active_director:
        return None  # an animator, or a director already out of the count
    others = [m for m in team if m.staff_id != target.staff_id and m.active_director]
    return None if others else LAST_DIRECTOR


def factor_state(factor: Mapping[str, Any] | None) -> FactorState:
    """``none`` (never begun, or reset), ``enrolling`` (an app registered but not confirmed)
    or ``active`` (confirmed: asked at each sign-in)."""
    if not factor:
        return "none"
    return "active" if factor.get("confirmed") else "enrolling"
