"""The gateway's CloudFront edge cache on /media/* and the invalidations that empty it.

The runtime provisions a CloudFront distribution in moto; invalidations created on it through
the CloudFront API (by the revocation function in AWS and locally, or by a test) drop the
cached copies. Until then a cached object is served even after its S3 object is deleted.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import boto3
import pytest
import requests

from local.edgecache import EdgeCache, cache_ttl, invalidation_matches, parse_single_range
from local.gateway import CACHE_HIT, CACHE_MISS
from local.runtime import LocalRuntime
from pellicule.config import topology
from tests.e2e.conftest import wait_for

e2e = pytest.mark.e2e


def _put(runtime: LocalRuntime, key: str, body: bytes, cache_control: str | None = None) -> None:
    extra = {"CacheControl": cache_control} if cache_control else {}
    runtime.client("s3").put_object(
        Bucket=runtime.names.media_bucket, Key=key, Body=body, ContentType="image/jpeg", **extra
    )


def _get(runtime: LocalRuntime, key: str, **kwargs: Any) -> requests.Response:
    """A fresh signed URL each time: the cache key must ignore the query string."""
    url = runtime.signed_url(runtime.media_url(key))
    return requests.get(url, timeout=10, **kwargs)


def _tenant() -> str:
    return f"t/cdn-{uuid.uuid4().hex[:8]}"


def _cloudfront() -> Any:
    """The functions' way: a default boto3 client (AWS_ENDPOINT_URL points at moto)."""
    return boto3.client("cloudfront")


def _create_invalidation(runtime: LocalRuntime, paths: list[str]) -> str:
    response = _cloudfront().create_invalidation(
        DistributionId=os.environ[topology.ENV_DISTRIBUTION_ID],
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": uuid.uuid4().hex,
        },
    )
    return str(response["Invalidation"]["Id"])


# --- Provisioning ------------------------------------------------------------------------------


@e2e
def test_a_distribution_is_provisioned_and_named_in_the_environment(runtime: LocalRuntime):
    assert os.environ[topology.ENV_DISTRIBUTION_ID] == runtime.distribution_id
    found = _cloudfront().get_distribution(Id=runtime.distribution_id)["Distribution"]
    (origin,) = found["DistributionConfig"]["Origins"]["Items"]
    assert origin["DomainName"].startswith(f"{runtime.names.media_bucket}.s3.")


@e2e
def test_the_evidence_bucket_is_provisioned_like_the_media_bucket(runtime: LocalRuntime):
    s3 = runtime.client("s3")
    bucket = runtime.names.evidence_bucket
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["Expiration"] == {"ExpiredObjectDeleteMarker": True}
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == (
        topology.MEDIA_NONCURRENT_EXPIRATION_DAYS
    )
    assert not s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations")


# --- Hits and misses ---------------------------------------------------------------------------


@e2e
def test_a_signed_media_url_is_a_miss_then_a_hit(runtime: LocalRuntime):
    key = f"{_tenant()}/m/1/web.jpg"
    _put(runtime, key, b"first copy")

    first = _get(runtime, key)
    assert first.status_code == 200
    assert first.headers["X-Cache"] == CACHE_MISS
    second = _get(runtime, key)  # another signature: same cache key (path only)
    assert second.status_code == 200
    assert second.headers["X-Cache"] == CACHE_HIT
    assert second.content == b"first copy"
    assert second.headers["Content-Type"] == "image/jpeg"
    assert second.headers["ETag"] == first.headers["ETag"]
    assert int(second.headers["Age"]) >= 0
    assert second.headers["Referrer-Policy"] == "no-referrer"  # response-headers policy

    cookies = runtime.signed_cookies(f"/media/{key.rsplit('/', 3)[0]}/*")
    by_cookie = requests.get(runtime.media_url(key), cookies=cookies, timeout=10)
    assert by_cookie.headers["X-Cache"] == CACHE_HIT


@e2e
def test_the_signature_is_checked_before_the_cache(runtime: LocalRuntime):
    key = f"{_tenant()}/m/1/web.jpg"
    _put(runtime, key, b"private")
    assert _get(runtime, key).status_code == 200  # now cached

    unsigned = requests.get(runtime.media_url(key), timeout=10)
    assert unsigned.status_code == 403
    other = runtime.signed_url(runtime.media_url(f"{_tenant()}/m/1/web.jpg"))
    wrong_path = requests.get(
        other.replace(other.split("?")[0], runtime.media_url(key)), timeout=10
    )
    assert wrong_path.status_code == 403


