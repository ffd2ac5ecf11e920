"""CloudFront's trusted-key-group check of signed URLs and signed cookies, without I/O.

The local gateway calls :func:`verify` for every ``/media/*`` request, so a URL or cookie
the gallery function signs is accepted locally exactly when CloudFront would accept it:

* signed URL, canned policy: ``Expires``, ``Signature``, ``Key-Pair-Id`` query parameters;
  the policy is rebuilt from the request URL (query string minus those parameters);
* signed URL, custom policy: ``Policy``, ``Signature``, ``Key-Pair-Id``;
* signed cookies: ``CloudFront-Policy`` (custom) or ``CloudFront-Expires`` (canned), with
  ``CloudFront-Signature`` and ``CloudFront-Key-Pair-Id``; used only when the URL carries no
  signing parameter (a signed URL takes precedence, as in CloudFront).

Values use CloudFront's URL-safe base64 (``+`` -> ``-``, ``=`` -> ``_``, ``/`` -> ``~``);
signatures are RSA PKCS#1 v1.5 over the policy bytes with SHA-1 (or SHA-256 when
``Hash-Algorithm=SHA256`` is given). The policy's ``Resource`` (``*`` and ``?`` wildcards)
must match the full request URL, ``DateLessThan`` must not have passed, and the optional
``DateGreaterThan`` and ``IpAddress`` conditions must hold.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

# Query parameters CloudFront consumes (and removes before matching the resource).
PARAM_EXPIRES = "Expires"
PARAM_POLICY = "Policy"
PARAM_SIGNATURE = "Signature"
PARAM_KEY_PAIR_ID = "Key-Pair-Id"
PARAM_HASH_ALGORITHM = "Hash-Algorithm"
SIGNING_PARAMS = frozenset(
    {PARAM_EXPIRES, PARAM_POLICY, PARAM_SIGNATURE, PARAM_KEY_PAIR_ID, PARAM_HASH_ALGORITHM}
)

COOKIE_POLICY = "CloudFront-Policy"
COOKIE_EXPIRES = "CloudFront-Expires"
COOKIE_SIGNATURE = "CloudFront-Signature"
COOKIE_KEY_PAIR_ID = "CloudFront-Key-Pair-Id"
COOKIE_HASH_ALGORITHM = "CloudFront-Hash-Algorithm"

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"SHA1": hashes.SHA1, "SHA256": hashes.SHA256}
_ENCODE = str.maketrans({"+": "-", "=": "_", "/": "~"})
_DECODE = str.maketrans({"-": "+", "_": "=", "~": "/"})


class AccessDenied(Exception):
    """The request carries no valid signature; ``reason`` is for logs, not for the viewer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def cloudfront_b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").translate(_ENCODE)


