"""Trusted devices: a family member's browser kept signed in (docs/authentication.md).

The credential is ``<chain id>.<secret>`` in the ``__Host-`` cookie :data:`COOKIE_NAME`
(Secure, HttpOnly, SameSite=Strict, Path=/). It never authorises a request by itself: it is
presented to one route (``POST /api/auth/device``) to open a new ordinary session, and the
chain's secret rotates at that moment (``pellicule.domain.devices``: a reused secret ends the
whole chain and every session it opened). Who may still be let in (not archived, a child
still linked, the centre active) is checked by the sign-in use case before the rotation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from pellicule.config import clock
from pellicule.config.observability import logger
from pellicule.domain import devices as rules
from pellicule.domain.errors import Unauthenticated
from pellicule.services import audit
from pellicule.store import devices as store

COOKIE_NAME = "__Host-pellicule-device"
LOG = "auth"


@dataclass(frozen=True)
class Chain:
    """A live chain whose current secret was presented (not yet rotated)."""

    chain_hash: str
    tenant_id: str
    kind: str
    principal_id: str
    presented: rules.Credential
    times: rules.DeviceTimes

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.principal_id}"


@dataclass(frozen=True)
class Issued:
    """A credential to set in the cookie, and the chain it belongs to."""

    chain_hash: str
    credential: rules.Credential
    max_age: int


def _now(now: int | None) -> int:
    return int(clock.now()) if now is None else now


def trust(
    tenant_id: str,
    kind: str,
    principal_id: str,
    user_agent: str | None,
    *,
    replacing: str | None = None,
    now: int | None = None,
) -> Issued:
    """Open a chain for this browser. ``replacing``: the device cookie the browser came with
    (its chain ends: one browser, one chain). A person keeps at most ``MAX_DEVICES``: the
    least recently used end first."""
    if not rules.may_trust(kind):
        raise ValueError(f"{kind!r} may not keep a trusted device")
    moment = _now(now)
    _end_presented(replacing, "replaced")
    live: list[tuple[str, int]] = []
    for record in store.of_person(tenant_id, kind, principal_id):
        if rules.live(store.times_of(record), moment):
            live.append((store.chain_hash_of(record), int(record.last_used_at)))
        else:
            store.end(store.chain_hash_of(record), tenant_id, kind, principal_id)
    for chain_hash in rules.to_end_for_room(live):
        _end(chain_hash, tenant_id, kind, principal_id, "room")
    credential = rules.Credential(secrets.token_urlsafe(32), secrets.token_urlsafe(32))
    times = rules.opened(moment)
    chain_hash = rules.chain_hash(credential.chain_id)
    store.open_chain(
        chain_hash,
        tenant_id=tenant_id,
        kind=kind,
        principal_id=principal_id,
        handle=secrets.token_hex(8),
        secret_hash=rules.secret_hash(credential.secret),
        times=times,
        label=rules.label(user_agent),
    )
    _audit(tenant_id, f"{kind}:{principal_id}", "device_trusted", {"chain": chain_hash[:16]})
    return Issued(chain_hash, credential, rules.cookie_max_age(times, moment))


def presented(cookie_value: str | None, *, now: int | None = None) -> Chain:
    """The live chain whose CURRENT secret the cookie holds; ``Unauthenticated``:
    ``device_unknown`` (malformed, never was, ended, expired: an expired one is deleted) or
    ``device_reused`` (an old secret of a live chain: the chain ends, with its sessions)."""
    credential = rules.parse(cookie_value)
    if credential is None:
        raise Unauthenticated(rules.DEVICE_UNKNOWN)
    chain_hash = rules.chain_hash(credential.chain_id)
    record = store.chain(chain_hash)
    if record is None:
        raise Unauthenticated(rules.DEVICE_UNKNOWN)
    times = store.times_of(record)
    owner = (record.tenant_id, record.principal_kind, record.principal_id)
    if not rules.live(times, _now(now)):
        _end(chain_hash, *owner, "expired")
        raise Unauthenticated(rules.DEVICE_UNKNOWN)
    if not rules.secret_matches(record.secret_hash, credential.secret):
        _end(chain_hash, *owner, "reused")
        raise Unauthenticated(rules.DEVICE_REUSED)
    return Chain(chain_hash, *owner, presented=credential, times=times)


def rotate(found: Chain, *, now: int | None = None) -> Issued:
    """The chain's next secret (one atomic conditional write). Losing the race to another use
    of the same secret is a reuse: the chain ends (``device_reused``)."""
    moment = _now(now)
    credential = rules.Credential(found.presented.chain_id, secrets.token_urlsafe(32))
    times = rules.used(found.times, moment)
    if not store.rotate(
        found.chain_hash,
        presented_hash=rules.secret_hash(found.presented.secret),
        new_hash=rules.secret_hash(credential.secret),
        times=times,
        now=moment,
    ):
        end(found, "reused")
        raise Unauthenticated(rules.DEVICE_REUSED)
    return Issued(found.chain_hash, credential, rules.cookie_max_age(times, moment))


def end(found: Chain, reason: str) -> None:
    _end(found.chain_hash, found.tenant_id, found.kind, found.principal_id, reason)


def end_presented(cookie_value: str | None, reason: str) -> bool:
    """End the chain of a device cookie, whatever its secret (its chain id alone proves the
    cookie was this browser's): signing out of this device. Whether one ended."""
    return _end_presented(cookie_value, reason)


def _end_presented(cookie_value: str | None, reason: str) -> bool:
    credential = rules.parse(cookie_value)
    if credential is None:
        return False
    chain_hash = rules.chain_hash(credential.chain_id)
    record = store.chain(chain_hash)
    if record is None:
        return False
    _end(chain_hash, record.tenant_id, record.principal_kind, record.principal_id, reason)
    return True


def _end(chain_hash: str, tenant_id: str, kind: str, principal_id: str, reason: str) -> None:
    sessions = store.end(chain_hash, tenant_id, kind, principal_id)
    ref = f"{kind}:{principal_id}"
    _audit(
        tenant_id,
        ref,
        "device_ended",
        {"chain": chain_hash[:16], "reason": reason, "sessions": sessions},
    )
    logger(LOG).info(
        "trusted device ended", extra={"principal": ref, "reason": reason, "sessions": sessions}
    )


def end_all(tenant_id: str, kind: str, principal_id: str, reason: str) -> int:
    """End every chain of one person (sign out everywhere, archived); how many. Their
    sessions are the caller's to end (every session of the person goes then)."""
    ended = store.end_all(tenant_id, kind, principal_id)
    if ended:
        _audit(
            tenant_id,
            f"{kind}:{principal_id}",
            "device_ended",
            {"chain": "all", "reason": reason, "devices": ended},
        )
    return ended


def listed(
    tenant_id: str, kind: str, principal_id: str, current: str | None
) -> list[dict[str, Any]]:
    """The person's live devices, the most recently used first; ``current``: the chain hash
    of the device asking (marked ``current``)."""
    moment = _now(None)
    shown = [
        record
        for record in store.of_person(tenant_id, kind, principal_id)
        if rules.live(store.times_of(record), moment)
    ]
    shown.sort(key=lambda record: int(record.last_used_at), reverse=True)
    return [
        {
            "id": record.handle,
            "browser": record.browser,
            "system": record.system,
            "created_at": int(record.created_at),
            "last_used_at": int(record.last_used_at),
            "expires_at": int(record.expires_at),
            "current": current is not None and store.chain_hash_of(record) == current,
        }
        for record in shown
    ]


def revoke(tenant_id: str, kind: str, principal_id: str, handle: str) -> str | None:
    """End one of the person's devices by its public id; its chain hash, or None if the
    person has no such device."""
    for record in store.of_person(tenant_id, kind, principal_id):
        if secrets.compare_digest(record.handle, handle):
            chain_hash = store.chain_hash_of(record)
            _end(chain_hash, tenant_id, kind, principal_id, "revoked")
            return chain_hash
    return None


def _audit(tenant_id: str, ref: str, action: str, details: dict[str, Any]) -> None:
    audit.append(tenant_id, action, ref, ref, details=details)