@e2e
def test_a_deleted_object_is_served_from_the_cache_until_invalidated(runtime: LocalRuntime):
    # Given a cached photo whose S3 object is then deleted (what revocation does first)
    key = f"{_tenant()}/m/7/web.jpg"
    _put(runtime, key, b"revoked photo")
    assert _get(runtime, key).headers["X-Cache"] == CACHE_MISS
    runtime.client("s3").delete_object(Bucket=runtime.names.media_bucket, Key=key)

    # Then the edge still serves it: full, HEAD and ranges
    stale = _get(runtime, key)
    assert (stale.status_code, stale.headers["X-Cache"]) == (200, CACHE_HIT)
    assert stale.content == b"revoked photo"
    head = requests.head(runtime.signed_url(runtime.media_url(key)), timeout=10)
    assert (head.status_code, head.headers["X-Cache"]) == (200, CACHE_HIT)
    assert int(head.headers["Content-Length"]) == len(b"revoked photo")
    partial = _get(runtime, key, headers={"Range": "bytes=0-6"})
    assert (partial.status_code, partial.content) == (206, b"revoked")
    assert partial.headers["Content-Range"] == f"bytes 0-6/{len(b'revoked photo')}"

    # When an invalidation is created through the CloudFront API (as an operator may)
    invalidation_id = _create_invalidation(runtime, [f"/media/{key}"])

    # Then the copy is gone within a couple of seconds
    gone = wait_for(lambda: _get(runtime, key).status_code == 404, timeout=3)
    assert gone
    assert runtime.gateway.invalidations.entries[-1].invalidation_id == invalidation_id
    assert runtime.gateway.invalidations.entries[-1].dropped == 1
    assert f"/media/{key}" not in runtime.gateway.cache


@e2e
def test_a_wildcard_invalidation_drops_a_prefix(runtime: LocalRuntime):
    tenant, other = _tenant(), _tenant()
    keys = [f"{tenant}/m/1/web.jpg", f"{tenant}/m/2/thumb.jpg", f"{other}/m/1/web.jpg"]
    for key in keys:
        _put(runtime, key, key.encode())
        assert _get(runtime, key).headers["X-Cache"] == CACHE_MISS
        assert _get(runtime, key).headers["X-Cache"] == CACHE_HIT

    _create_invalidation(runtime, [f"/media/{tenant}/*"])

    # The tenant's objects are fetched again (Miss); the other tenant's stay cached.
    cached = runtime.gateway.cache
    wait_for(lambda: f"/media/{keys[0]}" not in cached, timeout=3)
    assert f"/media/{keys[1]}" not in cached
    assert _get(runtime, keys[0]).headers["X-Cache"] == CACHE_MISS
    assert _get(runtime, keys[1]).headers["X-Cache"] == CACHE_MISS
    assert _get(runtime, keys[2]).headers["X-Cache"] == CACHE_HIT


@e2e
def test_runtime_invalidate_goes_through_the_cloudfront_api(runtime: LocalRuntime):
    key = f"{_tenant()}/m/3/web.jpg"
    _put(runtime, key, b"v1")
    _get(runtime, key)
    _put(runtime, key, b"v2")  # replaced at the origin (e.g. a blurred variant)
    assert _get(runtime, key).content == b"v1"  # the edge does not know yet

    invalidation_id = runtime.invalidate([f"/media/{key}"])  # applied before it returns

    listed = _cloudfront().list_invalidations(DistributionId=runtime.distribution_id)
    assert invalidation_id in {item["Id"] for item in listed["InvalidationList"]["Items"]}
    fresh = _get(runtime, key)
    assert (fresh.headers["X-Cache"], fresh.content) == (CACHE_MISS, b"v2")
    assert runtime.gateway.invalidations.invalidated_since(f"/media/{key}", 0)


@e2e
def test_the_origin_form_of_the_path_invalidates_too(runtime: LocalRuntime):
    # In AWS the viewer-request function strips /media before the cache lookup.
    key = f"{_tenant()}/m/4/web.jpg"
    _put(runtime, key, b"x")
    _get(runtime, key)
    runtime.invalidate([f"/{key}"])
    assert _get(runtime, key).headers["X-Cache"] == CACHE_MISS


