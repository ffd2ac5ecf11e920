"""Unsubscribe tokens of the daily digest (docs/notifications.md). Pure: no AWS.

A token is ``<tenant id>.<guardian id>.<secret>``: the ids say whose opt-out it is, the secret
(256 random bits, ``secrets.token_urlsafe(32)``) proves it came from one of that guardian's
digests. Only the secret's SHA-256 is stored, on the guardian, with the time it was issued
(``"<issued at>:<sha256>"``), for the last :data:`KEPT` digests: the unsubscribe link of any
recent e-mail keeps working, and a stolen table dump holds nothing that unsubscribes anyone.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

SECRET_BYTES = 32  # 256 bits (at least 128 required)
KEPT = 30  # a month of daily digests: older e-mails' links stop working
_TOKEN = re.compile(r"^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Issued:
    token: str  # goes into the e-mail only
    stored: str  # "<issued at>:<sha256 of the secret>", kept on the guardian


@dataclass(frozen=True)
class Parsed:
    tenant_id: str
    guardian_id: str
    secret: str


def _digest(secret: str) -> str:
    return hashlib.sha256(f"pellicule-unsubscribe:{secret}".encode("ascii")).hexdigest()


def issue(tenant_id: str, guardian_id: str, issued_at: int) -> Issued:
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return Issued(f"{tenant_id}.{guardian_id}.{secret}", f"{int(issued_at)}:{_digest(secret)}")


def kept(existing: Iterable[str] | None, new: str) -> list[str]:
    """The stored hashes after adding ``new``: the newest :data:`KEPT`, oldest first."""
    return [*list(existing or ())[-(KEPT - 1) :], new]


def parse(token: object) -> Parsed | None:
    if not isinstance(token, str):
        return None
    found = _TOKEN.match(token.strip())
    if found is None:
        return None
    return Parsed(found.group(1), found.group(2), found.group(3))


def matches(stored: Iterable[str] | None, secret: str) -> bool:
    """Whether ``secret`` is one of the stored tokens (every entry compared in constant time)."""
    wanted = _digest(secret)
    found = False
    for entry in stored or ():
        _, _, digest = str(entry).partition(":")
        found |= hmac.compare_digest(digest.encode("ascii"), wanted.encode("ascii"))
    return found
