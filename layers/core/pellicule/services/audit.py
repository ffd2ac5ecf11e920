"""Append-only, hash-chained audit log of a centre (format and choices: docs/audit.md).

Entries hold pseudonymous ids only (``staff:<id>``, ``media:<id>``, ...): never a name, an
e-mail address or a token. Each entry's hash covers the previous entry's hash, so editing,
removing or reordering an entry is detected by ``verify``. The head item (sk ``HEAD``) and the
new entry are written in one DynamoDB transaction conditioned on the head, so concurrent appends
never fork the chain or reuse a sequence number.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from pellicule.config import clock
from pellicule.domain import retention
from pellicule.store.models import AuditEntry

GENESIS_HASH = "0" * 64
# The operator's own chain (tenant creation, suspension, deletion evidence, key rotation): its
# id starts with "_", which no centre's id may (``pellicule_ops.tenants.TENANT_ID``).
PLATFORM_CHAIN = "_platform"
HEAD_SK = "HEAD"
SEQ_WIDTH = 12
RETENTION_SECONDS = 365 * 24 * 3600  # 12 months
MAX_ATTEMPTS = 30  # per append, under contention (each round lets one writer through)
MAX_BACKOFF_SECONDS = 0.2

CONSENT_ACTIONS: frozenset[str] = frozenset(
    {"consent_given", "consent_withdrawn", "consent_changed"}
)
ACTIONS: frozenset[str] = CONSENT_ACTIONS | frozenset(
    {
        "login",
        "logout",
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
        "digest",  # a daily-digest run in the centre (counts only)
        "digest_subscription",  # a guardian unsubscribed from (or back to) the digest
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
MAX_DETAILS = 16
MAX_DETAIL_LENGTH = 200


class AuditError(ValueError):
    """An entry that may not be written (unknown action, personal data, malformed id)."""


class AuditConflictError(RuntimeError):
    """The head kept moving: the append could not be ordered after MAX_ATTEMPTS tries."""


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    problem: str | None = None


# --- Pure part ----------------------------------------------------------------------------


def audit_pk(tenant_id: str) -> str:
    return f"AUDIT#{tenant_id}"


def seq_sk(seq: int) -> str:
    return f"{seq:0{SEQ_WIDTH}d}"


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


def _expires_at(action: str, at_ms: int) -> int | None:
    if action in CONSENT_ACTIONS:
        return None
    return at_ms // 1000 + RETENTION_SECONDS


def _retention_elapsed(at_ms: int, now_s: float) -> bool:
    """Whether a non-consent entry written at ``at_ms`` may have been removed by the TTL."""
    return at_ms // 1000 + RETENTION_SECONDS <= now_s


def _proof_elapsed(at_ms: int, now_s: float) -> bool:
    """Whether a consent entry written at ``at_ms`` may have been removed: its proof period
    (``pellicule.domain.retention.PROOF_SECONDS``) has ended."""
    return retention.proof_elapsed(at_ms // 1000, now_s)


# --- Writing -------------------------------------------------------------------------------


def _get_head(tenant_id: str) -> AuditEntry | None:
    try:
        return AuditEntry.get(audit_pk(tenant_id), HEAD_SK, consistent_read=True)
    except AuditEntry.DoesNotExist:
        return None


def _is_conflict(error: TransactWriteError) -> bool:
    if error.cause_response_code == "TransactionConflictException":
        return True
    reasons = error.cancellation_reasons or []
    return any(
        r is not None and r.code in {"ConditionalCheckFailed", "TransactionConflict"}
        for r in reasons
    )


class CompanionConflictError(RuntimeError):
    """A write made together with the entry failed its own condition (nothing was written)."""


@dataclass(frozen=True)
class Companion:
    """A write committed in the same transaction as the audit entry (all or nothing).

    ``op`` is ``save``, ``update`` or ``delete``; for ``update``, ``actions`` are PynamoDB
    update actions. A failed ``condition`` aborts the whole transaction and raises
    :class:`CompanionConflictError`: the caller's optimistic lock lost, nothing was written.
    """

    item: Any
    condition: Any = None
    op: Literal["save", "update", "delete"] = "save"
    actions: tuple[Any, ...] = ()


def _companion_failed(error: TransactWriteError) -> bool:
    reasons = error.cancellation_reasons or []
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons[2:])


def _add(tx: TransactWrite, companion: Companion) -> None:
    if companion.op == "save":
        tx.save(companion.item, condition=companion.condition)
    elif companion.op == "update":
        tx.update(companion.item, actions=list(companion.actions), condition=companion.condition)
    else:
        tx.delete(companion.item, condition=companion.condition)


def append(
    tenant_id: str,
    action: str,
    actor: str,
    subject: str,
    details: Mapping[str, Any] | None = None,
    at: float | None = None,
    companions: tuple[Companion, ...] = (),
) -> AuditEntry:
    """Append one entry to the tenant's chain and return it.

    ``at`` is in seconds since the epoch (default: the product clock); it is stored in
    milliseconds and never goes backwards along the chain. ``companions`` are written in the
    same transaction (at most 98): the change and its audit entry exist together or not at all.
    """
    if len(companions) > 98:
        raise AuditError("at most 98 companion writes per entry")
    if not tenant_id or not re.match(r"^[A-Za-z0-9_\-]{1,64}$", tenant_id):
        raise AuditError("tenant id must be a short pseudonymous id")
    clean = validate(action, actor, subject, details)
    wanted_ms = round((clock.now() if at is None else at) * 1000)
    pk = audit_pk(tenant_id)
    for attempt in range(MAX_ATTEMPTS):
        head = _get_head(tenant_id)
        prev_seq = int(head.seq) if head else 0
        prev_hash = head.hash if head else GENESIS_HASH
        prev_at = int(head.at) if head else 0
        prev_consents = int(head.consent_count or 0) if head else 0
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
            details=clean,
            prev_hash=prev_hash,
            prev_at=prev_at,
            consent_count=consent_count,
        )
        entry = AuditEntry(
            pk,
            seq_sk(seq),
            seq=seq,
            at=at_ms,
            action=action,
            actor=actor,
            subject=subject,
            details=dict(clean),
            prev_hash=prev_hash,
            prev_at=prev_at,
            consent_count=consent_count,
            hash=digest,
            expires_at=_expires_at(action, at_ms),
        )
        new_head = AuditEntry(
            pk, HEAD_SK, seq=seq, at=at_ms, consent_count=consent_count, hash=digest
        )
        head_condition = AuditEntry.seq == prev_seq if head else AuditEntry.pk.does_not_exist()
        try:
            with TransactWrite(connection=AuditEntry._get_connection().connection) as tx:
                tx.save(new_head, condition=head_condition)
                tx.save(entry, condition=AuditEntry.pk.does_not_exist())
                for companion in companions:
                    _add(tx, companion)
        except TransactWriteError as error:
            if _companion_failed(error):
                raise CompanionConflictError(action) from error
            if not _is_conflict(error):
                raise
            # Full jitter, exponential up to a cap: contenders spread out instead of colliding.
            delay = min(MAX_BACKOFF_SECONDS, 0.005 * 2**attempt)
            time.sleep(random.uniform(0, delay))  # noqa: S311 - jitter, not a secret
            continue
        return entry
    raise AuditConflictError(f"could not append to the audit log of {tenant_id!r}")


# --- Reading -------------------------------------------------------------------------------


def _entries(tenant_id: str) -> Iterator[AuditEntry]:
    """Every entry item of the tenant in sort-key order (consistent, paginated by PynamoDB)."""
    return AuditEntry.query(
        audit_pk(tenant_id),
        AuditEntry.sk.between(seq_sk(0), "9" * SEQ_WIDTH),
        consistent_read=True,
        scan_index_forward=True,
    )


def _details(entry: AuditEntry) -> dict[str, Any]:
    raw = entry.details
    if raw is None:
        return {}
    return dict(raw.as_dict()) if hasattr(raw, "as_dict") else dict(raw)


def _entry_hash(tenant_id: str, entry: AuditEntry) -> str:
    return compute_hash(
        tenant=tenant_id,
        seq=int(entry.seq),
        at=int(entry.at),
        action=entry.action or "",
        actor=entry.actor or "",
        subject=entry.subject or "",
        details=_details(entry),
        prev_hash=entry.prev_hash or "",
        prev_at=int(entry.prev_at or 0),
        consent_count=int(entry.consent_count or 0),
    )


def has_log(tenant_id: str) -> bool:
    return _get_head(tenant_id) is not None or next(iter(_entries(tenant_id)), None) is not None


def verify(tenant_id: str, now: float | None = None) -> VerifyReport:
    """Walk the tenant's chain in order and report the first inconsistency, if any.

    A run of missing entries is accepted only where retention explains it: the entry after
    the gap records the time of its predecessor (``prev_at``) and how many consent entries
    precede it (``consent_count``); the gap is legitimate when that predecessor's 12 months
    have elapsed and no consent entry is among the missing ones - or, if some are, when the
    predecessor's proof period (five years: consent entries are kept as proof) has elapsed.
    """
    now_s = clock.now() if now is None else now
    head = _get_head(tenant_id)
    walk = _ChainWalk()
    for entry in _entries(tenant_id):
        problem = _entry_problem(tenant_id, entry, walk, now_s)
        if problem is not None:
            return walk.broken(*problem)
        walk.advance(entry)
    return _head_report(head, walk, now_s)


@dataclass
class _ChainWalk:
    """How far :func:`verify` got: entries checked and the last one's seq, hash and consents."""

    checked: int = 0
    prev: AuditEntry | None = None
    seq: int = 0
    hash: str = GENESIS_HASH
    consents: int = 0

    def broken(self, seq: int, problem: str) -> VerifyReport:
        return VerifyReport(False, self.checked, seq, problem)

    def advance(self, entry: AuditEntry) -> None:
        self.checked += 1
        self.prev = entry
        self.seq, self.hash, self.consents = (
            int(entry.seq),
            entry.hash,
            int(entry.consent_count or 0),
        )


