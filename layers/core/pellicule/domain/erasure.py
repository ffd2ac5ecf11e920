"""The erasure plan (GDPR art. 17, docs/erasure.md): what happens to each item a child is
tagged on, when a request is carried out, and how long its evidence is kept.

Pure: the purge (``functions/purge/erasing.py``) reads the child's tags and their items, asks
:func:`plan`, and carries each step out (objects, then items, in its own transactions).
Tested by properties in ``tests/unit/test_erasure_plan.py``. The certificate e-mailed once a
request is carried out is a template too (:func:`certificate_email`, its words from the
message catalogue).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from pellicule.domain import emails, retention
from pellicule.domain.emails import Bullets, Paragraph, Strong

DEADLINE_SECONDS: Final = 24 * 3600  # a request is carried out within 24 hours
# Without a choice by then, the deadline wins: the items are removed.
DEFAULT_MODE_BEFORE_DEADLINE_SECONDS: Final = 3 * 3600

# A request's states.
REQUESTED: Final = "requested"
DONE: Final = "done"

# What happens to the items showing the child (the director chooses per request).
REMOVE: Final = "remove"
BLUR: Final = "blur"
MODES: Final = (REMOVE, BLUR)

# What the purge does to one item of the child's tags.
REMOVE_ITEM: Final = "remove_item"  # the item, its tags and every object version go
BLUR_OUT: Final = "blur_out"  # its blurred variant becomes its only picture
DROP_TAG: Final = "drop_tag"  # a stray tag of an item already gone

# What the purge does with a request on a run.
CARRY_OUT: Final = "carry_out"  # erase (or finish erasing, or mail the certificate)
DELETE_EVIDENCE: Final = "delete_evidence"  # the proof period is over

PHOTO: Final = "photo"


@dataclass(frozen=True)
class TaggedItem:
    """What the plan needs to know of an item the child is tagged on."""

    media_id: str
    kind: str
    tagged_child_ids: frozenset[str]
    blurred_child_ids: frozenset[str] = frozenset()  # hidden by the current face boxes
    has_blurred_variant: bool = False
    blurred_revision: int | None = None  # the boxes' revision the variant was rendered from
    blur_revision: int = 0  # the boxes' current revision
    has_renditions: bool = False
    published: bool = False


@dataclass(frozen=True)
class ItemStep:
    """One item's fate. ``untag``: the tags deleted (the child's always; with the item for
    :data:`REMOVE_ITEM`; for :data:`BLUR_OUT` every child the boxes hide), ``keep_tags``:
    those the kept item still has (:data:`BLUR_OUT`)."""

    media_id: str
    action: str
    untag: frozenset[str] = frozenset()
    keep_tags: frozenset[str] = frozenset()
    republish: bool = False  # families get new copies of the blurred picture

    @property
    def no_identifiable_child(self) -> bool:
        return not self.keep_tags


@dataclass(frozen=True)
class ErasurePlan:
    child_id: str
    mode: str
    steps: tuple[ItemStep, ...]
    # The consent evidence (history, scanned forms) and the request itself are kept as proof
    # until then, and deleted by the first purge run after it.
    evidence_until: int


@dataclass(frozen=True)
class RequestState:
    """What decides whether a run acts on a request (``ErasureRequest``'s fields)."""

    status: str
    due_by: float
    mode: str | None = None
    certificate_sent_at: float | None = None
    evidence_until: float | None = None


def effective_mode(mode: str | None) -> str:
    """The mode a request is carried out with: the director's choice, else removal."""
    return mode or REMOVE


def due(request: RequestState, now: float) -> bool:
    """Whether the purge carries an open request out now: at once when the director chose
    what happens to the items, else 3 hours before the deadline (removal)."""
    if request.status != REQUESTED:
        return False
    return bool(request.mode) or now >= request.due_by - DEFAULT_MODE_BEFORE_DEADLINE_SECONDS


def next_action(request: RequestState, now: float) -> str | None:
    """What a purge run does with a request now: carry it out (or finish it: the certificate
    not yet mailed), delete its evidence after the proof period, or nothing."""
    if due(request, now) or (request.status == DONE and request.certificate_sent_at is None):
        return CARRY_OUT
    if (
        request.status == DONE
        and request.evidence_until is not None
        and request.evidence_until <= now
    ):
        return DELETE_EVIDENCE
    return None


def can_blur(item: TaggedItem, child_id: str) -> bool:
    """A photo whose current blurred variant (rendered from today's boxes) hides the child."""
    return (
        item.kind == PHOTO
        and child_id in item.blurred_child_ids
        and item.has_blurred_variant
        and item.blurred_revision is not None
        and item.blurred_revision == item.blur_revision
        and item.has_renditions
    )


def item_step(child_id: str, mode: str, media_id: str, item: TaggedItem | None) -> ItemStep:
    """The fate of one item the child is tagged on (``None``: the item is gone)."""
    if item is None:
        return ItemStep(media_id, DROP_TAG, untag=frozenset({child_id}))
    if mode == BLUR and can_blur(item, child_id):
        # Children hidden by the boxes are no longer identifiable: they are untagged too.
        hidden = {child_id} | item.blurred_child_ids
        return ItemStep(
            media_id,
            BLUR_OUT,
            untag=frozenset(hidden & item.tagged_child_ids) | {child_id},
            keep_tags=frozenset(item.tagged_child_ids - hidden),
            republish=item.published,
        )
    return ItemStep(media_id, REMOVE_ITEM, untag=item.tagged_child_ids | {child_id})


def plan(
    child_id: str, mode: str | None, tagged: Mapping[str, TaggedItem | None], now: float
) -> ErasurePlan:
    """The erasure of ``child_id`` at ``now``: one step per item of the child's tags
    (``tagged``: media id -> the item, ``None`` when it is gone), in their order."""
    chosen = effective_mode(mode)
    steps = tuple(item_step(child_id, chosen, media_id, item) for media_id, item in tagged.items())
    return ErasurePlan(child_id, chosen, steps, retention.proof_until(now))


# --- The certificate ------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    """What the certificate e-mailed to the child's guardians says (a request carried out)."""

    child_label: str  # the child's first name and initial ("Léa M."), kept for the e-mail
    certificate_id: str
    done_at: float  # carried out (epoch seconds)
    evidence_until: float  # the consent evidence is kept until then (epoch seconds)
    removed_items: int
    blurred_items: int


def day(epoch: float) -> str:
    """A date as the certificate says it: DD/MM/YYYY (UTC)."""
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%d/%m/%Y")


def certificate_email(certificate: Certificate) -> emails.Email:
    """The certificate e-mail: what was erased, when, and how long the proof is kept
    (``emails.render`` writes it, French then English, text and HTML)."""
    return emails.Email(
        "erasure_certificate_mail_subject",
        [
            Paragraph("mail_greeting"),
            Paragraph(
                "erasure_certificate_mail_done",
                {
                    "child": certificate.child_label,
                    "date": day(certificate.done_at),
                    "certificate": Strong(certificate.certificate_id),
                },
            ),
            Bullets(
                [
                    [
                        Paragraph(
                            "erasure_certificate_mail_removed",
                            {"count": certificate.removed_items},
                        )
                    ],
                    [
                        Paragraph(
                            "erasure_certificate_mail_blurred",
                            {"count": certificate.blurred_items},
                        )
                    ],
                    [Paragraph("erasure_certificate_mail_data")],
                ]
            ),
            Paragraph("erasure_certificate_mail_proof", {"date": day(certificate.evidence_until)}),
        ],
    )
