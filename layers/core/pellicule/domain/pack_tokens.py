"""The link of a child's souvenir pack (docs/notifications.md, "When a child leaves"). Pure.

A token is ``<centre id>.<pack id>.<secret>``: the ids say which pack (the pack names its
guardian: a token is tied to that guardian and that pack only), the secret (256 random bits,
``secrets.token_urlsafe(32)``) proves it came from that guardian's e-mail. Only the secret's
SHA-256 is stored, on the pack; it works while the pack exists (at most its ``token_until``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

SECRET_BYTES = 32  # 256 bits
_TOKEN = re.compile(r"^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Issued:
    token: str  # goes into the e-mail only
    digest: str  # kept on the pack


@dataclass(frozen=True)
class Parsed:
    tenant_id: str
    pack_id: str
    secret: str


def digest(secret: str) -> str:
    return hashlib.sha256(f"pellicule-souvenir-pack:{secret}".encode("ascii")).hexdigest()


def issue(tenant_id: str, pack_id: str) -> Issued:
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return Issued(f"{tenant_id}.{pack_id}.{secret}", digest(secret))


def parse(token: object) -> Parsed | None:
    if not isinstance(token, str):
        return None
    found = _TOKEN.match(token.strip())
    if found is None:
        return None
    return Parsed(found.group(1), found.group(2), found.group(3))


def matches(stored: str | None, secret: str) -> bool:
    """Whether ``secret`` is the pack's (compared in constant time)."""
    if not stored:
        return False
    return hmac.compare_digest(str(stored).encode("ascii"), digest(secret).encode("ascii"))
