"""The audit chain's rules, without I/O (format and choices: docs/audit.md).

What an entry may hold (pseudonymous references, no e-mail address), how it is hashed (the
canonical JSON of every field but its hash and TTL), how the next entry follows the chain head
(the append rule), how long an entry is kept, and the verify walk: given the head and the
entries in storage order, the first inconsistency a reader can prove. Entries are plain
:class:`ChainEntry` values; the store (``pellicule.store.audit``) reads and writes them, and
time always comes as a parameter.

Changing :func:`canonical_json` or :func:`compute_hash` breaks every existing chain
(``tests/unit/test_audit_chain.py`` pins a known vector).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pellicule.domain import retention

GENESIS_HASH = "0" * 64
# The operator's own chain (tenant creation, suspension, deletion evidence, key rotation): its
# id starts with "_", which no centre's id may (``pellicule_ops.tenants.TENANT_ID``).
PLATFORM_CHAIN = "_platform"
RETENTION_SECONDS = 365 * 24 * 3600  # 12 months

CONSENT_ACTIONS: frozenset[str] = frozenset(
    {"consent_given", "consent_withdrawn", "consent_changed"}
)
ACTIONS: frozenset[str] = CONSENT_ACTIONS | frozenset(
    {
        "login",
        "logout",
        "device_trusted",  # a family member kept a browser signed in (a trusted device)
        "device_ended",  # a trusted device ended: revoked, signed out, reused, expired...
        "upload",
        "validation",
        "publication",
        "unpublication",
        "view",
        "download",
        "purge",
        "erasure",
        "erasure_requested",  # a guardian (or the director for them) asked for an erasure
        "settings_changed",
        "faces_edited",
        "tagging",
        "roster_changed",
        "album_changed",  # an album created or re-dated (its date bounds its retention)
        "caption_changed",  # an album's or an item's caption set or removed (never its text)
        "digest",  # a daily-digest run in the centre (counts only)
        "digest_subscription",  # a guardian unsubscribed from (or back to) the digest
        "relative_invited",  # issue 17: a guardian invited a relative (docs/relatives.md)
        "relative_revoked",  # issue 17: a guardian revoked a relative
        "staff_invited",  # issue 18: a director added a staff member (was the e-mail sent)
        "consent_campaign",  # issue 18: a consent campaign started, sent, reminded or closed
        # The operator's actions (``pellicule`` CLI), on the platform chain (PLATFORM_CHAIN)
        # or the centre's own.
        "tenant_created",
        "tenant_suspended",
        "tenant_resumed",
        "tenant_deleted",
        "tenant_exported",
        "director_invited",
        "key_rotated",
    }
)

# A pseudonymous reference: "<kind>:<id>", the id made of URL-safe characters only (no "@").
_REF = re.compile(r"^[a-z][a-z_]{1,23}:[A-Za-z0-9_.\-]{1,64}$")
_DETAIL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_EMAIL_LIKE = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+|[^\s@]+@[^\s@]+|@[^\s@]+\.[a-z]{2,}", re.I)
_TENANT_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
MAX_DETAILS = 16
MAX_DETAIL_LENGTH = 200


class AuditError(ValueError):
    """An entry that may not be written (unknown action, personal data, malformed id)."""


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    problem: str | None = None
    pending: int = 0  # views/downloads recorded, well-formed, waiting to be chained
    broken_event: str | None = None  # the sort key of a malformed or altered pending event


@dataclass(frozen=True)
class PendingEvent:
    """A view or download recorded but not yet chained (docs/audit.md, "Batched entries").

    ``key`` is its sort key (``PENDING#<at:013d>#<id>``); ``digest`` the SHA-256 of its content
    and key (:func:`event_digest`): not a secret, so it catches a damaged event, not a forger.
    """

    key: str
    at: int
    action: str
    actor: str
    subject: str
    details: Mapping[str, Any]
    digest: str


@dataclass(frozen=True)
class ChainHead:
    """The chain head: ``seq``, ``at`` (ms), ``consent_count`` and ``hash`` of the last entry."""

    seq: int
    at: int
    consent_count: int
    hash: str


@dataclass(frozen=True)
class ChainEntry:
    """One entry as stored. ``position`` is the number its sort key carries (equal to ``seq``
    unless someone moved it); ``at`` and ``prev_at`` are epoch milliseconds."""

    position: int
    seq: int
    at: int
    action: str
    actor: str
    subject: str
    details: Mapping[str, Any]
    prev_hash: str
    prev_at: int
    consent_count: int
    hash: str

    @property
    def head(self) -> ChainHead:
        """The chain head once this entry is the last one."""
        return ChainHead(self.seq, self.at, self.consent_count, self.hash)


# --- Hashing -------------------------------------------------------------------------------


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8 (not ASCII-escaped): the bytes that are hashed."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def compute_hash(
    *,
    tenant: str,
    seq: int,
    at: int,
    action: str,
    actor: str,
    subject: str,
    details: Mapping[str, str | int],
    prev_hash: str,
    prev_at: int,
    consent_count: int,
) -> str:
    """SHA-256 (hex) of the canonical JSON of every field of an entry but its hash and TTL."""
    payload = {
        "tenant": tenant,
        "seq": int(seq),
        "at": int(at),
        "action": action,
        "actor": actor,
        "subject": subject,
        "details": dict(details),
        "prev_hash": prev_hash,
        "prev_at": int(prev_at),
        "consent_count": int(consent_count),
    }
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def entry_hash(tenant_id: str, entry: ChainEntry) -> str:
    """The hash ``entry`` must carry (computed from its other fields)."""
    return compute_hash(
        tenant=tenant_id,
        seq=entry.seq,
        at=entry.at,
        action=entry.action,
        actor=entry.actor,
        subject=entry.subject,
        details=entry.details,
        prev_hash=entry.prev_hash,
        prev_at=entry.prev_at,
        consent_count=entry.consent_count,
    )


# --- What may be written -------------------------------------------------------------------


def looks_like_email(value: str) -> bool:
    return bool(_EMAIL_LIKE.search(value))


def validate(
    action: str, actor: str, subject: str, details: Mapping[str, Any] | None
) -> dict[str, str | int]:
    """Check an entry before it is written; return its details as a plain dict."""
    if action not in ACTIONS:
        raise AuditError(f"unknown audit action {action!r}")
    for name, ref in (("actor", actor), ("subject", subject)):
        if not isinstance(ref, str) or not _REF.match(ref):
            raise AuditError(f"{name} must be a pseudonymous reference such as 'staff:<id>'")
    clean: dict[str, str | int] = {}
    for key, value in (details or {}).items():
        if not isinstance(key, str) or not _DETAIL_KEY.match(key):
            raise AuditError(f"detail key {key!r} must be a short snake_case word")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise AuditError(f"detail {key!r} must be a short string or an integer")
        if isinstance(value, str):
            if len(value) > MAX_DETAIL_LENGTH:
                raise AuditError(f"detail {key!r} is longer than {MAX_DETAIL_LENGTH} characters")
            if looks_like_email(value):
                raise AuditError(f"detail {key!r} looks like an e-mail address (personal data)")
        clean[key] = value
    if len(clean) > MAX_DETAILS:
        raise AuditError(f"at most {MAX_DETAILS} details per entry")
    return clean


def validate_tenant_id(tenant_id: str) -> None:
    """A chain belongs to a short pseudonymous id (a centre's, or ``PLATFORM_CHAIN``)."""
    if not tenant_id or not _TENANT_ID.match(tenant_id):
        raise AuditError("tenant id must be a short pseudonymous id")


# --- Batched events (views and downloads) --------------------------------------------------

BATCHED_ACTIONS = frozenset({"view", "download"})


def event_digest(
    tenant_id: str,
    key: str,
    at: int,
    action: str,
    actor: str,
    subject: str,
    details: Mapping[str, Any],
) -> str:
    """SHA-256 (hex) of a pending event's canonical JSON, bound to its tenant and sort key."""
    payload = {
        "tenant": tenant_id,
        "key": key,
        "at": at,
        "action": action,
        "actor": actor,
        "subject": subject,
        "details": dict(details),
    }
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def pending_problem(tenant_id: str, event: PendingEvent) -> str | None:
    """Why a pending event may not be chained as it is (``None``: it may): not a view or a
    download, a content the writer would refuse, a key that does not carry its time, or a
    digest that does not match (the event was changed or damaged after it was recorded)."""
    if event.action not in BATCHED_ACTIONS:
        return f"pending event {event.key} is a {event.action!r}, not a view or a download"
    try:
        validate(event.action, event.actor, event.subject, event.details)
    except AuditError as error:
        return f"pending event {event.key} is malformed: {error}"
    if not event.key.startswith(f"PENDING#{event.at:013d}#"):
        return f"pending event {event.key} does not carry its time in its key"
    expected = event_digest(
        tenant_id, event.key, event.at, event.action, event.actor, event.subject, event.details
    )
    if expected != event.digest:
        return f"pending event {event.key} was altered after it was recorded"
    return None


def chain_batch(
    tenant_id: str, head: ChainHead | None, events: Iterable[PendingEvent]
) -> list[ChainEntry]:
    """The entries that chain ``events`` (in the given order) after ``head``, by the same rule
    as one append each: the batch writer's chain is the chain a direct append would build."""
    built: list[ChainEntry] = []
    current = head
    for event in events:
        entry = next_entry(
            tenant_id,
            current,
            event.action,
            event.actor,
            event.subject,
            validate(event.action, event.actor, event.subject, event.details),
            event.at,
        )
        built.append(entry)
        current = entry.head
    return built


# --- The append rule -----------------------------------------------------------------------


def next_entry(
    tenant_id: str,
    head: ChainHead | None,
    action: str,
    actor: str,
    subject: str,
    details: Mapping[str, str | int],
    wanted_ms: int,
) -> ChainEntry:
    """The entry that follows ``head`` (``None``: the chain is empty), hashed.

    Its time is ``wanted_ms`` unless that is before the head's: time never goes backwards
    along a chain. ``details`` must have passed :func:`validate`.
    """
    prev_seq = head.seq if head else 0
    prev_hash = head.hash if head else GENESIS_HASH
    prev_at = head.at if head else 0
    prev_consents = head.consent_count if head else 0
    seq = prev_seq + 1
    at_ms = max(wanted_ms, prev_at)
    consent_count = prev_consents + (1 if action in CONSENT_ACTIONS else 0)
    digest = compute_hash(
        tenant=tenant_id,
        seq=seq,
        at=at_ms,
        action=action,
        actor=actor,
        subject=subject,
        details=details,
        prev_hash=prev_hash,
        prev_at=prev_at,
        consent_count=consent_count,
    )
    return ChainEntry(
        position=seq,
        seq=seq,
        at=at_ms,
        action=action,
        actor=actor,
        subject=subject,
        details=details,
        prev_hash=prev_hash,
        prev_at=prev_at,
        consent_count=consent_count,
        hash=digest,
    )


# --- Retention -----------------------------------------------------------------------------


def expires_at(action: str, at_ms: int) -> int | None:
    """The TTL (epoch seconds) of an entry: none on consent entries (kept as proof)."""
    if action in CONSENT_ACTIONS:
        return None
    return at_ms // 1000 + RETENTION_SECONDS


def retention_elapsed(at_ms: int, now_s: float) -> bool:
    """Whether a non-consent entry written at ``at_ms`` may have been removed by the TTL."""
    return at_ms // 1000 + RETENTION_SECONDS <= now_s


def proof_elapsed(at_ms: int, now_s: float) -> bool:
    """Whether a consent entry written at ``at_ms`` may have been removed: its proof period
    (``pellicule.domain.retention.PROOF_SECONDS``) has ended."""
    return retention.proof_elapsed(at_ms // 1000, now_s)


# --- The verify walk -----------------------------------------------------------------------


def verify(
    tenant_id: str, head: ChainHead | None, entries: Iterable[ChainEntry], now_s: float
) -> VerifyReport:
    """Walk the chain's entries (in storage order) and report the first inconsistency, if any.

    A run of missing entries is accepted only where retention explains it: the entry after
    the gap records the time of its predecessor (``prev_at``) and how many consent entries
    precede it (``consent_count``); the gap is legitimate when that predecessor's 12 months
    have elapsed and no consent entry is among the missing ones - or, if some are, when the
    predecessor's proof period (five years: consent entries are kept as proof) has elapsed.
    ``entries`` is consumed lazily: the walk stops at the first problem.
    """
    walk = _ChainWalk()
    for entry in entries:
        problem = _entry_problem(tenant_id, entry, walk, now_s)
        if problem is not None:
            return walk.broken(*problem)
        walk.advance(entry)
    return _head_report(head, walk, now_s)


@dataclass
class _ChainWalk:
    """How far :func:`verify` got: entries checked and the last one's seq, hash and consents."""

    checked: int = 0
    prev: ChainEntry | None = None
    seq: int = 0
    hash: str = GENESIS_HASH
    consents: int = 0

    def broken(self, seq: int, problem: str) -> VerifyReport:
        return VerifyReport(False, self.checked, seq, problem)

    def advance(self, entry: ChainEntry) -> None:
        self.checked += 1
        self.prev = entry
        self.seq, self.hash, self.consents = entry.seq, entry.hash, entry.consent_count


def _entry_problem(
    tenant_id: str, entry: ChainEntry, walk: _ChainWalk, now_s: float
) -> tuple[int, str] | None:
    """The first inconsistency of ``entry`` after what ``walk`` has seen: (seq, problem)."""
    seq = entry.seq
    position = entry.position
    if seq != position:
        return min(seq, position), f"entry stored at position {position} carries seq {seq}"
    if seq <= walk.seq:
        return seq, f"seq {seq} does not follow seq {walk.seq}"
    if entry.hash != entry_hash(tenant_id, entry):
        return seq, "content does not match its hash (entry edited)"
    own_consent = 1 if entry.action in CONSENT_ACTIONS else 0
    if seq == walk.seq + 1:
        return _link_problem(entry, seq, own_consent, walk)
    missing = walk.seq + 1
    gap_at = entry.prev_at  # the last missing entry's time (the newest)
    return _gap_problem(
        missing,
        seq - 1,
        with_consent=entry.consent_count - own_consent != walk.consents,
        at=gap_at,
        now_s=now_s,
    )


def _link_problem(
    entry: ChainEntry, seq: int, own_consent: int, walk: _ChainWalk
) -> tuple[int, str] | None:
    """An entry right after the previous one must carry on its consent count, hash and time."""
    if entry.consent_count != walk.consents + own_consent:
        return seq, "consent counter does not follow the previous entry"
    if entry.prev_hash != walk.hash:
        return seq, "previous hash does not match the previous entry"
    if walk.prev is not None and entry.prev_at != walk.prev.at:
        return seq, "previous time does not match the previous entry"
    return None


def _gap_problem(
    first: int, last: int, *, with_consent: bool, at: int, now_s: float
) -> tuple[int, str] | None:
    """Entries ``first..last`` missing, the newest of them written at ``at`` (ms): legitimate
    once its retention (or, for a run with a consent entry, its proof period) has elapsed."""
    if with_consent:
        if not proof_elapsed(at, now_s):
            return first, f"entries {first}..{last} missing (incl. consent)"
    elif not retention_elapsed(at, now_s):
        return first, f"entries {first}..{last} missing before retention"
    return None


def _head_report(head: ChainHead | None, walk: _ChainWalk, now_s: float) -> VerifyReport:
    """The chain head against the last entry walked (a missing tail only past retention)."""
    if head is None:
        if walk.checked == 0:
            return VerifyReport(False, 0, None, "no audit entries for this tenant")
        return walk.broken(walk.seq, "chain head is missing")
    head_seq = head.seq
    if head_seq < walk.seq:
        return walk.broken(head_seq + 1, f"entry {head_seq + 1} is beyond the chain head")
    if head_seq == walk.seq:
        if head.hash != walk.hash:
            return walk.broken(head_seq, "last entry does not match the chain head")
        return VerifyReport(True, walk.checked)
    # Tail missing: legitimate only if retention explains it.
    problem = _gap_problem(
        walk.seq + 1,
        head_seq,
        with_consent=head.consent_count != walk.consents,
        at=head.at,
        now_s=now_s,
    )
    if problem is not None:
        return walk.broken(*problem)
    return VerifyReport(True, walk.checked)


# --- Export --------------------------------------------------------------------------------


def iso_utc(at_ms: int) -> str:
    moment = datetime.fromtimestamp(at_ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
