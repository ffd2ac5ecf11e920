"""What the sign-in API accepts and answers: request types (parsed before any logic runs)
and the shapes of its answers (documented in the API description)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypedDict

from pellicule.api.schema import ABSENT, Omittable, Text
from pellicule.domain.messages import Texts

# --- Requests --------------------------------------------------------------------------------

# An e-mail address as typed: one "@" with something on either side, within the longest
# address a person has (RFC 5321: 254, and room for the spaces a phone keyboard adds). Its
# exact form (trimmed, lower-case, a dotted domain) is checked by the use case
# (``magic_links.normalise_email``), as before.
Email = Annotated[str, Text(min_length=3, max_length=320, pattern="[^@]+@[^@]+")]
# A link's token (``magic_links``: 256 random bits, URL-safe base64).
Token = Annotated[str, Text(min_length=32, max_length=128, pattern="[A-Za-z0-9_-]{32,128}")]
# The 6-digit code of a sign-in e-mail (ASCII digits; the spaces around are dropped).
_SPACE = "[ \t\n\r\f\v]*"
SignInCode = Annotated[
    str, Text(min_length=6, max_length=32, pattern=f"{_SPACE}[0-9]{{6}}{_SPACE}")
]
# A code of the authenticator app ("123 456") or a recovery code ("abcd-efgh-jkmn"); their
# format is checked with the code itself (a wrong one counts as a wrong code).
AppCode = Annotated[str, Text(min_length=1, max_length=64)]


@dataclass(frozen=True)
class LinkRequest:
    """The address to send the sign-in links of (the answer is the same if it has none)."""

    email: Email


@dataclass(frozen=True)
class SessionRequest:
    """A link's ``token``, or an ``email`` and the 6-digit ``code`` of its e-mail.

    Every one of these that does not work (malformed, null, unknown, used, expired, wrong)
    gets the same answer: 401 ``invalid_link``. A ``null`` one counts as sent (and does
    not work), unlike one left out.
    """

    token: Omittable[Token | None] = ABSENT
    email: Omittable[Email | None] = ABSENT
    code: Omittable[SignInCode | None] = ABSENT
    # Keep this browser signed in (a trusted device, families only: ignored for staff).
    trust_device: bool = False


@dataclass(frozen=True)
class CodeRequest:
    """A current code of the authenticator app."""

    code: AppCode


@dataclass(frozen=True)
class VerifyRequest:
    """A ``code`` of the authenticator app, or one of the ``recovery_code`` s (single use;
    it wins when both are sent)."""

    code: AppCode | None = None
    recovery_code: AppCode | None = None


@dataclass(frozen=True)
class RenewRequest:
    """``{}`` after a sign-in with a recovery code, or a current ``code`` of the old app."""

    code: AppCode | None = None


@dataclass(frozen=True)
class RecoveryCodesRequest:
    """A current ``code`` of the app (a recovery code is refused here)."""

    code: AppCode | None = None
    recovery_code: AppCode | None = None


# --- Answers ---------------------------------------------------------------------------------

Kind = Literal["staff", "guardian", "relative"]  # relative: issue 17


class Accepted(TypedDict):
    """The same answer whether the address is known or not: ``reason`` says so, ``message``
    in French and English (the sign-in page shows both)."""

    reason: Literal["link_sent_if_known"]
    message: Texts


class Who(TypedDict):
    kind: Kind
    role: str
    tenant_id: str
    tenant_name: str
    principal_id: str


class SignedIn(Who):
    """The new session (its id is only in the ``__Host-`` cookie); ``second_factor``: the
    next step for staff who need one (``enrol`` or ``verify``), else null."""

    next: str
    second_factor: Literal["enrol", "verify"] | None
    # Whether this browser is now a trusted device (its credential is in its own cookie).
    trusted_device: bool


class SignedOut(TypedDict):
    signed_out: bool


class SignedOutEverywhere(TypedDict):
    signed_out: bool
    sessions: int
    devices: int


# A trusted device's public id (``devices.revoke``: 16 hex digits).
DeviceId = Annotated[str, Text(min_length=16, max_length=16, pattern="[0-9a-f]{16}")]


class Device(TypedDict):
    """A trusted device as its owner recognises it: ``browser`` and ``system`` are codes
    (``chrome``, ``safari``... ``iphone``, ``android``... or ``unknown``) the page names in
    its language; times in epoch seconds; ``current``: the device asking."""

    id: str
    browser: str
    system: str
    created_at: int
    last_used_at: int
    expires_at: int
    current: bool


class Devices(TypedDict):
    devices: list[Device]


class DeviceRevoked(TypedDict):
    revoked: bool
    # The device that asked was the one revoked: this browser is signed out.
    signed_out: bool


class _Status(TypedDict):
    signed_in: bool


class Status(_Status, total=False):
    """``{"signed_in": false}``, or the person's kind, role and home page."""

    kind: Kind
    role: str
    home: str


class Enrolment(TypedDict):
    """A new authenticator secret, its otpauth URI and QR code (an SVG data URI)."""

    secret: str
    uri: str
    qr: str


class RecoveryCodes(TypedDict):
    """The recovery codes, shown once, and where to go next."""

    recovery_codes: list[str]
    next: str


class _Verified(TypedDict):
    next: str


class Verified(_Verified, total=False):
    """After a recovery code: how many are left and whether a new app is recommended."""

    recovery_codes_left: int
    renewal: Literal["recommended", "offered"]


class FactorStatus(TypedDict):
    enrolled: bool
    recovery_codes_left: int
    renewal_allowed: bool


class NewRecoveryCodes(TypedDict):
    recovery_codes: list[str]
    recovery_codes_left: int


OpenApiDocument = dict[str, Any]