@e2e
def test_a_deleted_object_leaves_the_edge_after_the_media_ttl_without_invalidation(
    runtime: LocalRuntime,
):
    # Given a cached photo (with the renditions' long Cache-Control) deleted from S3
    key = f"{_tenant()}/m/5/web.jpg"
    _put(runtime, key, b"short-lived", cache_control="private, max-age=300")
    assert _get(runtime, key).headers["X-Cache"] == CACHE_MISS
    cached_at = time.monotonic()
    runtime.client("s3").delete_object(Bucket=runtime.names.media_bucket, Key=key)
    assert _get(runtime, key).headers["X-Cache"] == CACHE_HIT
    invalidations = len(runtime.gateway.invalidations.entries)
    # Then, with no invalidation, the edge forgets it once the media TTL has run out
    wait_for(
        lambda: _get(runtime, key).status_code == 404, timeout=topology.MEDIA_EDGE_TTL_SECONDS + 5
    )
    assert time.monotonic() - cached_at >= topology.MEDIA_EDGE_TTL_SECONDS - 1
    assert len(runtime.gateway.invalidations.entries) == invalidations


@e2e
def test_uncached_ranges_head_and_errors_go_to_the_origin(runtime: LocalRuntime):
    key = f"{_tenant()}/m/6/web.jpg"
    _put(runtime, key, b"0123456789")
    partial = _get(runtime, key, headers={"Range": "bytes=2-4"})
    assert (partial.status_code, partial.content, partial.headers["X-Cache"]) == (
        206,
        b"234",
        CACHE_MISS,
    )
    head = requests.head(runtime.signed_url(runtime.media_url(key)), timeout=10)
    assert head.headers["X-Cache"] == CACHE_MISS
    assert f"/media/{key}" not in runtime.gateway.cache  # neither is cached
    missing = _get(runtime, f"{_tenant()}/m/404/web.jpg")
    assert missing.status_code == 404
    assert "Hit" not in missing.headers.get("X-Cache", "")

    assert _get(runtime, key).headers["X-Cache"] == CACHE_MISS
    beyond = _get(runtime, key, headers={"Range": "bytes=50-60"})
    assert beyond.status_code == 416
    suffix = _get(runtime, key, headers={"Range": "bytes=-3"})
    assert (suffix.status_code, suffix.content, suffix.headers["X-Cache"]) == (
        206,
        b"789",
        CACHE_HIT,
    )


@e2e
def test_health_reports_the_cdn(runtime: LocalRuntime):
    body = requests.get(f"{runtime.base_url}/_dev/health", timeout=10).json()
    assert body["workers"]["invalidation_poller"] is True
    assert body["cdn"]["distribution_id"] == runtime.distribution_id
    assert {"entries", "bytes", "hits", "misses", "invalidations"} <= set(body["cdn"])


# --- The cache and CloudFront's rules, without a runtime ---------------------------------------


@pytest.mark.parametrize(
    ("cache_control", "ttl"),
    [
        # The media policy's TTLs are all topology.MEDIA_EDGE_TTL_SECONDS: every object is
        # kept exactly that long, whatever its Cache-Control (docs/revocation.md).
        (None, topology.MEDIA_EDGE_TTL_SECONDS),
        ("", topology.MEDIA_EDGE_TTL_SECONDS),
        ("private, max-age=300", topology.MEDIA_EDGE_TTL_SECONDS),  # the renditions' header
        ("max-age=300, s-maxage=60", topology.MEDIA_EDGE_TTL_SECONDS),
        ("max-age=0", topology.MEDIA_EDGE_TTL_SECONDS),
        ("no-store", topology.MEDIA_EDGE_TTL_SECONDS),
        ("max-age=99999999999", topology.MEDIA_EDGE_TTL_SECONDS),
    ],
)
def test_cache_ttl_follows_the_media_cache_policy(cache_control: str | None, ttl: int):
    assert cache_ttl(cache_control) == ttl


