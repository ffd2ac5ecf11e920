"""The local front door: what CloudFront and API Gateway do in AWS, on one port.

* ``/api/<prefix>/...`` -> the function of the matching ``topology.API_ROUTES`` entry, called
  in-process with an HTTP API payload 2.0 event carrying CloudFront's secret origin header
  (the local secret's value, replacing any the viewer sent); its answer mapped back like API
  Gateway.
* ``/media/<key>`` -> the media bucket object ``<key>``, only with a valid CloudFront signature
  (signed URL or signed cookies) from a key of the trusted key group, then through the edge
  cache (``local/edgecache.py``): full objects are cached per path until their TTL or an
  invalidation of the local distribution (``X-Cache: Hit|Miss from pellicule-local``).
* ``/_dev/health``, ``/_dev/mail``, ``/_dev/mail.json``, ``/_dev/totp``, ``/_dev/clock``
  (+ ``.json``; POST: move the product clock, run the purge), ``POST /_dev/purge`` (the
  operator CLI's ``purge run``) -> local-only developer pages.
* anything else -> a static file of ``web/`` (no listing, no path escaping the folder).

Every response carries ``topology.security_headers`` (CloudFront's response-headers policy),
overriding what a handler may have set.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import logging
import mimetypes
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from local import cloudfront, edgecache, events
from local.lambdas import Invoker
from local.mailbox import STYLESHEET, STYLESHEET_PATH, Mailbox, render_page
from pellicule.config import topology

logger = logging.getLogger("pellicule.local.gateway")

MAX_REQUEST_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invocation payload limit
MEDIA_MAX_AGE_SECONDS = 60
MEDIA_CHUNK_BYTES = 256 * 1024
# CloudFront's X-Cache values, with this runtime's name in place of "cloudfront".
CACHE_HIT = "Hit from pellicule-local"
CACHE_MISS = "Miss from pellicule-local"
CACHE_ERROR = "Error from pellicule-local"
API_NOT_FOUND = {"message": "Not Found"}
API_ERROR = {"message": "Internal Server Error"}
API_BAD_REQUEST = {"message": "Bad Request"}
API_FORBIDDEN = {"message": "Forbidden"}
# The methods CloudFront and API Gateway (HTTP API) route; any other finds no route.
ROUTED_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# How long a request body may stall (per read) before the request is a 400.
BODY_TIMEOUT_SECONDS = 10.0
_STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}
NOT_FOUND_PAGE = (
    '<!doctype html>\n<html lang="fr"><head><meta charset="utf-8">'
    "<title>Page introuvable — Pellicule</title></head><body>"
    "<h1>Page introuvable</h1><p>Page not found.</p></body></html>\n"
)


class ProxyResponseError(ValueError):
    """The handler returned something API Gateway could not turn into an HTTP response."""


class MalformedRequestError(ValueError):
    """A request whose body cannot be read as HTTP says (bad chunking, a lying length)."""


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: Iterable[bytes] | None = None  # media bodies, sent as they are read
    length: int | None = None  # Content-Length of a streamed body

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def json_reply(status: int, payload: Any) -> Reply:
    return Reply(
        status,
        [("Content-Type", "application/json")],
        json.dumps(payload).encode("utf-8"),
    )


def proxy_result_to_reply(result: Any) -> Reply:
    """A payload 2.0 Lambda result -> the HTTP response API Gateway sends."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # API Gateway's inference: any other JSON value is the body of a 200 JSON answer.
        return json_reply(200, result)
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ProxyResponseError("statusCode must be an integer HTTP status")
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((str(name), str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        if not isinstance(values, list):
            raise ProxyResponseError("multiValueHeaders values must be lists")
        headers.extend((str(name), str(value)) for value in values)
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list):
        raise ProxyResponseError("cookies must be a list")
    headers.extend(("Set-Cookie", str(cookie)) for cookie in cookies)
    body = result.get("body")
    if body is None:
        raw = b""
    elif not isinstance(body, str):
        raise ProxyResponseError("body must be a string")
    elif result.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except ValueError:
            raise ProxyResponseError("body is not valid base64") from None
    else:
        raw = body.encode("utf-8")
    return Reply(status, headers, raw)


def match_route(path: str, routes: Iterable[topology.Route]) -> tuple[topology.Route, str] | None:
    """``ANY /api/<prefix>/{proxy+}``: the route and the (decoded) greedy proxy value; an
    exact route matches its one path (its proxy value is empty)."""
    for route in routes:
        if route.exact_path is not None:
            if path == route.exact_path:
                return route, ""
            continue
        head = f"/api/{route.prefix}/"
        if path.startswith(head) and len(path) > len(head):
            return route, unquote(path[len(head) :])
    return None


def static_file(web_root: Path, url_path: str) -> Path | None:
    """The file of ``web_root`` a URL path names, or ``None`` (never a path outside it)."""
    decoded = unquote(url_path)
    if "\x00" in decoded or "\\" in decoded:
        return None
    relative = decoded.lstrip("/") or "index.html"
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts[:-1]) or (
        parts[-1] in (".", "..") or parts[-1].startswith(".")
    ):
        return None
    root = web_root.resolve()
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root):
        return None
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def content_type_of(path: Path) -> str:
    known = _STATIC_TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


