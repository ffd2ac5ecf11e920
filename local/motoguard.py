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

The signature itself is not verified (moto does not either): what keeps other pages out is
that they cannot know the key id, which only the runtime, its functions and the URLs they hand
to the app's own pages carry.
"""

from __future__ import annotations

import hmac
import io
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

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


class MotoGuard:
    """WSGI middleware: refuse what is not the runtime's own (see the module's docstring).

    ``allowed_hosts`` and ``app_origins`` may be filled after construction (moto's port and
    the gateway's are known only once they are bound)."""

    def __init__(self, app: WsgiApp, *, access_key_id: str) -> None:
        self.app = app
        self.access_key_id = access_key_id
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
        content_type = str(environ.get("CONTENT_TYPE") or "").lower()
        if str(environ.get("REQUEST_METHOD")).upper() == "POST" and content_type.startswith(
            "multipart/form-data"
        ):
            return self._is_ours(_form_key_id(environ))
        return False


def _form_key_id(environ: dict[str, Any]) -> str | None:
    """The key id in a presigned POST's form fields; the body is kept for moto."""
    from werkzeug.formparser import parse_form_data

    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    probe = dict(environ)
    probe["wsgi.input"] = io.BytesIO(body)
    try:
        _, form, _ = parse_form_data(probe, silent=True)
    except Exception:  # noqa: BLE001 - a malformed form names no key
        return None
    for name in form:
        if name.lower() == "x-amz-credential":
            return credential_key_id(str(form[name]))
        if name.lower() == "awsaccesskeyid":
            return str(form[name])
    return None
