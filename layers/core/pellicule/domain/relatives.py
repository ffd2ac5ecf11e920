"""The rules of relatives (issue 17, docs/relatives.md): a guardian invites up to
:data:`MAX_PER_GUARDIAN` relatives (grandparents...), who see at most what that guardian's
family sees, live, and never act on the family's behalf.

Pure: the use cases (``pellicule.services.relatives``, ``functions/family``) read the items
and ask these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

KIND: Final = "relative"  # the principal kind (and role) of a relative's session
MAX_PER_GUARDIAN: Final = 4


@dataclass(frozen=True)
class Inviter:
    """What the rules read of the guardian who invited a relative (None: no such guardian)."""

    archived: bool
    child_count: int  # the children the guardian is linked to


def open_to(revoked: bool, inviter: Inviter | None) -> bool:
    """Whether a relative may be signed in and see anything: not revoked, and their guardian
    exists, is not archived and still has a child. Checked on every request (a centre's
    suspension is checked with every session, ``pellicule.api.http``)."""
    return not revoked and inviter is not None and not inviter.archived and inviter.child_count > 0


def may_invite(active_relatives: int) -> bool:
    """A guardian may invite one more relative while below the limit (the store holds the
    same limit again at write time)."""
    return active_relatives < MAX_PER_GUARDIAN


def may_download(centre_allows: bool, guardian_allows: bool) -> bool:
    """A relative downloads only where the centre allows it AND their guardian allowed it."""
    return centre_allows and guardian_allows