@dataclass(frozen=True)
class Invalidation:
    """A CloudFront invalidation the edge cache has applied."""

    invalidation_id: str
    paths: tuple[str, ...]
    applied_at: float
    dropped: int


@dataclass
class InvalidationLog:
    """The invalidations applied to the edge cache, oldest first (for tests and health)."""

    entries: list[Invalidation] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, invalidation: Invalidation) -> None:
        with self._lock:
            self.entries.append(invalidation)

    def invalidated_since(self, path: str, since: float) -> bool:
        """Was ``path`` (a viewer path such as ``/media/t/x.jpg``) covered by an invalidation
        applied at or after ``since``?"""
        with self._lock:
            return any(
                entry.applied_at >= since
                and any(edgecache.invalidation_matches(pattern, path) for pattern in entry.paths)
                for entry in self.entries
            )

    def __len__(self) -> int:
        with self._lock:
            return len(self.entries)


class Gateway:
    """The HTTP server; start() serves in a thread, stop() shuts it down and joins it."""

    def __init__(
        self,
        *,
        names: topology.Names,
        invoker: Invoker,
        key_group: cloudfront.KeyGroup,
        s3_client: Any,
        mailbox: Mailbox,
        upload_origin: str,
        web_root: Path,
        health: Callable[[], tuple[bool, dict[str, Any]]],
        host: str = "127.0.0.1",
        port: int = 0,
        routes: Iterable[topology.Route] = topology.API_ROUTES,
        clock: Callable[[], float] = time.time,
        purge: Callable[[list[str] | None], Any] | None = None,
        public_url: str | None = None,
        origin_header: Callable[[], str] | None = None,
    ) -> None:
        self.names = names
        # The value of the secret origin header CloudFront adds to every /api/* request
        # (None: none is added, like an execute-api endpoint called directly).
        self.origin_header = origin_header
        # The distribution's own domain: signed policies are matched against it, never
        # against the Host header a viewer sends (None: this gateway's base URL).
        self._public_url = public_url.rstrip("/") if public_url else None
        self.invoker = invoker
        self.key_group = key_group
        self.s3 = s3_client
        self.mailbox = mailbox
        self.web_root = web_root
        self.health = health
        self.routes = list(routes)
        self.clock = clock
        self.purge = purge
        # The last purge run from /_dev/clock or /_dev/purge: {"at", "result"} or {"error"}.
        self.last_purge: dict[str, Any] | None = None
        self.invalidations = InvalidationLog()
        self.cache = edgecache.EdgeCache(clock=clock)
        self.security_headers = topology.security_headers(upload_origin)
        self.body_timeout = BODY_TIMEOUT_SECONDS
        self._server = _Server((host, port), _RequestHandler, self)
        self._thread: threading.Thread | None = None

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """The ``Host`` values this gateway answers: its address and ``localhost`` with its
        port, and the public URL's host. A page whose DNS name was rebound to 127.0.0.1
        sends its own name: it gets nothing."""
        hosts = {f"{self.host}:{self.port}", f"localhost:{self.port}", f"127.0.0.1:{self.port}"}
        hosts.add(urlsplit(self.public_url).netloc)
        return frozenset(host.lower() for host in hosts)

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def public_url(self) -> str:
        """The configured public URL (the one the functions sign for)."""
        return self._public_url or self.base_url

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="pellicule-gateway",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.close_connections()
        self._server.server_close()

    def apply_invalidation(self, invalidation_id: str, paths: Iterable[str]) -> int:
        """Drop what a CloudFront invalidation names from the edge cache; returns how many
        entries went."""
        patterns = tuple(paths)
        dropped = self.cache.invalidate(patterns)
        self.invalidations.record(
            Invalidation(invalidation_id, patterns, applied_at=self.clock(), dropped=dropped)
        )
        logger.info(
            "invalidation %s applied: %d path(s), %d cached object(s) dropped",
            invalidation_id,
            len(patterns),
            dropped,
        )
        return dropped

    # --- Dispatch ---------------------------------------------------------------------------

    def handle(self, request: _RequestHandler) -> Reply:
        path = request.path.partition("?")[0]
        host = request.headers.get("Host")
        if host is not None and host.strip().lower() not in self.allowed_hosts:
            # Not a name of this distribution (e.g. DNS rebinding): nothing is served.
            logger.info("request refused: Host is not this gateway's (%s)", path)
            return json_reply(403, API_FORBIDDEN)
        if request.command not in ROUTED_METHODS:
            return json_reply(404, API_NOT_FOUND)  # as API Gateway: no route for that method
        if path.startswith("/api/") or path == "/api":
            return self._api(request)
        if path.startswith(topology.MEDIA_PATH):
            return self._media(request)
        if path.startswith("/_dev/"):
            return self._dev(request, path)
        return self._static(request, path)

    def _api(self, request: _RequestHandler) -> Reply:
        raw_path, _, raw_query = request.path.partition("?")
        matched = match_route(raw_path, self.routes)
        if matched is None:
            return json_reply(404, API_NOT_FOUND)
        route, proxy = matched
        if route.method != "ANY" and request.command != route.method:
            return json_reply(404, API_NOT_FOUND)  # as API Gateway: no route for that method
        body = request.read_body()
        if body is None:
            return json_reply(413, {"message": "Request Entity Too Large"})
        event = events.http_api_event(
            names=self.names,
            route=route,
            method=request.command,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=list(request.headers.items()),
            body=body,
            source_ip=request.client_address[0],
            proxy=proxy,
            protocol=request.request_version,
            now=self.clock(),
            origin_headers=(
                {topology.ORIGIN_HEADER: self.origin_header()} if self.origin_header else None
            ),
        )
        try:
            result = self.invoker.invoke(route.function, event)
            return proxy_result_to_reply(result)
        except Exception:
            logger.exception(
                "function %s failed on %s %s", route.function, request.command, raw_path
            )
            return json_reply(502, API_ERROR)

    def _media(self, request: _RequestHandler) -> Reply:
        if request.command not in ("GET", "HEAD"):
            return _text_reply(403, "Forbidden")
        raw_path = request.path.partition("?")[0]
        host = request.headers.get("Host")
        if host is not None and host != urlsplit(self.public_url).netloc:
            # Only the distribution's own domain is routed to it.
            logger.info("media access denied (not this distribution's domain): %s", raw_path)
            return _text_reply(403, "Access denied")
        # The policy is matched against the resource served (this distribution's domain and
        # the path), as at the edge: a viewer's Host header never widens what a policy covers.
        viewer = cloudfront.ViewerRequest(
            url=cloudfront.viewer_url(self.public_url, request.path),
            source_ip=request.client_address[0],
            cookies=cloudfront.parse_cookie_header(request.headers.get_all("Cookie") or []),
        )
        try:
            cloudfront.verify(viewer, self.key_group, now=self.clock())
        except cloudfront.AccessDenied as denied:
            logger.info("media access denied (%s): %s", denied.reason, raw_path)
            return _text_reply(403, "Access denied")
        key = unquote(raw_path[len(topology.MEDIA_PATH) :])
        if not key:
            return _text_reply(404, "Not found")
        # CloudFront checks the signature, then looks in its cache (key: the path only).
        cached = self.cache.get(raw_path)
        if cached is not None:
            return self._media_cached(request, cached)
        return self._media_object(request, key, cache_key=raw_path)

    def _media_headers(
        self, content_type: str, etag: str | None, last_modified: str | None
    ) -> list[tuple[str, str]]:
        headers = [
            ("Content-Type", content_type),
            ("Cache-Control", f"private, max-age={MEDIA_MAX_AGE_SECONDS}"),
            ("Accept-Ranges", "bytes"),
        ]
        if etag:
            headers.append(("ETag", etag))
        if last_modified:
            headers.append(("Last-Modified", last_modified))
        return headers

    def _media_cached(self, request: _RequestHandler, cached: edgecache.CachedObject) -> Reply:
        headers = self._media_headers(cached.content_type, cached.etag, cached.last_modified)
        headers += [
            ("X-Cache", CACHE_HIT),
            ("Age", str(max(0, int(self.clock() - cached.stored_at)))),
        ]
        size = cached.size
        range_header = request.headers.get("Range")
        if range_header:
            wanted = edgecache.parse_single_range(range_header, size)
            if wanted is False:
                reply = _text_reply(416, "Range not satisfiable")
                reply.headers += [("Content-Range", f"bytes */{size}"), ("X-Cache", CACHE_HIT)]
                return reply
            if wanted is not None:
                assert isinstance(wanted, tuple)
                first, last = wanted
                headers.append(("Content-Range", f"bytes {first}-{last}/{size}"))
                body = cached.body[first : last + 1]
                if request.command == "HEAD":
                    return Reply(206, headers, b"", length=len(body))
                return Reply(206, headers, body)
        if request.command == "HEAD":
            return Reply(200, headers, b"", length=size)
        return Reply(200, headers, cached.body)

    def _media_object(self, request: _RequestHandler, key: str, *, cache_key: str) -> Reply:
        """From the origin (the media bucket); a full ``GET`` answer is cached on the way."""
        from botocore.exceptions import ClientError

        generation = self.cache.generation()
        arguments: dict[str, Any] = {"Bucket": self.names.media_bucket, "Key": key}
        range_header = request.headers.get("Range")
        if range_header:
            arguments["Range"] = range_header
        try:
            if request.command == "HEAD":
                found = self.s3.head_object(**{k: v for k, v in arguments.items() if k != "Range"})
            else:
                found = self.s3.get_object(**arguments)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500))
            if code in ("NoSuchKey", "404", "NotFound") or status == 404:
                reply = _text_reply(404, "Not found")
            elif code == "InvalidRange" or status == 416:
                reply = _text_reply(416, "Range not satisfiable")
            else:
                raise
            reply.headers.append(("X-Cache", CACHE_ERROR))
            return reply
        content_type = found.get("ContentType") or "application/octet-stream"
        etag = found.get("ETag")
        last_modified = (
            found["LastModified"].strftime("%a, %d %b %Y %H:%M:%S GMT")
            if found.get("LastModified")
            else None
        )
        headers = self._media_headers(content_type, etag, last_modified)
        headers.append(("X-Cache", CACHE_MISS))
        if found.get("ContentDisposition"):
            # As S3 (and so CloudFront) returns it: an album archive's file name.
            headers.append(("Content-Disposition", str(found["ContentDisposition"])))
        status = 200
        if found.get("ContentRange"):
            status = 206
            headers.append(("Content-Range", found["ContentRange"]))
        length = int(found.get("ContentLength", 0))
        if request.command == "HEAD":
            return Reply(status, headers, b"", length=length)
        body = found["Body"]
        if status == 200 and not range_header and self.cache.cacheable(length):
            data = body.read()
            self.cache.put(
                cache_key,
                body=data,
                content_type=content_type,
                etag=etag,
                last_modified=last_modified,
                cache_control=found.get("CacheControl"),
                since_generation=generation,
            )
            return Reply(status, headers, data)
        return Reply(status, headers, stream=body.iter_chunks(MEDIA_CHUNK_BYTES), length=length)

    def _dev(self, request: _RequestHandler, path: str) -> Reply:
        if request.command == "POST" and path in (DEV_CLOCK_PATH, DEV_PURGE_PATH):
            return self._dev_post(request, path)
        if request.command not in ("GET", "HEAD"):
            return _text_reply(405, "Method not allowed")
        if path == DEV_CLOCK_PATH:
            page = render_clock_page(self.last_purge, STYLESHEET_PATH)
            return Reply(
                200,
                [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
                page.encode("utf-8"),
            )
        if path == f"{DEV_CLOCK_PATH}.json":
            return json_reply(200, {**clock_state(), "last_purge": self.last_purge})
        if path == "/_dev/health":
            healthy, details = self.health()
            return json_reply(200 if healthy else 503, details)
        if path == "/_dev/mail.json":
            return json_reply(200, [mail.as_json() for mail in self.mailbox.messages()])
        if path == "/_dev/mail":
            page = render_page(self.mailbox.messages())
            return Reply(
                200,
                [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
                page.encode("utf-8"),
            )
        if path == "/_dev/totp":
            from local import devtotp

            page = devtotp.render_page(devtotp.codes(), STYLESHEET_PATH)
            return Reply(
                200,
                [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
                page.encode("utf-8"),
            )
        if path == STYLESHEET_PATH:
            return Reply(200, [("Content-Type", "text/css; charset=utf-8")], STYLESHEET.encode())
        return _not_found_page()

    # --- Developer actions (POST): the product clock, the purge ---------------------------------

    def run_purge(self, tenants: list[str] | None) -> tuple[bool, Any]:
        """Run the purge function now (in this process); (ok, its result or the error)."""
        if self.purge is None:
            return False, {"message": "no purge function in this runtime"}
        try:
            result = self.purge(tenants)
        except Exception as error:
            logger.exception("purge run from a developer page failed")
            failed: dict[str, Any] = {"error": type(error).__name__}
            # A purge that failed for some centre raises with its report (ids and counts)
            # as the message, as Lambda reports a function error: show it.
            with contextlib.suppress(ValueError):
                report = json.loads(str(error))
                if isinstance(report, dict):
                    failed["result"] = report
            self.last_purge = {"at": _iso_now(), "tenants": tenants, **failed}
            return False, {"message": "the purge function failed", **failed}
        self.last_purge = {"at": _iso_now(), "tenants": tenants, "result": result}
        return True, result

    def _dev_post(self, request: _RequestHandler, path: str) -> Reply:
        if not _same_origin(request):
            return _text_reply(403, "Forbidden")
        body = request.read_body()
        if body is None:
            return _text_reply(413, "Request entity too large")
        if path == DEV_PURGE_PATH:
            # JSON only: a cross-site form cannot send it (and CORS lets no page read this).
            content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip()
            if content_type.lower() != "application/json":
                return json_reply(415, {"message": "Content-Type must be application/json"})
            try:
                wanted = json.loads(body.decode("utf-8") or "{}")
            except ValueError:
                return json_reply(400, {"message": "invalid JSON"})
            tenants = wanted.get("tenants") if isinstance(wanted, dict) else None
            if tenants is not None and not (
                isinstance(tenants, list) and all(isinstance(t, str) for t in tenants)
            ):
                return json_reply(400, {"message": "tenants must be a list of ids"})
            ok, result = self.run_purge(tenants)
            return json_reply(200 if ok else 502, result)
        form = parse_qs(body.decode("utf-8", "replace"))
        action = (form.get("action") or [""])[0]
        from pellicule.config import clock as product_clock

        if action in CLOCK_STEPS:
            product_clock.advance(CLOCK_STEPS[action])
            logger.info("product clock moved by %s: now %s", action, product_clock.utcnow())
        elif action == "reset":
            product_clock.reset()
            logger.info("product clock back to the real time")
        elif action == "purge":
            self.run_purge(None)
        else:
            return _text_reply(400, "Unknown action")
        return Reply(303, [("Location", DEV_CLOCK_PATH), ("Cache-Control", "no-store")])

    def _static(self, request: _RequestHandler, path: str) -> Reply:
        if request.command not in ("GET", "HEAD"):
            return _text_reply(403, "Forbidden")
        found = static_file(self.web_root, path) if self.web_root.is_dir() else None
        if found is None:
            return _not_found_page()
        content_type = content_type_of(found)
        headers = [("Content-Type", content_type)]
        if content_type.startswith("text/html"):
            headers.append(("Cache-Control", "no-cache"))
        return Reply(200, headers, found.read_bytes())


DEV_CLOCK_PATH = "/_dev/clock"
DEV_PURGE_PATH = "/_dev/purge"
DAY_SECONDS = 24 * 3600
# The buttons of /_dev/clock: how far each moves the product clock.
CLOCK_STEPS = {"day": DAY_SECONDS, "month": 30 * DAY_SECONDS, "year": 365 * DAY_SECONDS}
CLOCK_TITLE = "Horloge du produit (développement)"


def _iso_now() -> str:
    """The product clock's time (the one the purge ran at), not the machine's."""
    from pellicule.config import clock

    return clock.utcnow().isoformat(timespec="seconds").replace("+00:00", "Z")


def _same_origin(request: _RequestHandler) -> bool:
    """A developer action comes from this gateway's own pages or from a tool (no Origin):
    a page of another site cannot move the clock or run the purge."""
    origin = request.headers.get("Origin")
    host = request.headers.get("Host")
    if origin is not None and (origin == "null" or origin != f"http://{host}"):
        return False
    site = request.headers.get("Sec-Fetch-Site")
    return site is None or site in ("same-origin", "none")


def clock_state() -> dict[str, Any]:
    """The product clock (``pellicule.config.clock``) as this process sees it."""
    from pellicule.config import clock as product_clock

    now = product_clock.now()
    offset = now - time.time()
    return {
        "now": product_clock.utcnow().isoformat(timespec="seconds").replace("+00:00", "Z"),
        "epoch": now,
        "offset_seconds": round(offset, 3),
        "offset_days": round(offset / DAY_SECONDS, 2),
    }


def _purge_rows(result: Any) -> list[tuple[str, str, str]]:
    """(centre, count, value) rows of a purge result, whatever its exact shape."""
    rows: list[tuple[str, str, str]] = []
    if not isinstance(result, dict):
        return [("", "result", json.dumps(result))]
    by_tenant = result.get("tenants")
    if isinstance(by_tenant, dict):
        for tenant, counts in sorted(by_tenant.items()):
            if isinstance(counts, dict):
                rows += [(str(tenant), str(k), str(v)) for k, v in sorted(counts.items())]
            else:
                rows.append((str(tenant), "", json.dumps(counts)))
    for name, value in sorted(result.items()):
        if name == "tenants":
            continue
        if isinstance(value, dict):
            rows += [("", f"{name}.{k}", json.dumps(v)) for k, v in sorted(value.items())]
        else:
            rows.append(("", str(name), json.dumps(value)))
    return rows


def render_clock_page(last_purge: dict[str, Any] | None, stylesheet: str) -> str:
    state = clock_state()
    escape = html.escape

    def button(action: str, label: str) -> str:
        return (
            f'<form method="post" action="{DEV_CLOCK_PATH}">'
            f'<input type="hidden" name="action" value="{action}">'
            f'<button type="submit">{escape(label)}</button></form>'
        )

    purge = "<p>Aucune purge lancée depuis cette page. / No purge run from here yet.</p>"
    if last_purge is not None:
        if "error" in last_purge and "result" not in last_purge:
            purge = (
                f"<p>Purge du {escape(str(last_purge.get('at')))} : échec / failed "
                f"({escape(str(last_purge['error']))}) — voir les journaux / see the logs.</p>"
            )
        else:
            rows = "".join(
                f"<tr><td>{escape(a)}</td><td>{escape(b)}</td><td>{escape(c)}</td></tr>"
                for a, b, c in _purge_rows(last_purge.get("result"))
            )
            failed = (
                f" — échec / failed ({escape(str(last_purge['error']))})"
                if "error" in last_purge
                else ""
            )
            purge = (
                f"<p>Dernière purge / last purge: {escape(str(last_purge.get('at')))}"
                f"{failed}</p>"
                '<table><thead><tr><th scope="col">Centre</th>'
                '<th scope="col">Compteur / count</th><th scope="col">Valeur / value</th>'
                f"</tr></thead><tbody>{rows}</tbody></table>"
            )
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{CLOCK_TITLE}</title>"
        f'<link rel="stylesheet" href="{stylesheet}"></head><body><main>'
        f"<h1>{CLOCK_TITLE}</h1>"
        "<p>Environnement local uniquement : l'heure que voient toutes les fonctions de ce "
        "processus (rétention, purge, consentements, sessions). Avancer l'horloge fait "
        "expirer les sessions et les liens de connexion : reconnectez-vous ensuite. / Local "
        "stack only: the time every function of this process sees. Moving it forward "
        "expires sessions and sign-in links: sign in again afterwards "
        f'(<a href="{DEV_CLOCK_PATH}.json">JSON</a>).</p>'
        f'<p class="count">Maintenant / now: <strong>{escape(state["now"])}</strong> '
        f"(décalage / offset: {state['offset_days']} jour(s) / day(s))</p>"
        '<div class="actions">'
        + button("day", "+1 jour / +1 day")
        + button("month", "+30 jours / +30 days")
        + button("year", "+1 an / +1 year")
        + button("reset", "Revenir à l'heure réelle / reset")
        + button("purge", "Lancer la purge maintenant / Run the purge now")
        + "</div><h2>Purge</h2>"
        + purge
        + "</main></body></html>\n"
    )


def _text_reply(status: int, message: str) -> Reply:
    return Reply(status, [("Content-Type", "text/plain; charset=utf-8")], f"{message}\n".encode())


def _not_found_page() -> Reply:
    return Reply(404, [("Content-Type", "text/html; charset=utf-8")], NOT_FOUND_PAGE.encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # A burst of connections (a page's requests, a load test) queues instead of being reset.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], handler: type, gateway: Gateway) -> None:
        self.gateway = gateway
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def close_connections(self) -> None:
        """Unblock handler threads waiting on idle keep-alive connections."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "Pellicule-local"
    sys_version = ""
    timeout = 60  # idle keep-alive connections close after a minute

    def read_body(self) -> bytes | None:
        """The request body, or ``None`` when it is over the size limit.

        Raises :class:`MalformedRequestError` for a body that is not what its headers say:
        bad chunk sizes or framing, a ``Content-Length`` that is not a number, both framings
        at once, or fewer bytes than announced (the client closed, or stalled for
        ``gateway.body_timeout`` seconds)."""
        self.connection.settimeout(self.server.gateway.body_timeout)
        try:
            return self._read_body()
        except (TimeoutError, OSError) as error:
            raise MalformedRequestError("the body stalled or the connection broke") from error
        finally:
            with contextlib.suppress(OSError):
                self.connection.settimeout(self.timeout)

    def _read_exactly(self, size: int) -> bytes:
        data = self.rfile.read(size)
        if len(data) != size:
            raise MalformedRequestError("the body is shorter than announced")
        return data

    def _read_body(self) -> bytes | None:
        encoding = (self.headers.get("Transfer-Encoding") or "").strip().lower()
        declared = self.headers.get_all("Content-Length") or []
        if encoding:
            if encoding != "chunked" or declared:
                raise MalformedRequestError("unsupported or ambiguous body framing")
            return self._read_chunked()
        return self._read_content_length(declared)

    def _read_content_length(self, declared: list[str]) -> bytes | None:
        if not declared:
            return b""
        if len(set(declared)) != 1 or not declared[0].strip().isdigit():
            raise MalformedRequestError("invalid Content-Length")
        length = int(declared[0].strip())
        if length > MAX_REQUEST_BYTES:
            self.close_connection = True
            return None
        return self._read_exactly(length) if length > 0 else b""

    def _read_chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = self._read_chunk_size()
            if size == 0:
                self._skip_trailers()
                return b"".join(chunks)
            total += size
            if total > MAX_REQUEST_BYTES:
                self.close_connection = True
                return None
            chunks.append(self._read_exactly(size))
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise MalformedRequestError("chunk not followed by CRLF")

    def _read_chunk_size(self) -> int:
        line = self.rfile.readline(1024)
        if not line.endswith(b"\n"):
            raise MalformedRequestError("truncated chunk size line")
        size_text = line.split(b";", 1)[0].strip()
        if not size_text or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
            raise MalformedRequestError("invalid chunk size")
        return int(size_text, 16)

    def _skip_trailers(self) -> None:
        while True:
            trailer = self.rfile.readline(8192)
            if trailer in (b"\r\n", b"\n"):
                return
            if not trailer.endswith(b"\n"):
                raise MalformedRequestError("truncated trailer")

    def _serve(self) -> None:
        started = time.monotonic()
        gateway = self.server.gateway
        try:
            reply = gateway.handle(self)
        except MalformedRequestError as error:
            logger.info("malformed request on %s: %s", self.path.partition("?")[0], error)
            self.close_connection = True  # what follows on this connection is not a request
            reply = json_reply(400, API_BAD_REQUEST)
        except Exception:
            logger.exception("gateway error on %s %s", self.command, self.path.partition("?")[0])
            reply = json_reply(500, API_ERROR)
        self._send(reply, gateway.security_headers)
        logger.log(
            logging.INFO if self.path.startswith("/api/") else logging.DEBUG,
            "%s %s -> %d (%.0f ms)",
            self.command,
            self.path.partition("?")[0],
            reply.status,
            (time.monotonic() - started) * 1000,
        )

    def _send(self, reply: Reply, security_headers: Mapping[str, str]) -> None:
        override = {name.lower() for name in security_headers}
        self.send_response(reply.status)
        for name, value in reply.headers:
            if name.lower() not in override and name.lower() not in ("content-length", "date"):
                self.send_header(name, value)
        for name, value in security_headers.items():
            self.send_header(name, value)
        length = reply.length if reply.length is not None else len(reply.body)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command == "HEAD":
            return
        if reply.stream is not None:
            for chunk in reply.stream:
                self.wfile.write(chunk)
        else:
            self.wfile.write(reply.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, FOO): served too, so it gets API Gateway's JSON "no route"
        # rather than the standard library's HTML 501 page.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A request the HTTP parser refused (bad request line, version, headers): API
        Gateway's 4xx JSON, never the standard library's HTML page, then close."""
        status = code if 400 <= code < 500 else 400
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Bad Request"
        self.close_connection = True
        if not getattr(self, "command", None):
            self.command = "GET"  # not a HEAD: the body is sent
        if getattr(self, "request_version", None) not in ("HTTP/1.0", "HTTP/1.1"):
            self.request_version = "HTTP/1.1"  # an unparsed request still gets a status line
        with contextlib.suppress(OSError):  # the client may be gone already
            self._send(
                json_reply(status, {"message": phrase}), self.server.gateway.security_headers
            )

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the stdlib's access log (it would print query strings)."""

    def log_error(self, format: str, *args: Any) -> None:
        logger.debug("http: " + format, *args)
