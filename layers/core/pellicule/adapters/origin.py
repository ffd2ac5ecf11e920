"""The secret origin header: the values CloudFront may send, read from Secrets Manager.

CloudFront adds :data:`topology.ORIGIN_HEADER` to every request it forwards to the API
(``infra/cdn.py``); ``pellicule.api.http`` refuses any request without one of the secret's
values, so the ``execute-api`` endpoint called directly answers nothing but 403
(docs/delivery.md, "The API answers only through CloudFront").

The secret (``topology.Names.origin_header_secret``) is a JSON object ``{"current": ...,
"previous": ...}``: the signing-key rotation writes a new version whose ``previous`` is the
value CloudFront sends until the next deployment (:func:`rotated`), so both are accepted while
CloudFront's edges switch. A function reads the secret on its first request and keeps it
:data:`CACHE_SECONDS`; a value it does not know makes it read again, at most every
:data:`MISMATCH_REFRESH_SECONDS` (a rotation deployed while the function was warm), so forged
headers cost one read a container per that period at most.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass

from pellicule.config import clock

CACHE_SECONDS = 300.0  # a retired value is refused at most this long after the rotation
MISMATCH_REFRESH_SECONDS = 20.0
VALUE_BYTES = 32  # 256 bits of randomness, URL-safe base64 (43 characters)


@dataclass(frozen=True)
class OriginValues:
    """The values a function accepts, and when (``clock.now()``) they were read."""

    current: str
    previous: str
    read_at: float

    def accepts(self, sent: str) -> bool:
        """Constant-time comparison with both values (an empty one never matches)."""
        given = sent.encode("utf-8", "surrogatepass")
        found = False
        for value in (self.current, self.previous):
            # compare_digest on every value, whatever matched before: no early exit.
            found |= bool(value) & hmac.compare_digest(given, value.encode("utf-8"))
        return found


class OriginSecretError(ValueError):
    """The secret does not hold ``{"current": "<value>", ...}``."""


def parse(secret_string: str) -> tuple[str, str]:
    """``(current, previous)`` of a secret string (``previous`` may be empty)."""
    try:
        document = json.loads(secret_string)
    except ValueError:
        raise OriginSecretError("the origin-header secret is not JSON") from None
    current = document.get("current") if isinstance(document, dict) else None
    previous = document.get("previous", "") if isinstance(document, dict) else None
    if not isinstance(current, str) or not current or not isinstance(previous, str):
        raise OriginSecretError('the origin-header secret is not {"current": "...", ...}')
    return current, previous


def new_value() -> str:
    import secrets  # rotation tooling only: not on a function's path

    return secrets.token_urlsafe(VALUE_BYTES)


def rotated(secret_string: str | None) -> str:
    """The secret string after a rotation: a fresh ``current``, the old one as ``previous``
    (the value before the old one is dropped). ``None``: the first value."""
    previous = parse(secret_string)[0] if secret_string else ""
    return json.dumps({"current": new_value(), "previous": previous})


_cached: OriginValues | None = None


def _read() -> OriginValues:
    from pellicule.adapters import aws
    from pellicule.config.settings import get_settings
    from pellicule.domain.errors import ConfigurationError

    name = get_settings().origin_secret
    if not name:
        from pellicule.config import topology

        raise ConfigurationError("config_variable_missing", name=topology.ENV_ORIGIN_SECRET)
    value = aws.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
    try:
        current, previous = parse(value)
    except OriginSecretError:
        raise ConfigurationError("config_origin_secret_invalid") from None
    return OriginValues(current, previous, read_at=clock.now())


def _age(values: OriginValues) -> float:
    """Seconds since ``values`` were read; infinite if the product clock went back since."""
    age = clock.now() - values.read_at
    return age if age >= 0 else float("inf")


def accepted(sent: str | None) -> bool:
    """Whether ``sent`` (the header's value, ``None`` if absent) is one CloudFront sends."""
    global _cached
    if not sent:
        return False  # refused without reading anything
    if _cached is None or _age(_cached) >= CACHE_SECONDS:
        _cached = _read()
    if _cached.accepts(sent):
        return True
    if _age(_cached) >= MISMATCH_REFRESH_SECONDS:
        _cached = _read()  # a rotation may have been deployed since the last read
        return _cached.accepts(sent)
    return False


def reset_cache() -> None:
    """Forget the values read (a new container; tests)."""
    global _cached
    _cached = None
