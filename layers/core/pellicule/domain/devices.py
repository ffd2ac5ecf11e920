"""The rules of trusted devices (docs/authentication.md, "Staying signed in on a trusted device").

A family member who signs in with a link or a code may keep that browser signed in: the server
opens a *device chain* and the browser keeps its credential in a ``__Host-`` cookie,
``<chain id>.<secret>`` (two independent 256-bit random values). Only SHA-256 digests are
stored. When the browser has no live session, it presents the credential once to open a new
ordinary session; the chain then **rotates**: a new secret replaces the old one, whose reuse
is proof that the credential was copied (by a thief, or by the owner's other copy): the
whole chain ends, with every session it opened.

A chain lives ``TRUST_SECONDS`` after its last use (sliding, server-side: the cookie's own
Max-Age is only a hint) and no more than ``MAX_TRUST_SECONDS`` after it was opened. Staff never
get one: their sessions keep their own rules (``pellicule.domain.sessions``).

Pure: time comes as a parameter (whole seconds since the epoch). Tested in
``tests/unit/test_device_rules.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Final

TRUST_SECONDS: Final = 90 * 24 * 3600  # sliding: from the last use
MAX_TRUST_SECONDS: Final = 400 * 24 * 3600  # from the opening (browsers cap cookies at 400 days)
# Who may keep a device: family members only (staff keep today's rules).
KINDS: Final = frozenset({"guardian"})
MAX_DEVICES: Final = 10  # per person: trusting an 11th ends the least recently used

# Why a credential is refused (catalogue reasons).
DEVICE_UNKNOWN: Final = "device_unknown"  # malformed, never was, ended, expired
DEVICE_REUSED: Final = "device_reused"  # an old secret of a live chain: the chain ends

_PART = r"[A-Za-z0-9_-]{43}"  # 32 random bytes, URL-safe base64 without padding
_CREDENTIAL = re.compile(rf"^({_PART})\.({_PART})$")


@dataclass(frozen=True)
class Credential:
    chain_id: str
    secret: str

    @property
    def value(self) -> str:
        """The cookie's value."""
        return f"{self.chain_id}.{self.secret}"


def parse(value: str | None) -> Credential | None:
    """The credential in a cookie value, or None when it is not one (never an exception)."""
    if not value or len(value) > 100:
        return None
    found = _CREDENTIAL.match(value)
    return Credential(found.group(1), found.group(2)) if found else None


def chain_hash(chain_id: str) -> str:
    return hashlib.sha256(f"pellicule-device:{chain_id}".encode("ascii")).hexdigest()


def secret_hash(secret: str) -> str:
    return hashlib.sha256(f"pellicule-device-secret:{secret}".encode("ascii")).hexdigest()


def secret_matches(stored_hash: str, secret: str) -> bool:
    """Whether ``secret`` is the chain's current one (constant-time comparison)."""
    return hmac.compare_digest(stored_hash.encode("ascii"), secret_hash(secret).encode("ascii"))


@dataclass(frozen=True)
class DeviceTimes:
    created_at: int
    last_used_at: int
    expires_at: int  # the sliding end, never past created_at + MAX_TRUST_SECONDS


def opened(now: int) -> DeviceTimes:
    return DeviceTimes(created_at=now, last_used_at=now, expires_at=now + TRUST_SECONDS)


def used(times: DeviceTimes, now: int) -> DeviceTimes:
    """The chain's clock after a use at ``now`` (the sliding end moves, up to the cap)."""
    return DeviceTimes(
        created_at=times.created_at,
        last_used_at=now,
        expires_at=min(now + TRUST_SECONDS, times.created_at + MAX_TRUST_SECONDS),
    )


def live(times: DeviceTimes, now: int) -> bool:
    return now < times.expires_at and now < times.created_at + MAX_TRUST_SECONDS


def may_trust(kind: str) -> bool:
    return kind in KINDS


def cookie_max_age(times: DeviceTimes, now: int) -> int:
    """The cookie's Max-Age: until the chain's end (a hint; the server decides)."""
    return max(0, times.expires_at - now)


def to_end_for_room(last_used: list[tuple[str, int]]) -> list[str]:
    """The chains (``(chain hash, last used)``) to end so that one more fits within
    ``MAX_DEVICES``: the least recently used first."""
    excess = len(last_used) - (MAX_DEVICES - 1)
    if excess <= 0:
        return []
    oldest = sorted(last_used, key=lambda pair: (pair[1], pair[0]))
    return [chain for chain, _ in oldest[:excess]]


# --- What the list shows of a device (from its User-Agent, at the opening) -----------------

_BROWSERS: Final = (  # order matters: Edge and Opera say "Chrome" too, Chrome says "Safari"
    ("edge", re.compile(r"\bEdg(?:e|A|iOS)?/")),
    ("opera", re.compile(r"\bOPR/|\bOpera\b")),
    ("samsung", re.compile(r"\bSamsungBrowser/")),
    ("firefox", re.compile(r"\bFirefox/|\bFxiOS/")),
    ("chrome", re.compile(r"\bChrome/|\bCriOS/|\bChromium/")),
    ("safari", re.compile(r"\bSafari/")),
)
_SYSTEMS: Final = (
    ("iphone", re.compile(r"\biPhone\b")),
    ("ipad", re.compile(r"\biPad\b")),
    ("android", re.compile(r"\bAndroid\b")),
    ("windows", re.compile(r"\bWindows\b")),
    ("mac", re.compile(r"\bMacintosh\b|\bMac OS X\b")),
    ("chromeos", re.compile(r"\bCrOS\b")),
    ("linux", re.compile(r"\bLinux\b")),
)
UNKNOWN: Final = "unknown"


@dataclass(frozen=True)
class Label:
    """A device as its owner recognises it, as codes the page names in its language
    (never the raw User-Agent, which is not stored)."""

    browser: str
    system: str


def label(user_agent: str | None) -> Label:
    text = (user_agent or "")[:512]
    browser = next((name for name, pattern in _BROWSERS if pattern.search(text)), UNKNOWN)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(text)), UNKNOWN)
    return Label(browser, system)
