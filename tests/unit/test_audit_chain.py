"""The audit log's pure part: canonical hashing and the refusal of personal data."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pellicule.domain import audit_chain
from pellicule.services import audit

BASE: dict[str, Any] = {
    "tenant": "t1",
    "seq": 7,
    "at": 1_780_000_000_123,
    "action": "upload",
    "actor": "staff:s1",
    "subject": "media:m1",
    "details": {"kind": "photo", "bytes": 1024},
    "prev_hash": "a" * 64,
    "prev_at": 1_780_000_000_000,
    "consent_count": 2,
}


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert audit.canonical_json({"b": 1, "a": {"d": "é", "c": [1, 2]}}) == (
        '{"a":{"c":[1,2],"d":"é"},"b":1}'.encode()
    )


def test_hash_is_stable_and_independent_of_key_order() -> None:
    first = audit.compute_hash(**BASE)
    reordered = dict(reversed(list(BASE.items())))
    reordered["details"] = {"bytes": 1024, "kind": "photo"}
    assert audit.compute_hash(**reordered) == first
    assert len(first) == 64
    assert first == audit.compute_hash(**BASE)


def test_hash_known_vector() -> None:
    """Any change to the canonical form is a breaking change of the format (docs/audit.md)."""
    import hashlib

    expected = hashlib.sha256(
        b'{"action":"upload","actor":"staff:s1","at":1780000000123,"consent_count":2,'
        b'"details":{"bytes":1024,"kind":"photo"},"prev_at":1780000000000,'
        b'"prev_hash":"' + b"a" * 64 + b'","seq":7,"subject":"media:m1","tenant":"t1"}'
    ).hexdigest()
    assert audit.compute_hash(**BASE) == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tenant", "t2"),
        ("seq", 8),
        ("at", 1_780_000_000_124),
        ("action", "view"),
        ("actor", "staff:s2"),
        ("subject", "media:m2"),
        ("details", {"kind": "video", "bytes": 1024}),
        ("details", {"kind": "photo", "bytes": 1025}),
        ("details", {"kind": "photo"}),
        ("prev_hash", "b" * 64),
        ("prev_at", 1_780_000_000_001),
        ("consent_count", 3),
    ],
)
def test_any_field_change_changes_the_hash(field: str, value: Any) -> None:
    assert audit.compute_hash(**{**BASE, field: value}) != audit.compute_hash(**BASE)


@pytest.mark.parametrize(
    "value",
    [
        "jeanne.dupont@example.fr",
        "contact: parent@mail.com",
        "x@y",
        "JEANNE@EXAMPLE.ORG",
        "prénom.nom@école.fr",
    ],
)
def test_email_like_detail_values_are_refused(value: str) -> None:
    with pytest.raises(audit.AuditError, match="e-mail"):
        audit.validate("view", "guardian:g1", "media:m1", {"note": value})


@pytest.mark.parametrize(
    ("actor", "subject"),
    [
        ("jeanne@example.fr", "media:m1"),
        ("guardian:g1", "child:léa@x.fr"),
        ("Jeanne Dupont", "media:m1"),
        ("staff:", "media:m1"),
    ],
)
def test_actor_and_subject_must_be_pseudonymous(actor: str, subject: str) -> None:
    with pytest.raises(audit.AuditError):
        audit.validate("view", actor, subject, None)


@pytest.mark.parametrize(
    ("action", "details"),
    [
        ("hacked", None),
        ("view", {"Bad Key": "x"}),
        ("view", {"flag": True}),
        ("view", {"ratio": 0.5}),
        ("view", {"nested": {"a": 1}}),
        ("view", {"note": "x" * 201}),
        ("view", {f"k{i}": i for i in range(17)}),
    ],
)
def test_malformed_entries_are_refused(action: str, details: Any) -> None:
    with pytest.raises(audit.AuditError):
        audit.validate(action, "staff:s1", "media:m1", details)


def test_valid_entry_passes() -> None:
    details = {"kind": "photo", "bytes": 1024, "album": "a1b2"}
    assert audit.validate("upload", "staff:s1", "media:m1", details) == details
    assert audit.validate("purge", "system:purge", "tenant:t1", None) == {}


def test_consent_entries_never_expire() -> None:
    assert audit_chain.expires_at("consent_withdrawn", 1_000_000) is None
    assert audit_chain.expires_at("view", 1_000_000) == 1_000 + audit.RETENTION_SECONDS


def test_export_time_format() -> None:
    assert audit.iso_utc(0) == "1970-01-01T00:00:00.000Z"
    assert audit.iso_utc(1_780_000_000_123) == "2026-05-28T20:26:40.123Z"


# --- Batched events (docs/audit.md, "Batched entries") --------------------------------------


def _event(**change: Any) -> audit_chain.PendingEvent:
    fields: dict[str, Any] = {
        "at": 1_780_000_000_123,
        "action": "view",
        "actor": "guardian:g1",
        "subject": "album:a1",
        "details": {"items": 3},
    }
    key = f"PENDING#{fields['at']:013d}#00ff00ff00ff00ff"
    digest = audit_chain.event_digest("t1", key, **fields)
    return dataclasses.replace(audit_chain.PendingEvent(key=key, digest=digest, **fields), **change)


def test_a_recorded_event_is_chainable_and_any_change_to_it_is_reported() -> None:
    assert audit_chain.pending_problem("t1", _event()) is None
    altered = [
        _event(actor="guardian:g2"),
        _event(subject="album:a2"),
        _event(details={"items": 4}),
        _event(at=1_780_000_000_124),
    ]
    for event in altered:
        assert audit_chain.pending_problem("t1", event) is not None, event
    # The digest binds the tenant: an event moved to another centre's partition is reported
    assert "altered" in (audit_chain.pending_problem("t2", _event()) or "")


def test_only_well_formed_views_and_downloads_may_wait() -> None:
    assert "not a view" in (audit_chain.pending_problem("t1", _event(action="login")) or "")
    bad = _event(actor="guardian:someone@example.org")
    assert "malformed" in (audit_chain.pending_problem("t1", bad) or "")


def test_a_batch_is_chained_by_the_append_rule() -> None:
    head = audit_chain.ChainHead(seq=4, at=1_780_000_000_500, consent_count=1, hash="c" * 64)
    events = [
        _event(),  # earlier than the head: its time is raised to the head's
        _event(at=1_780_000_000_900, action="download", subject="media:m1", details={}),
    ]
    built = audit_chain.chain_batch("t1", head, events)
    one_by_one = []
    current: audit_chain.ChainHead | None = head
    for event in events:
        entry = audit_chain.next_entry(
            "t1", current, event.action, event.actor, event.subject, event.details, event.at
        )
        one_by_one.append(entry)
        current = entry.head
    assert built == one_by_one
    assert [(e.seq, e.at) for e in built] == [(5, 1_780_000_000_500), (6, 1_780_000_000_900)]
    assert built[1].prev_hash == built[0].hash
    fresh = audit_chain.chain_batch("t1", None, events)
    assert audit_chain.verify("t1", fresh[-1].head, fresh, 1_780_000_001).ok