def _entry_problem(
    tenant_id: str, entry: AuditEntry, walk: _ChainWalk, now_s: float
) -> tuple[int, str] | None:
    """The first inconsistency of ``entry`` after what ``walk`` has seen: (seq, problem)."""
    seq = int(entry.seq)
    position = int(entry.sk)
    if seq != position:
        return min(seq, position), f"entry stored at position {position} carries seq {seq}"
    if seq <= walk.seq:
        return seq, f"seq {seq} does not follow seq {walk.seq}"
    if entry.hash != _entry_hash(tenant_id, entry):
        return seq, "content does not match its hash (entry edited)"
    own_consent = 1 if entry.action in CONSENT_ACTIONS else 0
    if seq == walk.seq + 1:
        return _link_problem(entry, seq, own_consent, walk)
    missing = walk.seq + 1
    gap_at = int(entry.prev_at or 0)  # the last missing entry's time (the newest)
    return _gap_problem(
        missing,
        seq - 1,
        with_consent=int(entry.consent_count or 0) - own_consent != walk.consents,
        at=gap_at,
        now_s=now_s,
    )


def _link_problem(
    entry: AuditEntry, seq: int, own_consent: int, walk: _ChainWalk
) -> tuple[int, str] | None:
    """An entry right after the previous one must carry on its consent count, hash and time."""
    if int(entry.consent_count or 0) != walk.consents + own_consent:
        return seq, "consent counter does not follow the previous entry"
    if entry.prev_hash != walk.hash:
        return seq, "previous hash does not match the previous entry"
    if walk.prev is not None and int(entry.prev_at or 0) != int(walk.prev.at):
        return seq, "previous time does not match the previous entry"
    return None


