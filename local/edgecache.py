"""The CloudFront edge cache of ``/media/*``, in memory, and its invalidations (no I/O).

The media behaviour of the distribution (``infra/cdn.py``) uses its own cache policy, like
the managed ``CachingOptimized`` but with every TTL bounded by
``topology.MEDIA_EDGE_TTL_SECONDS`` (its minimum, default and maximum TTLs): the cache
key is the path only (no query string, header or cookie), and an object stays cached for the
origin's ``Cache-Control`` lifetime clamped to the policy's minimum and maximum TTLs, or for
its default TTL when the origin says nothing. Signed URLs and cookies are checked *before*
the cache (a cached object never bypasses the trusted key group), and an object stays cached
even when it is deleted from S3 meanwhile: only the TTL (or an invalidation) removes it. That
is what revocation lives with: no function invalidates, the TTL does it (docs/revocation.md).

Invalidation paths follow CloudFront's syntax: a path names one object (``/media/t/x.jpg``,
leading ``/`` optional, case sensitive) or, with a trailing ``*``, every path it starts
(``/media/t/tenant/*``; ``/*`` is everything). In AWS the strip-media-prefix viewer-request
function turns ``/media/t/...`` into ``/t/...`` before the cache lookup, and AWS asks that
both forms be invalidated when a function rewrites the URI; locally either form drops the
entry (see docs/local-runtime.md).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from pellicule.config import topology

logger = logging.getLogger("pellicule.local.cdn")

# The cache policy infra/cdn.py puts on the media behaviour (the same constant).
MEDIA_MIN_TTL = topology.MEDIA_EDGE_TTL_SECONDS
MEDIA_DEFAULT_TTL = topology.MEDIA_EDGE_TTL_SECONDS
MEDIA_MAX_TTL = topology.MEDIA_EDGE_TTL_SECONDS
# Local memory bounds (CloudFront has none that matter here): bigger objects are served
# from S3 every time, and the least recently used entries go first when the cache is full.
MAX_OBJECT_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
_RECENT_INVALIDATIONS = 1000  # remembered to refuse stores of fetches they overtook

_MAX_AGE = re.compile(r"(?:^|,)\s*(s-maxage|max-age)\s*=\s*\"?(\d+)\"?\s*(?=,|$)", re.I)
_NO_CACHE = re.compile(r"(?:^|,)\s*(no-store|no-cache|private)\s*(?=,|=|$)", re.I)


def cache_ttl(
    cache_control: str | None,
    *,
    min_ttl: int = MEDIA_MIN_TTL,
    default_ttl: int = MEDIA_DEFAULT_TTL,
    max_ttl: int = MEDIA_MAX_TTL,
) -> int:
    """Seconds CloudFront keeps an object, from the origin's ``Cache-Control``.

    ``s-maxage`` wins over ``max-age``; the result is clamped to [min, max]. Without either
    directive: the default TTL, or the minimum TTL when ``no-store``/``no-cache``/``private``
    is present (with a minimum TTL above zero CloudFront caches at least that long even
    then). ``0`` means "not cached".
    """
    value = cache_control or ""
    ages = {name.lower(): int(age) for name, age in _MAX_AGE.findall(value)}
    if "s-maxage" in ages:
        ttl = ages["s-maxage"]
    elif "max-age" in ages:
        ttl = ages["max-age"]
    elif _NO_CACHE.search(value):
        return min_ttl
    else:
        return max(min_ttl, min(default_ttl, max_ttl))
    return max(min_ttl, min(ttl, max_ttl))


def normalize_invalidation_path(path: str) -> str:
    """CloudFront's leading ``/`` is implied; values are compared percent-decoded."""
    path = unquote(path.strip())
    return path if path.startswith("/") else f"/{path}"


def origin_path(viewer_path: str) -> str:
    """``/media/t/...`` -> ``/t/...``: the URI after the strip-media-prefix function."""
    media = topology.MEDIA_PATH.rstrip("/")
    return viewer_path[len(media) :] if viewer_path.startswith(topology.MEDIA_PATH) else viewer_path


def invalidation_matches(invalidation_path: str, cache_key: str) -> bool:
    """Does an invalidation path drop the entry cached under ``cache_key`` (a viewer path)?

    Exact path, or a trailing ``*`` for a prefix; matched against the viewer path and the
    origin path (``/media`` stripped). A ``*`` elsewhere is a literal character (CloudFront
    accepts the wildcard only at the end).
    """
    pattern = normalize_invalidation_path(invalidation_path)
    decoded = unquote(cache_key)
    candidates = (decoded, origin_path(decoded))
    if pattern.endswith("*"):
        prefix = pattern[:-1]
        return any(candidate.startswith(prefix) for candidate in candidates)
    return pattern in candidates


