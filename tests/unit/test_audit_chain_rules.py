"""Property tests of the audit chain's rules (docs/audit.md, ``pellicule.domain.audit_chain``).

A random chain is built by the append rule (``next_entry``), as ``append`` builds it; the
verify walk must accept it whole, and catch any entry removed, altered, re-ordered or
inserted while retention cannot explain it. What DynamoDB's TTL removes (non-consent entries
past their 12 months) must still verify.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from pellicule.domain.audit_chain import (
    ACTIONS,
    CONSENT_ACTIONS,
    GENESIS_HASH,
    RETENTION_SECONDS,
    ChainEntry,
    ChainHead,
    VerifyReport,
    canonical_json,
    compute_hash,
    entry_hash,
    next_entry,
    validate,
    verify,
)
from pellicule.domain.retention import DAY, PROOF_SECONDS

TENANT = "tchain"
START_MS = 1_780_000_000_000  # 2026-05-28 (the draws move on from it)
# Consent actions first: sampled_from shrinks towards them, the entries verify treats apart.
ACTION_LIST = sorted(CONSENT_ACTIONS) + sorted(ACTIONS - CONSENT_ACTIONS)
REFS = ("staff:s1", "staff:s-2", "guardian:g1", "child:c1", "media:m.1", "system:purge")
DETAIL_KEYS = ("kind", "bytes", "album", "note", "count")
detail_values = st.integers(-(2**40), 2**40) | st.text(
    alphabet=st.characters(exclude_characters="@", exclude_categories=("Cs",)), max_size=30
)
details_dicts = st.dictionaries(st.sampled_from(DETAIL_KEYS), detail_values, max_size=4)


@dataclass(frozen=True)
class Chain:
    entries: tuple[ChainEntry, ...]

    @property
    def head(self) -> ChainHead | None:
        return self.entries[-1].head if self.entries else None

    @property
    def last_at_s(self) -> int:
        return self.entries[-1].at // 1000

    def verify(
        self,
        entries: tuple[ChainEntry, ...] | list[ChainEntry] | None = None,
        *,
        head: ChainHead | None = None,
        now: float | None = None,
    ) -> VerifyReport:
        """Verify ``entries`` (default: the chain's) against ``head`` (default: the chain's),
        by default a minute after the last entry (within everyone's retention)."""
        chosen = self.entries if entries is None else entries
        stored = sorted(chosen, key=lambda e: e.position)  # DynamoDB returns sort-key order
        moment = self.last_at_s + 60 if now is None else now
        return verify(TENANT, self.head if head is None else head, stored, moment)


@st.composite
def steps(draw: st.DrawFn) -> tuple[str, str, str, dict[str, Any], int]:
    """One append: action, actor, subject, details and the clock's step (ms, may go back)."""
    return (
        draw(st.sampled_from(ACTION_LIST)),
        draw(st.sampled_from(REFS)),
        draw(st.sampled_from(REFS)),
        draw(details_dicts),
        draw(st.integers(-5_000, 3 * DAY * 1000)),
    )


def build(all_steps: list[tuple[str, str, str, dict[str, Any], int]]) -> Chain:
    head: ChainHead | None = None
    wanted = START_MS
    entries: list[ChainEntry] = []
    for action, actor, subject, details, step in all_steps:
        wanted += step
        entry = next_entry(
            TENANT, head, action, actor, subject, validate(action, actor, subject, details), wanted
        )
        entries.append(entry)
        head = entry.head
    return Chain(tuple(entries))


def chains(min_size: int = 1) -> st.SearchStrategy[Chain]:
    return st.lists(steps(), min_size=min_size, max_size=12).map(build)


def rehashed(entry: ChainEntry) -> ChainEntry:
    """A forger's re-hash: the entry made consistent with its own (changed) content."""
    return replace(entry, hash=entry_hash(TENANT, entry))


# --- The append rule -----------------------------------------------------------------------


@given(chains(min_size=0), st.integers(0, 10 * 365 * DAY))
def test_a_chain_built_by_the_append_rule_always_verifies(chain: Chain, later: int) -> None:
    if not chain.entries:
        assert not chain.verify(now=START_MS // 1000).ok  # nothing to verify
        return
    assert chain.verify() == VerifyReport(True, len(chain.entries))
    assert chain.verify(now=chain.last_at_s + later) == VerifyReport(True, len(chain.entries))
    previous_hash, previous_at, consents = GENESIS_HASH, 0, 0
    for seq, entry in enumerate(chain.entries, start=1):
        consents += entry.action in CONSENT_ACTIONS
        assert (entry.seq, entry.position, entry.consent_count) == (seq, seq, consents)
        assert (entry.prev_hash, entry.prev_at) == (previous_hash, previous_at)
        assert entry.at >= previous_at  # time never goes backwards along a chain
        assert entry.hash == entry_hash(TENANT, entry)
        previous_hash, previous_at = entry.hash, entry.at


# --- Tampering -----------------------------------------------------------------------------


@given(chains(), st.data())
def test_any_removed_entry_is_caught_within_retention(chain: Chain, data: st.DataObject) -> None:
    seqs = [e.seq for e in chain.entries]
    removed = data.draw(st.sets(st.sampled_from(seqs), min_size=1))
    kept = [e for e in chain.entries if e.seq not in removed]
    report = chain.verify(kept)
    assert not report.ok
    assert report.first_broken_seq == min(removed)


@given(chains(), st.data())
def test_a_removed_consent_entry_is_caught_until_its_proof_period_ends(
    chain: Chain, data: st.DataObject
) -> None:
    consents = [e.seq for e in chain.entries if e.action in CONSENT_ACTIONS]
    assume(consents)
    removed = data.draw(st.sets(st.sampled_from([e.seq for e in chain.entries]), min_size=1))
    removed |= {data.draw(st.sampled_from(consents))}
    # Past everyone's 12 months, before the first entry's proof period ends.
    first_s = chain.entries[0].at // 1000
    now = data.draw(st.integers(chain.last_at_s + RETENTION_SECONDS, first_s + PROOF_SECONDS - 1))
    kept = [e for e in chain.entries if e.seq not in removed]
    assert not chain.verify(kept, now=now).ok


@given(chains(), st.data())
def test_what_the_ttl_removes_still_verifies(chain: Chain, data: st.DataObject) -> None:
    """Non-consent entries past their 12 months may go (in any order); consent entries stay
    until their proof period ends, and after it anything may go."""
    ordinary = [e.seq for e in chain.entries if e.action not in CONSENT_ACTIONS]
    removed = data.draw(st.sets(st.sampled_from(ordinary))) if ordinary else set()
    kept = [e for e in chain.entries if e.seq not in removed]
    after_retention = chain.last_at_s + RETENTION_SECONDS + data.draw(st.integers(0, DAY))
    assert chain.verify(kept, now=after_retention) == VerifyReport(True, len(kept))
    anything = data.draw(st.sets(st.sampled_from([e.seq for e in chain.entries])))
    kept = [e for e in chain.entries if e.seq not in anything]
    after_proof = chain.last_at_s + PROOF_SECONDS
    assert chain.verify(kept, now=after_proof) == VerifyReport(True, len(kept))


ALTERATIONS = (
    "action",
    "actor",
    "subject",
    "details",
    "at",
    "prev_at",
    "prev_hash",
    "consent_count",
    "seq",
    "hash",
)


def altered(entry: ChainEntry, what: str, data: st.DataObject) -> ChainEntry:
    """``entry`` with one field changed to a different value."""
    new: Any
    if what in {"action", "actor", "subject"}:
        choices = ACTION_LIST if what == "action" else list(REFS)
        new = data.draw(st.sampled_from([c for c in choices if c != getattr(entry, what)]))
    elif what == "details":
        new = data.draw(details_dicts.filter(lambda d: d != dict(entry.details)))
    elif what in {"prev_hash", "hash"}:
        new = data.draw(st.text("0123456789abcdef", min_size=64, max_size=64))
        assume(new != getattr(entry, what))
    else:
        new = getattr(entry, what) + data.draw(st.integers(-3, 3).filter(bool))
    return replace(entry, **{what: new})


@given(chains(), st.data())
def test_any_altered_entry_is_caught(chain: Chain, data: st.DataObject) -> None:
    """Edited in place, with or without a forged re-hash of the edited entry (a forger who
    rewrites every later entry and the head as well is out of reach: docs/audit.md)."""
    index = data.draw(st.integers(0, len(chain.entries) - 1))
    what = data.draw(st.sampled_from(ALTERATIONS))
    entry = altered(chain.entries[index], what, data)
    if what != "hash" and data.draw(st.booleans()):
        entry = rehashed(entry)
    entries = list(chain.entries)
    entries[index] = entry
    report = chain.verify(entries)
    assert not report.ok
    assert report.first_broken_seq is not None
    assert report.first_broken_seq <= chain.entries[index].seq + 1


@given(chains(min_size=2), st.data())
def test_any_reordering_is_caught(chain: Chain, data: st.DataObject) -> None:
    """Entries moved to other sort keys, carrying their seq along or renumbered to fit."""
    order = data.draw(st.permutations(range(len(chain.entries))))
    assume(list(order) != sorted(order))
    renumber = data.draw(st.booleans())
    moved = []
    for position, index in enumerate(order, start=1):
        entry = replace(chain.entries[index], position=position)
        moved.append(replace(entry, seq=position) if renumber else entry)
    assert not chain.verify(moved).ok


@given(chains(), st.data())
def test_any_inserted_entry_is_caught(chain: Chain, data: st.DataObject) -> None:
    """A well-formed entry slipped in after entry ``index``: the later entries move one sort
    key down (renumbered or not), the head is left alone or moved on by one."""
    index = data.draw(st.integers(0, len(chain.entries)))
    before = chain.entries[index - 1].head if index else None
    action, actor, subject, details, step = data.draw(steps())
    wanted = (before.at if before else START_MS) + abs(step)
    forged = next_entry(
        TENANT, before, action, actor, subject, validate(action, actor, subject, details), wanted
    )
    renumber = data.draw(st.booleans())
    later = [
        replace(e, position=e.position + 1, seq=e.seq + (1 if renumber else 0))
        for e in chain.entries[index:]
    ]
    entries = [*chain.entries[:index], forged, *later]
    head = chain.head
    if index < len(chain.entries) and head is not None and data.draw(st.booleans()):
        head = replace(head, seq=head.seq + 1)
    report = chain.verify(entries, head=head)
    assert not report.ok
    assert report.first_broken_seq is not None
    assert report.first_broken_seq <= forged.seq + 1


# --- Hashing -------------------------------------------------------------------------------


@given(
    st.dictionaries(st.sampled_from(DETAIL_KEYS), detail_values, max_size=5),
    st.randoms(use_true_random=False),
    st.sampled_from(ACTION_LIST),
    st.integers(0, 2**45),
)
def test_the_hash_is_independent_of_key_order(
    details: dict[str, Any], rnd: Any, action: str, at: int
) -> None:
    fields: dict[str, Any] = {
        "tenant": TENANT,
        "seq": 3,
        "at": at,
        "action": action,
        "actor": "staff:s1",
        "subject": "media:m1",
        "details": details,
        "prev_hash": "f" * 64,
        "prev_at": at - 1,
        "consent_count": 1,
    }
    shuffled_details = list(details.items())
    rnd.shuffle(shuffled_details)
    shuffled_fields = list({**fields, "details": dict(shuffled_details)}.items())
    rnd.shuffle(shuffled_fields)
    assert compute_hash(**dict(shuffled_fields)) == compute_hash(**fields)
    assert canonical_json(dict(shuffled_fields)) == canonical_json(fields)
    entry = next_entry(TENANT, None, action, "staff:s1", "media:m1", details, at)
    reordered = next_entry(TENANT, None, action, "staff:s1", "media:m1", dict(shuffled_details), at)
    assert entry.hash == reordered.hash
