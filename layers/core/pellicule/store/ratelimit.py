"""Fixed-window rate limits stored in the table (security requirement 2).

Each limit counts hits per key (an e-mail address, a client IP address) in fixed windows of
``window_seconds``: one item per key and window, ``pk=RATE#<limit>#<sha256 of the key>``,
``sk=W#<window start>``, incremented by one atomic ``ADD`` and removed by the TTL after its
window. The key itself is never stored nor logged, only its hash.

Fixed windows let a burst of twice the limit straddle a window boundary; that is accepted for
sign-in requests (the limits are small and the worst case stays bounded).
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from typing import Any

from pellicule.config import clock
from pellicule.domain.errors import PelliculeError
from pellicule.store import data
from pellicule.store.models import RateCounter

# A window's counter stays a little after the window ends (TTL lag does not matter: reads
# pick the window by its start, never an old one).
_GRACE_SECONDS = 60


class TooManyRequests(PelliculeError):
    """HTTP 429; ``retry_after`` seconds until the current window ends."""

    status = 429
    code = "too_many_requests"

    def __init__(
        self, reason: str = "too_many_requests", /, *, retry_after: int, **params: object
    ) -> None:
        super().__init__(reason, **params)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    name: str  # short, stable: part of the counter's key
    limit: int  # hits allowed per window
    window_seconds: int


def digest(value: str) -> str:
    """The pseudonymous form of a key (an e-mail, an IP) in counters and logs."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def client_address(event: dict[str, Any]) -> str:
    """The caller's address as API Gateway saw it (``requestContext.http.sourceIp``).

    IPv6 callers are counted per /64 (one home or phone gets a whole /64, so a single IPv6
    address is a key anyone can rotate). Never taken from ``X-Forwarded-For``, which the
    caller writes.
    """
    raw = str(event.get("requestContext", {}).get("http", {}).get("sourceIp") or "")
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def hit(limit: Limit, key: str, now: float | None = None) -> tuple[bool, int]:
    """Count one hit of ``key`` against ``limit``: (allowed, seconds left in the window).

    The increment is one atomic ``UpdateItem ADD``, so concurrent callers never lose a hit.
    """
    data.ready()
    moment = int(clock.now() if now is None else now)
    start = moment - moment % limit.window_seconds
    end = start + limit.window_seconds
    counter = RateCounter(f"RATE#{limit.name}#{digest(key)}", f"W#{start}")
    counter.update(
        actions=[RateCounter.hits.add(1), RateCounter.expires_at.set(end + _GRACE_SECONDS)]
    )
    return int(counter.hits) <= limit.limit, max(1, end - moment)


def enforce(*checks: tuple[Limit, str], now: float | None = None) -> None:
    """Count a hit on every (limit, key) pair, then raise :class:`TooManyRequests` if any is
    over. Every counter is incremented whatever the outcome, so the work done (and the time
    it takes) does not depend on which limit, if any, is reached."""
    refused: list[int] = []
    for limit, key in checks:
        allowed, retry_after = hit(limit, key, now)
        if not allowed:
            refused.append(retry_after)
    if refused:
        raise TooManyRequests("too_many_requests", retry_after=max(refused))