def _gap_problem(
    first: int, last: int, *, with_consent: bool, at: int, now_s: float
) -> tuple[int, str] | None:
    """Entries ``first..last`` missing, the newest of them written at ``at`` (ms): legitimate
    once its retention (or, for a run with a consent entry, its proof period) has elapsed."""
    if with_consent:
        if not _proof_elapsed(at, now_s):
            return first, f"entries {first}..{last} missing (incl. consent)"
    elif not _retention_elapsed(at, now_s):
        return first, f"entries {first}..{last} missing before retention"
    return None


def _head_report(head: AuditEntry | None, walk: _ChainWalk, now_s: float) -> VerifyReport:
    """The chain head against the last entry walked (a missing tail only past retention)."""
    if head is None:
        if walk.checked == 0:
            return VerifyReport(False, 0, None, "no audit entries for this tenant")
        return walk.broken(walk.seq, "chain head is missing")
    head_seq = int(head.seq)
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
        with_consent=int(head.consent_count or 0) != walk.consents,
        at=int(head.at),
        now_s=now_s,
    )
    if problem is not None:
        return walk.broken(*problem)
    return VerifyReport(True, walk.checked)


# --- Export --------------------------------------------------------------------------------

EXPORT_FIELDS = ("seq", "time", "action", "actor", "subject", "details", "prev_hash", "hash")


def iso_utc(at_ms: int) -> str:
    moment = datetime.fromtimestamp(at_ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def export_rows(tenant_id: str) -> list[dict[str, Any]]:
    return [
        {
            "seq": int(entry.seq),
            "time": iso_utc(int(entry.at)),
            "action": entry.action,
            "actor": entry.actor,
            "subject": entry.subject,
            "details": _details(entry),
            "prev_hash": entry.prev_hash,
            "hash": entry.hash,
        }
        for entry in _entries(tenant_id)
    ]


def export(tenant_id: str, fmt: Literal["json", "csv"] = "json") -> str:
    """Every surviving entry in order, as a JSON array or a CSV file (details JSON-encoded)."""
    rows = export_rows(tenant_id)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {**row, "details": json.dumps(row["details"], sort_keys=True, ensure_ascii=False)}
            )
        return buffer.getvalue()
    raise ValueError(f"unknown export format {fmt!r} (json or csv)")
