"""What stands in front of moto's server: only the runtime's own callers get in.

moto checks no signature and answers any browser origin (its CORS answers echo ``Origin``), so
a page of another site could read the table (staff e-mails, TOTP secrets) from moto's port. The
local runtime wraps moto's WSGI application in :class:`MotoGuard`, which refuses, with a bare
``403 AccessDenied``:

* a ``Host`` other than moto's own (``127.0.0.1:<port>``, ``localhost:<port>``): a page that
  rebinds its DNS name to 127.0.0.1 is not moto's caller;
* a browser request (one carrying ``Origin``, or a CORS preflight) from any origin but the
  app's own (the gateway's): the app's upload page is the only page that talks to moto, with
  the presigned POST/PUT URLs the functions made;
* any request (preflights aside) that does not name the runtime's access key id, which is
  random per start: in the SigV4 ``Authorization`` header (``Credential=<id>/...``), the
  presigned URL's ``X-Amz-Credential`` (or SigV2 ``AWSAccessKeyId``), or the form fields of a
  presigned POST (``x-amz-credential``, ``AWSAccessKeyId``).

What keeps other pages out is that they cannot know the key id, which only the runtime, its
functions and the URLs they hand to the app's own pages carry. Then, for the presigned requests
the app's pages make, the guard refuses what S3 itself refuses (moto checks none of it), with
S3's error codes (``local/s3policy.py``):

* a presigned POST: wrong policy signature, expired policy, a failed condition (key, bucket,
  Content-Type, ``content-length-range``), a field no condition covers. The body is read up to
  the file's first byte (at most S3's 20 KB of fields), checked, then read whole only if its
  Content-Length fits the policy's maximum, and handed on to moto byte for byte (fields after
  the file, which S3 ignores, are dropped);
* a SigV4 presigned URL (part uploads, PUT, GET): wrong signature (any change to the method,
  the path or a query parameter such as ``partNumber`` or ``uploadId``), or expired.

Requests signed in the ``Authorization`` header (the runtime's own boto3 clients) are let
through on their key id alone: their signature is not verified.
"""

from __future__ import annotations

import hmac
import io
import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote

from local import s3policy

logger = logging.getLogger("pellicule.local.moto")

_SIGV4_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_SIGV2 = re.compile(r"^AWS ([^:\s]+):")
_DENIED_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message></Error>"
)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def credential_key_id(value: str) -> str:
    """The access key id an ``X-Amz-Credential`` value names (``<id>/<date>/...``)."""
    return value.split("/", 1)[0].strip()


class _Form:
    """A presigned POST's body as read so far: enough for the fields before the file."""

    def __init__(self, boundary: bytes, length: int, data: bytes) -> None:
        self.boundary = boundary
        self.length = length
        self.data = data
        self.head = s3policy.parse_form_head(data, boundary)