def cloudfront_b64decode(value: str) -> bytes:
    try:
        return base64.b64decode(value.translate(_DECODE).encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise AccessDenied("malformed base64") from None


def canned_policy(resource: str, expires: int) -> str:
    """The policy CloudFront rebuilds for a canned signature (byte for byte what signers sign)."""
    statement = {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
    return json.dumps({"Statement": [statement]}, separators=(",", ":"))


def load_public_key(public_key: RSAPublicKey | str | bytes) -> RSAPublicKey:
    if isinstance(public_key, RSAPublicKey):
        return public_key
    data = public_key.encode("ascii") if isinstance(public_key, str) else public_key
    loaded = serialization.load_pem_public_key(data)
    if not isinstance(loaded, RSAPublicKey):
        raise ValueError("CloudFront public keys are RSA keys")
    return loaded


class KeyGroup:
    """A trusted key group: key pair ids -> RSA public keys; changes at run time (rotation)."""

    def __init__(self, keys: Mapping[str, RSAPublicKey | str | bytes] | None = None) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, RSAPublicKey] = {}
        for key_id, key in (keys or {}).items():
            self.add(key_id, key)

    def add(self, key_pair_id: str, public_key: RSAPublicKey | str | bytes) -> None:
        loaded = load_public_key(public_key)
        with self._lock:
            self._keys[key_pair_id] = loaded

    def remove(self, key_pair_id: str) -> None:
        with self._lock:
            self._keys.pop(key_pair_id, None)

    def get(self, key_pair_id: str) -> RSAPublicKey | None:
        with self._lock:
            return self._keys.get(key_pair_id)

    def ids(self) -> list[str]:
        with self._lock:
            return sorted(self._keys)

    def __contains__(self, key_pair_id: object) -> bool:
        with self._lock:
            return key_pair_id in self._keys

    def __len__(self) -> int:
        with self._lock:
            return len(self._keys)


@dataclass(frozen=True)
class ViewerRequest:
    """What CloudFront sees of a viewer request.

    ``url`` is the full URL of the resource served: ``scheme://domain[:port]/path?query`` with
    the distribution's own domain (see :func:`viewer_url`, never the viewer's ``Host``
    header), path and query still percent-encoded (never normalized).
    """

    url: str
    source_ip: str
    cookies: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Grant:
    """A verified signature: which key, which policy, how it came (``url`` or ``cookie``)."""

    key_pair_id: str
    resource: str
    expires: int
    carrier: str
    canned: bool


def viewer_url(distribution_url: str, target: str) -> str:
    """The URL a policy is matched against: the distribution's configured domain
    (``scheme://domain[:port]``) and the request target (``/path?query``).

    CloudFront routes a request to a distribution by its domain and matches the policy
    against that domain and the path it serves. Building the URL from the ``Host`` header
    instead lets a forged one (``host/media/t/a/`` …) move the policy's wildcard over any path.
    """
    if not target.startswith("/"):
        raise AccessDenied("request target is not a path")
    return f"{distribution_url.rstrip('/')}{target}"


def _split_query(url: str) -> tuple[str, list[str]]:
    base, _, query = url.partition("?")
    return base, [part for part in query.split("&") if part] if query else []


def resource_url(url: str) -> str:
    """The request URL CloudFront matches policies against: signing parameters removed."""
    base, parts = _split_query(url)
    kept = [part for part in parts if part.partition("=")[0] not in SIGNING_PARAMS]
    return f"{base}?{'&'.join(kept)}" if kept else base


def _signing_params(url: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in _split_query(url)[1]:
        key, _, value = part.partition("=")
        if key in SIGNING_PARAMS:
            if key in found:
                raise AccessDenied(f"duplicate {key} parameter")
            found[key] = unquote(value)
    return found


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise AccessDenied(f"invalid {what}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise AccessDenied(f"invalid {what}")


def _wildcard(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def resource_matches(pattern: str, url: str) -> bool:
    """CloudFront's policy resource match: ``*`` is any run of characters, ``?`` exactly one."""
    return _wildcard(pattern).fullmatch(url) is not None


def _source_ip_allowed(cidr: Any, source_ip: str) -> bool:
    if not isinstance(cidr, str):
        return False
    try:
        network = ipaddress.ip_network(cidr, strict=False)
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.version == network.version and address in network


def _policy_statement(policy_bytes: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parse a policy into its single statement and that statement's condition."""
    try:
        policy = json.loads(policy_bytes)
    except (ValueError, UnicodeDecodeError):
        raise AccessDenied("policy is not JSON") from None
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if not isinstance(statements, list) or len(statements) != 1:
        raise AccessDenied("policy needs exactly one statement")
    statement = statements[0]
    if not isinstance(statement, dict):
        raise AccessDenied("malformed statement")
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        raise AccessDenied("policy has no condition")
    return statement, condition


def _check_dates(condition: dict[str, Any], now: float) -> int:
    """Enforce DateLessThan (required) and DateGreaterThan (optional); returns the expiry."""
    before = condition.get("DateLessThan")
    if not isinstance(before, dict) or "AWS:EpochTime" not in before:
        raise AccessDenied("policy has no DateLessThan")
    expires = _int(before["AWS:EpochTime"], "DateLessThan")
    if now >= expires:
        raise AccessDenied("expired")

    after = condition.get("DateGreaterThan")
    if after is not None:
        if not isinstance(after, dict) or "AWS:EpochTime" not in after:
            raise AccessDenied("malformed DateGreaterThan")
        if now < _int(after["AWS:EpochTime"], "DateGreaterThan"):
            raise AccessDenied("not yet valid")
    return expires


def _check_source_ip(condition: dict[str, Any], request: ViewerRequest) -> None:
    ip_condition = condition.get("IpAddress")
    if ip_condition is not None and not (
        isinstance(ip_condition, dict)
        and _source_ip_allowed(ip_condition.get("AWS:SourceIp"), request.source_ip)
    ):
        raise AccessDenied("source address not allowed")


def _check_resource(statement: dict[str, Any], request: ViewerRequest) -> str:
    # Without a Resource a custom policy applies to every file (CloudFront's documented rule).
    resource = statement.get("Resource", "*")
    if not isinstance(resource, str):
        raise AccessDenied("malformed resource")
    if not resource_matches(resource, resource_url(request.url)):
        raise AccessDenied("resource does not match")
    return resource


def _check_policy(policy_bytes: bytes, request: ViewerRequest, now: float) -> tuple[str, int]:
    """Enforce a (signature-checked) policy's conditions; returns (resource, expiry)."""
    statement, condition = _policy_statement(policy_bytes)
    expires = _check_dates(condition, now)
    _check_source_ip(condition, request)
    resource = _check_resource(statement, request)
    return resource, expires


def _credentials(request: ViewerRequest) -> tuple[str, dict[str, str]]:
    """Signing values from the URL, or else from the cookies, under the URL's names."""
    params = _signing_params(request.url)
    if params:
        return "url", params
    cookies = request.cookies
    names = {
        COOKIE_POLICY: PARAM_POLICY,
        COOKIE_EXPIRES: PARAM_EXPIRES,
        COOKIE_SIGNATURE: PARAM_SIGNATURE,
        COOKIE_KEY_PAIR_ID: PARAM_KEY_PAIR_ID,
        COOKIE_HASH_ALGORITHM: PARAM_HASH_ALGORITHM,
    }
    return "cookie", {param: cookies[name] for name, param in names.items() if name in cookies}


def verify(request: ViewerRequest, key_group: KeyGroup, *, now: float) -> Grant:
    """Return the grant a valid signature gives, or raise :class:`AccessDenied`."""
    carrier, values = _credentials(request)
    signature_value = values.get(PARAM_SIGNATURE)
    key_pair_id = values.get(PARAM_KEY_PAIR_ID)
    if not signature_value or not key_pair_id:
        raise AccessDenied("missing signature")
    has_policy, has_expires = PARAM_POLICY in values, PARAM_EXPIRES in values
    if has_policy == has_expires:
        raise AccessDenied("need exactly one of Policy and Expires")

    public_key = key_group.get(key_pair_id)
    if public_key is None:
        raise AccessDenied("key pair id not in the trusted key group")
    algorithm = _HASHES.get(values.get(PARAM_HASH_ALGORITHM, "SHA1"))
    if algorithm is None:
        raise AccessDenied("unsupported hash algorithm")

    if has_policy:
        policy_bytes = cloudfront_b64decode(values[PARAM_POLICY])
    else:
        expires = _int(values[PARAM_EXPIRES], "Expires")
        policy_bytes = canned_policy(resource_url(request.url), expires).encode("utf-8")

    try:
        public_key.verify(
            cloudfront_b64decode(signature_value), policy_bytes, padding.PKCS1v15(), algorithm()
        )
    except InvalidSignature:
        raise AccessDenied("bad signature") from None

    resource, expiry = _check_policy(policy_bytes, request, now)
    return Grant(
        key_pair_id=key_pair_id,
        resource=resource,
        expires=expiry,
        carrier=carrier,
        canned=not has_policy,
    )


def parse_cookie_header(headers: Iterable[str]) -> dict[str, str]:
    """``Cookie`` header values -> name/value pairs (the first occurrence of a name wins)."""
    cookies: dict[str, str] = {}
    for header in headers:
        for part in header.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name and name not in cookies:
                cookies[name] = value.strip().strip('"')
    return cookies