@dataclass(frozen=True)
class CachedObject:
    """A full object as the origin returned it: body and the headers worth replaying."""

    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None
    stored_at: float
    expires_at: float

    @property
    def size(self) -> int:
        return len(self.body)


class EdgeCache:
    """Thread-safe path -> :class:`CachedObject`, with TTLs, LRU bounds and invalidations."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        max_object_bytes: int = MAX_OBJECT_BYTES,
        max_total_bytes: int = MAX_TOTAL_BYTES,
    ) -> None:
        self.clock = clock
        self.max_object_bytes = max_object_bytes
        self.max_total_bytes = max_total_bytes
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, CachedObject] = OrderedDict()
        self._bytes = 0
        self._generation = 0
        self._recent: deque[tuple[int, tuple[str, ...]]] = deque(maxlen=_RECENT_INVALIDATIONS)

    # --- Reads and writes ---------------------------------------------------------------

    def generation(self) -> int:
        """Take this before fetching from the origin and give it to :meth:`put`."""
        with self._lock:
            return self._generation

    def get(self, key: str) -> CachedObject | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found.expires_at <= self.clock():
                self._drop(key)
                found = None
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def cacheable(self, size: int) -> bool:
        return 0 <= size <= self.max_object_bytes

    def put(
        self,
        key: str,
        *,
        body: bytes,
        content_type: str,
        etag: str | None,
        last_modified: str | None,
        cache_control: str | None,
        since_generation: int,
    ) -> bool:
        """Store a fetched object, unless an invalidation applied since the fetch began
        covers it (the fetch may have read what the invalidation meant to remove)."""
        ttl = cache_ttl(cache_control)
        if ttl <= 0 or not self.cacheable(len(body)):
            return False
        now = self.clock()
        entry = CachedObject(
            body=body,
            content_type=content_type,
            etag=etag,
            last_modified=last_modified,
            stored_at=now,
            expires_at=now + ttl,
        )
        with self._lock:
            if self._overtaken(key, since_generation):
                return False
            self._drop(key)
            self._entries[key] = entry
            self._bytes += entry.size
            while self._bytes > self.max_total_bytes and self._entries:
                self._drop(next(iter(self._entries)))
            return key in self._entries

    def _overtaken(self, key: str, since_generation: int) -> bool:
        if since_generation >= self._generation:
            return False
        if not self._recent or self._recent[0][0] > since_generation + 1:
            return True  # too many invalidations since: assume the worst
        return any(
            generation > since_generation and any(invalidation_matches(path, key) for path in paths)
            for generation, paths in self._recent
        )

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry.size

    # --- Invalidations ------------------------------------------------------------------

    def invalidate(self, paths: Iterable[str]) -> int:
        """Drop every entry an invalidation path matches; returns how many."""
        patterns = tuple(paths)
        for pattern in patterns:
            if "*" in pattern.rstrip("*") or pattern.endswith("**"):
                logger.warning(
                    "invalidation path %r: CloudFront accepts '*' only as the last character",
                    pattern,
                )
        with self._lock:
            self._generation += 1
            self._recent.append((self._generation, patterns))
            doomed = [
                key
                for key in self._entries
                if any(invalidation_matches(pattern, key) for pattern in patterns)
            ]
            for key in doomed:
                self._drop(key)
            return len(doomed)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._entries)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            entry = self._entries.get(key) if isinstance(key, str) else None
            return entry is not None and entry.expires_at > self.clock()

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "entries": len(self._entries),
                "bytes": self._bytes,
                "hits": self.hits,
                "misses": self.misses,
                "invalidations": self._generation,
            }


def parse_single_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """``bytes=a-b`` / ``bytes=a-`` / ``bytes=-n`` -> inclusive (start, end).

    ``None``: not a single byte range this cache serves (the request goes to the origin);
    ``False``: a valid range that lies outside the object (416).
    """
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    first, last = first.strip(), last.strip()
    if (first and not first.isdigit()) or (last and not last.isdigit()):
        return None
    if not first:
        if not last:
            return None
        length = int(last)
        if length == 0 or size == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        return False
    end = int(last) if last else size - 1
    return start, min(end, size - 1)