class MotoGuard:
    """WSGI middleware: refuse what is not the runtime's own, then what S3 itself would refuse
    (see the module's docstring).

    ``allowed_hosts`` and ``app_origins`` may be filled after construction (moto's port and
    the gateway's are known only once they are bound). ``clock`` (seconds since the epoch) is
    S3's: the real time, not the product clock, as botocore signs with the real time."""

    def __init__(
        self,
        app: WsgiApp,
        *,
        access_key_id: str,
        secret_access_key: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.clock = clock
        self.allowed_hosts: set[str] = set()
        self.app_origins: set[str] = set()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        reason = self.refusal(environ)
        if reason is not None:
            logger.warning(
                "moto endpoint refused a request (%s): %s %s",
                reason,
                environ.get("REQUEST_METHOD", ""),
                environ.get("PATH_INFO", ""),
            )
            start_response(
                "403 Forbidden",
                [
                    ("Content-Type", "application/xml"),
                    ("Content-Length", str(len(_DENIED_BODY))),
                ],
            )
            return [_DENIED_BODY]
        try:
            self.check_as_s3(environ)
        except s3policy.S3Error as error:
            logger.warning(
                "moto endpoint refused a request as S3 would (%s): %s %s",
                error.code,
                environ.get("REQUEST_METHOD", ""),
                environ.get("PATH_INFO", ""),
            )
            return self._s3_error(environ, start_response, error)
        return self.app(environ, start_response)

    def refusal(self, environ: dict[str, Any]) -> str | None:
        """Why the request is refused, or ``None`` to let it through to moto."""
        host = environ.get("HTTP_HOST")
        if host is None or host.lower() not in self.allowed_hosts:
            return "not moto's host"
        origin = environ.get("HTTP_ORIGIN")
        method = str(environ.get("REQUEST_METHOD", "")).upper()
        preflight = method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
        if (origin is not None or preflight) and origin not in self.app_origins:
            return "browser request from another origin"
        if preflight:
            return None  # from the app's own page: moto answers with the bucket's CORS rules
        if not self._names_our_key(environ):
            return "not the runtime's credentials"
        return None

    # --- What S3 refuses (local/s3policy.py) -----------------------------------------------

    def secret_for(self, key_id: str) -> str | None:
        """The secret key of an access key id: the runtime's own, or none."""
        return self.secret_access_key if self._is_ours(key_id) else None

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def check_as_s3(self, environ: dict[str, Any]) -> None:
        """Raise :class:`s3policy.S3Error` where S3 would refuse a presigned request: a SigV4
        query-string URL, or a presigned POST (whose body is then handed on to moto)."""
        query = str(environ.get("QUERY_STRING") or "")
        method = str(environ.get("REQUEST_METHOD", "")).upper()
        if method != "OPTIONS" and s3policy.is_presigned_query(query):
            s3policy.check_presigned_url(
                method,
                _raw_path(environ),
                query,
                _headers(environ),
                secret_for=self.secret_for,
                now=self.now(),
            )
            return
        form: _Form | None = environ.get(_FORM_KEY)
        if form is not None:
            self._check_post(environ, form)

    def _check_post(self, environ: dict[str, Any], form: _Form) -> None:
        head, boundary = form.head, form.boundary
        if head.file_offset is None:
            if len(form.data) < form.length:
                raise s3policy.pre_data_too_large()
            raise s3policy.missing_file()
        policy = s3policy.check_post(
            head,
            bucket=s3policy.bucket_of(
                str(environ.get("HTTP_HOST") or ""), str(environ.get("PATH_INFO") or "")
            ),
            secret_for=self.secret_for,
            now=self.now(),
        )
        # Refuse a file larger than the policy allows before reading it (Content-Length says).
        at_most = form.length - head.file_offset - len(s3policy.closing(boundary)) + 2
        if policy.length_range is not None and (
            at_most - s3policy.TRAILER_ALLOWANCE_BYTES > policy.length_range[1]
        ):
            s3policy.check_length(at_most, policy.length_range)
        body = form.data + _read_exactly(environ["wsgi.input"], form.length - len(form.data))
        if len(body) < form.length:
            raise s3policy.S3Error(
                400,
                "IncompleteBody",
                "You did not provide the number of bytes specified by the Content-Length "
                "HTTP header",
            )
        end = s3policy.file_part_end(body, boundary, head.file_offset)
        if end is None:
            raise s3policy.S3Error(
                400,
                "MalformedPOSTRequest",
                "The body of your POST request is not well-formed multipart/form-data.",
            )
        s3policy.check_length(end - head.file_offset, policy.length_range)
        closing = s3policy.closing(boundary)
        if body[end:] != closing:
            body = body[:end] + closing  # S3 ignores the fields after the file: so does moto
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))

    def _s3_error(
        self, environ: dict[str, Any], start_response: StartResponse, error: s3policy.S3Error
    ) -> Iterable[bytes]:
        body = error.xml()
        headers = [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and origin in self.app_origins:
            # The bucket's CORS rules allow the app's page: it reads S3's refusal.
            headers += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        start_response(error.status_line, headers)
        return [body]

    # --- The runtime's credentials ---------------------------------------------------------

    def _is_ours(self, key_id: str | None) -> bool:
        return bool(key_id) and hmac.compare_digest(
            str(key_id).encode("utf-8"), self.access_key_id.encode("utf-8")
        )

    def _names_our_key(self, environ: dict[str, Any]) -> bool:
        authorization = str(environ.get("HTTP_AUTHORIZATION") or "")
        if authorization:
            found = _SIGV4_CREDENTIAL.search(authorization) or _SIGV2.match(authorization)
            return found is not None and self._is_ours(found.group(1))
        for name, value in parse_qsl(str(environ.get("QUERY_STRING") or "")):
            lowered = name.lower()
            if lowered == "x-amz-credential":
                return self._is_ours(credential_key_id(value))
            if lowered == "awsaccesskeyid":
                return self._is_ours(value)
        content_type = str(environ.get("CONTENT_TYPE") or "")
        boundary = s3policy.form_boundary(content_type) if content_type else None
        if str(environ.get("REQUEST_METHOD")).upper() == "POST" and boundary is not None:
            form = _read_form_head(environ, boundary)
            if form is None:
                return False
            environ[_FORM_KEY] = form
            credential = form.head.get("x-amz-credential")
            if credential is not None:
                return self._is_ours(credential_key_id(credential))
            return self._is_ours(form.head.get("awsaccesskeyid"))
        return False


_FORM_KEY = "pellicule.s3.form"
_CHUNK = 64 * 1024


def _read_exactly(stream: Any, count: int) -> bytes:
    chunks: list[bytes] = []
    while count > 0:
        chunk = stream.read(min(_CHUNK, count))
        if not chunk:
            break
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def _read_form_head(environ: dict[str, Any], boundary: bytes) -> _Form | None:
    """Read a POST body up to its file's first byte (at most S3's pre-data limit, and a chunk);
    ``None`` without a usable Content-Length. The rest stays in ``wsgi.input``."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        return None
    if length < 0:
        return None
    stream = environ["wsgi.input"]
    data = b""
    limit = min(length, s3policy.MAX_PRE_DATA_BYTES + _CHUNK)
    while len(data) < limit:
        chunk = stream.read(min(_CHUNK, limit - len(data)))
        if not chunk:
            break
        data += chunk
        if s3policy.parse_form_head(data, boundary).file_offset is not None:
            break
    form = _Form(boundary, length, data)
    if form.head.file_offset is None and len(data) == length:
        environ["wsgi.input"] = io.BytesIO(data)  # all of it: moto may still read it
    return form


def _raw_path(environ: dict[str, Any]) -> str:
    """The path as the client sent it (still percent-encoded), for the canonical request."""
    raw = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "")
    if raw:
        raw = raw.split("?", 1)[0]
        if "://" in raw:  # absolute form: drop scheme and authority
            raw = "/" + raw.split("://", 1)[1].partition("/")[2]
        return raw
    path = str(environ.get("PATH_INFO") or "/").encode("latin-1").decode("utf-8", "replace")
    return quote(path, safe="/~")


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    return headers
