"""What S3 checks on presigned requests, as pure functions: the local S3 refuses what S3 refuses.

moto's server stores whatever reaches it: a presigned POST whose policy expired a minute ago, a
larger file than ``content-length-range`` allows, a part URL whose part number was edited. The
local runtime's :class:`local.motoguard.MotoGuard` calls these checks before moto sees a request:

* **presigned POST** (``multipart/form-data`` to a bucket): the policy's SigV4 signature (the
  HMAC-SHA256 of the base64 policy with the key derived from the secret key and the credential's
  scope), its ``expiration``, every condition (exact match, ``eq``, ``starts-with``,
  ``content-length-range``; ``bucket`` against the request's bucket), and no form field left
  uncovered by a condition (``x-amz-signature``, ``file``, ``policy`` and ``x-ignore-*`` aside).
  As in S3, only the fields before ``file`` count, and the file's size is its part's size.
* **presigned URLs** (SigV4 query string: part uploads, PUT, GET): the signature over the
  recomputed canonical request (method, path, every query parameter, the signed headers), so
  neither the part number nor the upload id nor the method can change, and
  ``X-Amz-Date`` + ``X-Amz-Expires``.

Refusals carry S3's own codes, statuses and messages (:class:`S3Error`, rendered as S3's XML).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

ALGORITHM = "AWS4-HMAC-SHA256"
# S3 refuses a POST whose fields before the file exceed 20 KB (MaxPostPreDataLengthExceeded).
MAX_PRE_DATA_BYTES = 20 * 1024
# Form fields after the file (S3 ignores them) that a body may carry beyond the policy's maximum.
TRAILER_ALLOWANCE_BYTES = 64 * 1024
MAX_URL_EXPIRES_SECONDS = 7 * 24 * 3600
# Form fields no condition has to cover (S3's POST policy documentation).
UNCONDITIONED_FIELDS = frozenset({"x-amz-signature", "file", "policy"})
IGNORED_PREFIX = "x-ignore-"
_AMZ_DATE = "%Y%m%dT%H%M%SZ"

SecretFor = Callable[[str], str | None]


@dataclass(frozen=True)
class S3Error(Exception):
    """A refusal as S3 words it: HTTP status, error code, message and extra elements."""

    status: int
    code: str
    message: str
    details: tuple[tuple[str, str], ...] = ()

    @property
    def status_line(self) -> str:
        reasons = {400: "Bad Request", 403: "Forbidden", 411: "Length Required"}
        return f"{self.status} {reasons.get(self.status, 'Error')}"

    def xml(self) -> bytes:
        parts = [f"<Code>{escape(self.code)}</Code>", f"<Message>{escape(self.message)}</Message>"]
        parts += [f"<{name}>{escape(value)}</{name}>" for name, value in self.details]
        body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>"
        return body.encode("utf-8")


def access_denied(message: str, *details: tuple[str, str]) -> S3Error:
    return S3Error(403, "AccessDenied", message, tuple(details))


def policy_condition_failed(condition: Sequence[Any]) -> S3Error:
    return access_denied(
        "Invalid according to Policy: Policy Condition failed: " + json.dumps(list(condition))
    )


def signature_does_not_match(*details: tuple[str, str]) -> S3Error:
    return S3Error(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        tuple(details),
    )


def invalid_access_key_id(key_id: str) -> S3Error:
    return S3Error(
        403,
        "InvalidAccessKeyId",
        "The AWS Access Key Id you provided does not exist in our records.",
        (("AWSAccessKeyId", key_id),),
    )


def sigv2_not_supported() -> S3Error:
    return S3Error(
        400,
        "InvalidRequest",
        "The authorization mechanism you have provided is not supported. "
        "Please use AWS4-HMAC-SHA256.",
    )


# --- SigV4 primitives ------------------------------------------------------------------------


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    """SigV4's derived key: HMAC chain over the scope's date, region and service."""
    key = hmac.new(f"AWS4{secret_key}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign(secret_key: str, scope: Sequence[str], string_to_sign: str) -> str:
    date, region, service = scope[0], scope[1], scope[2]
    key = signing_key(secret_key, date, region, service)
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Credential:
    key_id: str
    scope: tuple[str, str, str, str]  # date, region, service, "aws4_request"

    @property
    def scope_text(self) -> str:
        return "/".join(self.scope)


def parse_credential(value: str) -> Credential | None:
    """``<key id>/<yyyymmdd>/<region>/<service>/aws4_request``, or ``None`` if malformed."""
    parts = value.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not re.fullmatch(r"\d{8}", parts[1]):
        return None
    return Credential(parts[0], (parts[1], parts[2], parts[3], parts[4]))


def _secret(secret_for: SecretFor, credential: Credential) -> str:
    secret = secret_for(credential.key_id)
    if secret is None:
        raise invalid_access_key_id(credential.key_id)
    return secret


# --- multipart/form-data ---------------------------------------------------------------------


@dataclass(frozen=True)
class FormHead:
    """What precedes the file in a POST body: the fields that count, where the file starts."""

    fields: tuple[tuple[str, str], ...]
    file_offset: int | None = None  # index of the file's first byte; None: no file part (yet)

    def get(self, name: str) -> str | None:
        """The first field of this name (S3's field names are case-insensitive)."""
        lowered = name.lower()
        for key, value in self.fields:
            if key.lower() == lowered:
                return value
        return None


def form_boundary(content_type: str) -> bytes | None:
    """The boundary of a ``multipart/form-data`` Content-Type, or ``None``."""
    from werkzeug.http import parse_options_header

    mimetype, options = parse_options_header(content_type)
    boundary = options.get("boundary")
    if mimetype.lower() != "multipart/form-data" or not boundary:
        return None
    return boundary.encode("latin-1")


def _disposition_name(headers: bytes) -> str | None:
    from werkzeug.http import parse_options_header

    for line in headers.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-disposition":
            kind, options = parse_options_header(value.decode("utf-8", "replace").strip())
            if kind.lower() == "form-data" and "name" in options:
                return options["name"]
    return None


def parse_form_head(data: bytes, boundary: bytes) -> FormHead:
    """The fields before ``file`` in ``data`` (a body's beginning, possibly all of it).

    ``file_offset`` stays ``None`` while the file part's headers are not complete in ``data``.
    Parts that are cut short or unnamed end the parse (a malformed form names no more fields).
    """
    dash = b"--" + boundary
    delimiter = b"\r\n" + dash
    fields: list[tuple[str, str]] = []
    start = data.find(dash)
    if start < 0:
        return FormHead(())
    position = start + len(dash)
    while True:
        if data[position : position + 2] != b"\r\n":
            return FormHead(tuple(fields))  # "--" closes the form; anything else is malformed
        header_end = data.find(b"\r\n\r\n", position + 2)
        if header_end < 0:
            return FormHead(tuple(fields))
        name = _disposition_name(data[position + 2 : header_end])
        content_start = header_end + 4
        if name is None:
            return FormHead(tuple(fields))
        if name.lower() == "file":
            return FormHead(tuple(fields), content_start)
        content_end = data.find(delimiter, content_start)
        if content_end < 0:
            return FormHead(tuple(fields))
        fields.append((name, data[content_start:content_end].decode("utf-8", "replace")))
        position = content_end + len(delimiter)


def file_part_end(body: bytes, boundary: bytes, file_offset: int) -> int | None:
    """Index just past the file's last byte (where the next delimiter starts), or ``None``."""
    end = body.find(b"\r\n--" + boundary, file_offset)
    return None if end < 0 else end


def closing(boundary: bytes) -> bytes:
    """What ends a form right after a part's content."""
    return b"\r\n--" + boundary + b"--\r\n"


# --- Presigned POST --------------------------------------------------------------------------


@dataclass(frozen=True)
class PostPolicy:
    expiration: datetime
    conditions: tuple[Any, ...]
    length_range: tuple[int, int] | None = field(default=None)


def _parse_time(value: str) -> datetime | None:
    for pattern in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _invalid_policy(message: str) -> S3Error:
    return S3Error(400, "InvalidPolicyDocument", f"Invalid Policy: {message}")


def decode_policy(encoded: str) -> PostPolicy:
    try:
        document = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _invalid_policy("Invalid JSON.") from None
    if not isinstance(document, dict):
        raise _invalid_policy("Invalid JSON.")
    expiration = _parse_time(str(document.get("expiration", "")))
    if expiration is None:
        raise _invalid_policy("Invalid 'expiration' value: " + repr(document.get("expiration")))
    conditions = document.get("conditions")
    if not isinstance(conditions, list):
        raise _invalid_policy("Policy missing conditions.")
    length_range = None
    for condition in conditions:
        if isinstance(condition, dict):
            if len(condition) != 1:
                raise _invalid_policy("Invalid simple-condition: value must be a single pair.")
        elif isinstance(condition, list) and condition:
            operator = str(condition[0]).lower()
            if operator == "content-length-range":
                if len(condition) != 3 or not all(
                    isinstance(n, int) and not isinstance(n, bool) for n in condition[1:]
                ):
                    raise _invalid_policy("Invalid content-length-range condition.")
                length_range = (int(condition[1]), int(condition[2]))
            elif (
                operator not in ("eq", "starts-with")
                or len(condition) != 3
                or not str(condition[1]).startswith("$")
            ):
                raise _invalid_policy("Invalid condition: " + json.dumps(condition))
        else:
            raise _invalid_policy("Invalid condition: " + json.dumps(condition))
    return PostPolicy(expiration, tuple(conditions), length_range)


def _field_value(head: FormHead, name: str, bucket: str) -> str:
    if name.lower() == "bucket":
        return bucket  # the bucket the request addresses, not a form field
    return head.get(name) or ""


def check_post(head: FormHead, *, bucket: str, secret_for: SecretFor, now: datetime) -> PostPolicy:
    """Everything S3 checks on a presigned POST before the file's size; the policy if it passes.

    Raises :class:`S3Error` on the first failed check, in S3's order: the form's SigV4
    fields, the signature, the expiration, each condition, then fields no condition covers.
    """
    encoded = _check_post_signature(head, secret_for)
    policy = decode_policy(encoded)
    if now > policy.expiration:
        raise access_denied("Invalid according to Policy: Policy expired.")
    covered = _check_post_conditions(head, policy, bucket)
    _check_no_extra_fields(head, covered)
    return policy


def _check_post_signature(head: FormHead, secret_for: SecretFor) -> str:
    """The form's SigV4 fields, then the signature over the policy; returns the policy field."""
    encoded = head.get("policy")
    signature = head.get("x-amz-signature")
    if head.get("awsaccesskeyid") is not None or head.get("signature") is not None:
        raise sigv2_not_supported()
    if encoded is None or signature is None:
        raise access_denied(
            "Bucket POST must contain a field named 'policy' and 'x-amz-signature'."
        )
    algorithm = head.get("x-amz-algorithm")
    if algorithm != ALGORITHM:
        raise S3Error(
            400, "InvalidRequest", f"Invalid algorithm {algorithm!r}: expected {ALGORITHM}."
        )
    credential = parse_credential(head.get("x-amz-credential") or "")
    if credential is None:
        raise S3Error(400, "InvalidArgument", "Invalid x-amz-credential.")
    expected = sign(_secret(secret_for, credential), credential.scope, encoded)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise signature_does_not_match(("AWSAccessKeyId", credential.key_id))
    return encoded


def _check_post_conditions(head: FormHead, policy: PostPolicy, bucket: str) -> set[str]:
    """Each condition in the policy's order; returns the (lower-case) field names covered."""
    covered: set[str] = set()
    for condition in policy.conditions:
        if isinstance(condition, dict):
            ((name, wanted),) = condition.items()
            covered.add(str(name).lower())
            if _field_value(head, str(name), bucket) != str(wanted):
                raise policy_condition_failed(["eq", f"${name}", wanted])
            continue
        operator = str(condition[0]).lower()
        if operator == "content-length-range":
            continue
        name = str(condition[1])[1:]
        covered.add(name.lower())
        value = _field_value(head, name, bucket)
        if operator == "eq" and value != str(condition[2]):
            raise policy_condition_failed(condition)
        if operator == "starts-with" and not value.startswith(str(condition[2])):
            raise policy_condition_failed(condition)
    return covered


def _check_no_extra_fields(head: FormHead, covered: set[str]) -> None:
    extra = [
        name
        for name, _ in head.fields
        if name.lower() not in covered
        and name.lower() not in UNCONDITIONED_FIELDS
        and not name.lower().startswith(IGNORED_PREFIX)
    ]
    if extra:
        raise access_denied("Invalid according to Policy: Extra input fields: " + ", ".join(extra))


def check_length(size: int, length_range: tuple[int, int] | None) -> None:
    """The file's size against the policy's ``content-length-range``."""
    if length_range is None:
        return
    low, high = length_range
    if size > high:
        raise S3Error(
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
            (("ProposedSize", str(size)), ("MaxSizeAllowed", str(high))),
        )
    if size < low:
        raise S3Error(
            400,
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
            (("ProposedSize", str(size)), ("MinSizeAllowed", str(low))),
        )


def missing_file() -> S3Error:
    return S3Error(400, "InvalidArgument", "POST requires exactly one file upload per request.")


def pre_data_too_large() -> S3Error:
    return S3Error(
        400,
        "MaxPostPreDataLengthExceeded",
        "Your POST request fields preceding the upload file were too large.",
    )


def missing_content_length() -> S3Error:
    return S3Error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")


# --- Presigned URLs (SigV4 query string) -----------------------------------------------------


def split_query(raw_query: str) -> list[tuple[str, str]]:
    """The query's (name, value) pairs, percent-decoded ('+' stays '+', as S3 reads it)."""
    pairs = []
    for piece in raw_query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def is_presigned_query(raw_query: str) -> bool:
    names = {name.lower() for name, _ in split_query(raw_query)}
    return bool(names & {"x-amz-signature", "x-amz-credential", "x-amz-algorithm"}) or bool(
        names & {"awsaccesskeyid", "signature"}
    )


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def canonical_query(pairs: Sequence[tuple[str, str]]) -> str:
    encoded = sorted(
        (_encode(name), _encode(value)) for name, value in pairs if name != "X-Amz-Signature"
    )
    return "&".join(f"{name}={value}" for name, value in encoded)


def canonical_uri(raw_path: str) -> str:
    """S3's canonical URI: the path, decoded, then encoded once ('/' kept, no normalisation)."""
    return quote(unquote(raw_path or "/"), safe="/~")


def canonical_request(
    method: str,
    raw_path: str,
    pairs: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
) -> str:
    lowered = {name.lower(): value for name, value in headers.items()}
    canonical_headers = "".join(
        f"{name}:{' '.join(lowered.get(name, '').split())}\n" for name in signed_headers
    )
    payload = (
        lowered.get("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
        if "x-amz-content-sha256" in signed_headers
        else "UNSIGNED-PAYLOAD"
    )
    return "\n".join(
        [
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(pairs),
            canonical_headers,
            ";".join(signed_headers),
            payload,
        ]
    )


def _query_error(message: str) -> S3Error:
    return S3Error(400, "AuthorizationQueryParametersError", message)


def check_presigned_url(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    *,
    secret_for: SecretFor,
    now: datetime,
) -> None:
    """A SigV4 presigned URL as S3 checks it: its parameters, its signature over the canonical
    request (method, path, every query parameter, signed headers), then its expiry."""
    pairs = split_query(raw_query)
    params = {name: value for name, value in pairs}
    lowered_names = {name.lower() for name in params}
    if lowered_names & {"awsaccesskeyid", "signature"} and "X-Amz-Algorithm" not in params:
        raise sigv2_not_supported()
    required = (
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Signature",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
    )
    if any(name not in params for name in required):
        raise _query_error(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, "
            "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
            "X-Amz-Expires parameters."
        )
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise _query_error('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"')
    credential = parse_credential(params["X-Amz-Credential"])
    if credential is None:
        raise _query_error("Error parsing the X-Amz-Credential parameter.")
    try:
        signed_at = datetime.strptime(params["X-Amz-Date"], _AMZ_DATE).replace(tzinfo=UTC)
        expires = int(params["X-Amz-Expires"])
    except ValueError:
        raise _query_error("Invalid X-Amz-Date or X-Amz-Expires.") from None
    if expires < 0:
        raise _query_error("X-Amz-Expires must be non-negative")
    if expires > MAX_URL_EXPIRES_SECONDS:
        raise _query_error("X-Amz-Expires must be less than a week (in seconds) that is 604800")
    signed_headers = params["X-Amz-SignedHeaders"].lower().split(";")
    if "host" not in signed_headers:
        raise _query_error("X-Amz-SignedHeaders must include host.")
    secret = _secret(secret_for, credential)
    request = canonical_request(method, raw_path, pairs, headers, signed_headers)
    string_to_sign = "\n".join(
        [
            ALGORITHM,
            params["X-Amz-Date"],
            credential.scope_text,
            hashlib.sha256(request.encode("utf-8")).hexdigest(),
        ]
    )
    expected = sign(secret, credential.scope, string_to_sign)
    provided = params["X-Amz-Signature"]
    if not hmac.compare_digest(expected, provided.strip().lower()):
        raise signature_does_not_match(
            ("AWSAccessKeyId", credential.key_id),
            ("StringToSign", string_to_sign),
            ("SignatureProvided", provided),
            ("CanonicalRequest", request),
        )
    deadline = signed_at.timestamp() + expires
    if now.timestamp() > deadline:
        raise access_denied(
            "Request has expired",
            ("X-Amz-Expires", str(expires)),
            ("Expires", datetime.fromtimestamp(deadline, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
            ("ServerTime", now.strftime("%Y-%m-%dT%H:%M:%SZ")),
        )


def bucket_of(host: str, path: str) -> str:
    """The bucket a request addresses: ``<bucket>.s3.<region>.amazonaws.com`` (virtual-hosted,
    as in AWS) or ``/<bucket>/<key>`` (path-style, as on moto's endpoint)."""
    hostname = host.rsplit(":", 1)[0].lower() if not host.startswith("[") else host
    if hostname.endswith(".amazonaws.com") and ".s3" in hostname:
        bucket, _, rest = hostname.partition(".s3")
        if rest.startswith((".", "-")) and bucket:
            return bucket
    return path.lstrip("/").split("/", 1)[0]