@pytest.mark.parametrize(
    ("cache_control", "ttl"),
    [
        (None, 86_400),
        ("private, max-age=300", 300),
        ("max-age=300, s-maxage=60", 60),  # s-maxage is the shared caches' lifetime
        ("max-age=0", 1),
        ("no-store", 1),
        ("no-cache", 1),
        ("max-age=99999999999", 31_536_000),
        ("public", 86_400),
    ],
)
def test_cache_ttl_clamps_to_any_policy(cache_control: str | None, ttl: int):
    # CloudFront's rule with the managed CachingOptimized policy's TTLs (1 s, 1 day, 1 year).
    assert cache_ttl(cache_control, min_ttl=1, default_ttl=86_400, max_ttl=31_536_000) == ttl


@pytest.mark.parametrize(
    ("path", "key", "expected"),
    [
        ("/media/t/a/m/1/web.jpg", "/media/t/a/m/1/web.jpg", True),
        ("media/t/a/m/1/web.jpg", "/media/t/a/m/1/web.jpg", True),  # leading / implied
        ("/media/t/a/m/1/web.jpg", "/media/t/a/m/1/web.jpgx", False),
        ("/media/t/a/m/1/Web.jpg", "/media/t/a/m/1/web.jpg", False),  # case sensitive
        ("/media/t/a/*", "/media/t/a/m/1/web.jpg", True),
        ("/media/t/a*", "/media/t/ab/m/1/web.jpg", True),  # a prefix, not a folder
        ("/media/t/a/*", "/media/t/b/m/1/web.jpg", False),
        ("/*", "/media/t/b/m/1/web.jpg", True),
        ("/t/a/m/1/web.jpg", "/media/t/a/m/1/web.jpg", True),  # the origin form
        ("/t/a/*", "/media/t/a/m/1/web.jpg", True),
        ("/media/t/a/m/1/photo%201.jpg", "/media/t/a/m/1/photo 1.jpg", True),
        ("/media/t/a/m/1/photo 1.jpg", "/media/t/a/m/1/photo%201.jpg", True),
        ("/media/*/m/1/web.jpg", "/media/t/a/m/1/web.jpg", False),  # '*' only at the end
    ],
)
def test_invalidation_paths(path: str, key: str, expected: bool):
    assert invalidation_matches(path, key) is expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-3", (0, 3)),
        ("bytes=4-", (4, 9)),
        ("bytes=-3", (7, 9)),
        ("bytes=5-100", (5, 9)),
        ("bytes=10-", False),
        ("bytes=0-1,4-5", None),  # multipart ranges go to the origin
        ("items=0-1", None),
        ("bytes=3-1", None),
        ("bytes=-", None),
    ],
)
def test_single_ranges(header: str, expected: Any):
    assert parse_single_range(header, 10) == expected


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _store(cache: EdgeCache, key: str, body: bytes = b"x", **kwargs: Any) -> bool:
    arguments: dict[str, Any] = {
        "content_type": "image/jpeg",
        "etag": None,
        "last_modified": None,
        "cache_control": None,
        "since_generation": cache.generation(),
        **kwargs,
    }
    return cache.put(key, body=body, **arguments)


def test_entries_expire_with_the_media_ttl_whatever_their_cache_control():
    clock = FakeClock()
    cache = EdgeCache(clock=clock)
    assert _store(cache, "/media/a", cache_control="private, max-age=300")
    clock.now += topology.MEDIA_EDGE_TTL_SECONDS - 0.1
    assert cache.get("/media/a") is not None
    clock.now += 0.2
    assert cache.get("/media/a") is None


def test_a_fetch_overtaken_by_an_invalidation_is_not_stored():
    # Given a fetch that started before an invalidation of its path was applied
    cache = EdgeCache()
    started = cache.generation()
    cache.invalidate(["/media/t/a/*"])
    # Then what it read may be what the invalidation removed: not cached
    assert not _store(cache, "/media/t/a/m/1/web.jpg", since_generation=started)
    # but an unrelated path, or a fetch started after, is
    assert _store(cache, "/media/t/b/m/1/web.jpg", since_generation=started)
    assert _store(cache, "/media/t/a/m/1/web.jpg")


def test_the_cache_is_bounded():
    cache = EdgeCache(max_object_bytes=10, max_total_bytes=25)
    assert not _store(cache, "/big", b"x" * 11)
    assert _store(cache, "/1", b"x" * 10)
    assert _store(cache, "/2", b"x" * 10)
    cache.get("/1")  # recently used
    assert _store(cache, "/3", b"x" * 10)
    assert cache.keys() == ["/1", "/3"]
    assert cache.stats()["bytes"] == 20
