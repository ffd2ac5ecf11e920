"""The trusted devices store: Device items (docs/authentication.md) and the sessions a device
chain opened. Key formats: ``pellicule.store.keys``; the rules: ``pellicule.domain.devices``.

- A chain (``DEVICE#<sha256 of the chain id>`` / ``DEVICE``) is written with a new key only,
  read consistently, **rotated by one atomic conditional write** (it exists, is live, and its
  current secret is the one presented -> the new secret), so two uses of one secret can never
  both succeed; ended (deleted) one at a time or every chain of a person (gsi1
  ``DEVICES#<tenant>#<kind>#<id>``).
- The sessions a chain opened carry its hash (``Session.device``): ending the chain deletes
  them, found through the person's sessions index.

Expected outcomes are values (``None``, ``False``); PynamoDB exceptions never leave this module:
any other failure of DynamoDB is a ``pellicule.store.sessions.StoreError``.
"""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, UpdateError

from pellicule.domain.devices import DeviceTimes, Label
from pellicule.store import data, keys
from pellicule.store.models import Device, Session
from pellicule.store.sessions import _condition_failed, _translated

DeviceRecord = Device


def _device(chain_hash: str) -> Device:
    return Device(keys.device_pk(chain_hash), keys.DEVICE_SK)


@_translated
def open_chain(
    chain_hash: str,
    *,
    tenant_id: str,
    kind: str,
    principal_id: str,
    handle: str,
    secret_hash: str,
    times: DeviceTimes,
    label: Label,
) -> None:
    """Write a new chain, on condition that no item has its key."""
    data.ready()
    Device(
        keys.device_pk(chain_hash),
        keys.DEVICE_SK,
        tenant_id=tenant_id,
        principal_kind=kind,
        principal_id=principal_id,
        handle=handle,
        secret_hash=secret_hash,
        rotations=0,
        created_at=times.created_at,
        last_used_at=times.last_used_at,
        expires_at=times.expires_at,
        browser=label.browser,
        system=label.system,
        gsi1pk=keys.principal_devices_gsi(tenant_id, kind, principal_id),
        gsi1sk=keys.device_pk(chain_hash),
    ).save(condition=Device.pk.does_not_exist())


@_translated
def chain(chain_hash: str) -> Device | None:
    """A chain (a consistent read), or None: never opened, ended or purged."""
    data.ready()
    try:
        return Device.get(keys.device_pk(chain_hash), keys.DEVICE_SK, consistent_read=True)
    except DoesNotExist:
        return None


def times_of(record: Device) -> DeviceTimes:
    return DeviceTimes(
        created_at=int(record.created_at),
        last_used_at=int(record.last_used_at),
        expires_at=int(record.expires_at),
    )


def chain_hash_of(record: Device) -> str:
    return str(record.pk).removeprefix(keys.DEVICE)


@_translated
def rotate(
    chain_hash: str, *, presented_hash: str, new_hash: str, times: DeviceTimes, now: int
) -> bool:
    """Replace the chain's secret, in one conditional write: the chain exists, is live at
    ``now`` and its current secret is ``presented_hash``. Whether it was (False: nothing
    written; a concurrent use of the same secret won, or the chain ended)."""
    data.ready()
    try:
        _device(chain_hash).update(
            actions=[
                Device.secret_hash.set(new_hash),
                Device.rotations.add(1),
                Device.last_used_at.set(times.last_used_at),
                Device.expires_at.set(times.expires_at),
            ],
            condition=(
                Device.pk.exists()
                & (Device.secret_hash == presented_hash)
                & (Device.expires_at > now)
            ),
        )
    except UpdateError as error:
        if _condition_failed(error):
            return False
        raise
    return True


@_translated
def of_person(tenant_id: str, kind: str, principal_id: str) -> list[Device]:
    """Every chain of one person (gsi1, eventually consistent), expired ones included."""
    data.ready()
    return list(Device.by_gsi1.query(keys.principal_devices_gsi(tenant_id, kind, principal_id)))


@_translated
def end(chain_hash: str, tenant_id: str, kind: str, principal_id: str) -> int:
    """Delete a chain and every session it opened; how many sessions ended."""
    data.ready()
    _device(chain_hash).delete()
    ended = 0
    for record in Session.by_gsi1.query(keys.principal_sessions_gsi(tenant_id, kind, principal_id)):
        if record.device == chain_hash:
            Session(record.pk, keys.SESSION_SK).delete()
            ended += 1
    return ended


@_translated
def end_all(tenant_id: str, kind: str, principal_id: str) -> int:
    """Delete every chain of one person (their sessions are ended by the caller: every
    session of the person goes in a sign-out everywhere); how many chains."""
    data.ready()
    ended = 0
    for record in Device.by_gsi1.query(keys.principal_devices_gsi(tenant_id, kind, principal_id)):
        Device(record.pk, keys.DEVICE_SK).delete()
        ended += 1
    return ended
