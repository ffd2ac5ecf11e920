"""Staff second factor: TOTP (RFC 6238) and recovery codes. Pure logic: no AWS, no I/O.

Time is always a parameter (``at``, seconds since the epoch); ``pellicule.config.clock`` is only the
default. What the caller stores is a :class:`SecondFactor`, one DynamoDB map per staff member
(``to_dict`` / ``from_dict``). Every function returning an updated ``SecondFactor`` leaves
persisting it to the caller, who must write it conditionally on the value it read, so that two
parallel requests cannot both spend the same code (see ``docs/second-factor.md``).

``qrcode`` costs tens of milliseconds to import: it is imported only inside :func:`qr_svg`,
the enrolment path, never at module import (login needs only ``pyotp``, which is cheap).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

import pyotp

from pellicule.config import clock

ISSUER = "Pellicule"
DIGITS = 6
STEP_SECONDS = 30
WINDOW_STEPS = 1  # one step either side: a phone clock up to ~30 s off still works
SECRET_BYTES = 20  # 160 bits, the HMAC-SHA-1 key length RFC 4226 recommends
LABEL_MAX_CHARS = 64

# Recovery codes: 12 symbols of Crockford's base32 alphabet (no i, l, o, u), 5 bits each, so
# 60 random bits per code; shown as three groups of four. On input, o/i/l read as 0/1/1.
RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
RECOVERY_SYMBOLS = 12
RECOVERY_GROUP = 4
RECOVERY_CODE_COUNT = 10
RECOVERY_BITS = RECOVERY_SYMBOLS * 5
_RECOVERY_HASH_SCHEME = "sha256"
_RECOVERY_SALT_BYTES = 16
_RECOVERY_TYPOS = str.maketrans({"o": "0", "i": "1", "l": "1"})
_RECOVERY_SEPARATORS = re.compile(r"[\s\-_.]+")

# Who must use a second factor: the values of ``TenantSettings.staff_second_factor``
# (kept here as strings so that this module imports no model; a unit test checks they match).
POLICY_DIRECTORS = "directors"
POLICY_ALL_STAFF = "all_staff"
STAFF_ROLES = frozenset({"director", "animator"})

_SIX_DIGITS = re.compile(r"[0-9]{6}")
_FORMAT_VERSION = 1


# --- TOTP ------------------------------------------------------------------------------------


def new_secret() -> str:
    """A fresh shared secret: 160 random bits, base32 without padding (32 characters)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS, digest=hashlib.sha1)


def time_step(at: float) -> int:
    """The RFC 6238 counter for the instant ``at`` (seconds since the epoch)."""
    if at < 0:
        raise ValueError("time before the epoch")
    return int(at // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    """The 6-digit code of ``step`` (tests and the local demo's "authenticator")."""
    return _totp(secret).generate_otp(step)


def normalize_code(code: str) -> str | None:
    """The 6 ASCII digits of ``code`` (spaces, as apps display "123 456", are dropped), or
    None if it is anything else: fewer or more digits, letters, non-ASCII digits."""
    if not isinstance(code, str) or len(code) > 16:
        return None
    compact = code.replace(" ", "").replace("\u00a0", "")
    return compact if _SIX_DIGITS.fullmatch(compact) else None


def verify(
    secret: str,
    code: str,
    at: float | None = None,
    last_used_step: int | None = None,
) -> int | None:
    """The time step ``code`` is valid for, or None.

    Accepts the step of ``at`` and one step either side, but never a step at or before
    ``last_used_step``: a code, once accepted, cannot be replayed, nor can an older one. The
    caller stores the returned step and passes it back next time. Every candidate is computed
    and compared in constant time, whatever matches.
    """
    digits = normalize_code(code)
    if digits is None:
        return None
    now_step = time_step(clock.now() if at is None else at)
    floor = -1 if last_used_step is None else last_used_step
    totp = _totp(secret)
    accepted: int | None = None
    for step in range(now_step - WINDOW_STEPS, now_step + WINDOW_STEPS + 1):
        if step < 0:
            continue
        matches = hmac.compare_digest(totp.generate_otp(step).encode(), digits.encode())
        if matches and step > floor:
            accepted = step  # the latest matching step: it burns the most
    return accepted


def _clean_label(text: str, what: str) -> str:
    """One line of printable text without ':' (the label's separator), at most 64 chars."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a string")
    # Control and format characters (newlines, bidi overrides…) and ':' become spaces.
    text = "".join(
        " " if char == ":" or unicodedata.category(char).startswith("C") else char
        for char in unicodedata.normalize("NFC", text)
    )
    cleaned = " ".join(text.split())
    cleaned = cleaned[:LABEL_MAX_CHARS].rstrip()
    if not cleaned:
        raise ValueError(f"{what} is empty")
    if "@" in cleaned:
        # The label lives in the staff member's authenticator app (and its cloud backups):
        # pseudonymous text only, e.g. "Centre Les Tilleuls — Claire D.", never an e-mail.
        raise ValueError(f"{what} must not contain an e-mail address")
    return cleaned


def provisioning_uri(secret: str, account_label: str, issuer: str = ISSUER) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app reads from the QR code.

    Format: Google Authenticator's Key URI (label ``issuer:account``, both percent-encoded
    UTF-8; ``issuer`` repeated as a parameter; algorithm, digits and period explicit).
    """
    _totp(secret)  # validates the secret (base32, at least 112 bits)
    label = _clean_label(account_label, "account label")
    issuer = _clean_label(issuer, "issuer")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{quote(issuer, safe='')}:{quote(label, safe='')}?{query}"


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as standalone SVG markup (one ``<path>``, a white background,
    no script, no style attribute): shown inline or as an ``<img>`` under a strict CSP.

    It encodes the shared secret: serve it with ``Cache-Control: no-store``, never log it.
    """
    # Imported here, not at module level: ~40 ms, and only the enrolment path needs it.
    import qrcode
    import qrcode.image.svg

    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,  # one SVG user unit per module
        border=4,  # the quiet zone the QR specification requires
        image_factory=qrcode.image.svg.SvgPathFillImage,
    )
    code.add_data(uri)
    code.make(fit=True)
    markup = code.make_image().to_string(encoding="unicode")
    return str(markup)


def qr_svg_data_uri(uri: str) -> str:
    """:func:`qr_svg` as a ``data:image/svg+xml`` URI for an ``<img src>`` (allowed by the
    app's CSP ``img-src data:``; an SVG in an ``<img>`` can never run script)."""
    encoded = base64.b64encode(qr_svg(uri).encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


# --- Recovery codes --------------------------------------------------------------------------


def new_recovery_codes(n: int = RECOVERY_CODE_COUNT) -> list[str]:
    """``n`` distinct single-use codes, ``xxxx-xxxx-xxxx``, 60 random bits each."""
    if n < 1:
        raise ValueError("at least one recovery code")
    codes: list[str] = []
    while len(codes) < n:
        symbols = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_SYMBOLS))
        code = "-".join(
            symbols[i : i + RECOVERY_GROUP] for i in range(0, RECOVERY_SYMBOLS, RECOVERY_GROUP)
        )
        if code not in codes:
            codes.append(code)
    return codes


def normalize_recovery_code(code: str) -> str | None:
    """The 12 symbols of ``code`` (case, spaces, dashes ignored; o/i/l read as 0/1/1), or
    None if it cannot be a recovery code."""
    if not isinstance(code, str) or len(code) > 64:
        return None
    compact = _RECOVERY_SEPARATORS.sub("", code).lower().translate(_RECOVERY_TYPOS)
    if len(compact) != RECOVERY_SYMBOLS or any(c not in RECOVERY_ALPHABET for c in compact):
        return None
    return compact


def _recovery_digest(salt: bytes, symbols: str) -> bytes:
    return hashlib.sha256(salt + symbols.encode("ascii")).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_recovery_code(code: str) -> str:
    """What is stored for a recovery code: ``sha256$<salt>$<digest>`` (base64url), a fresh
    128-bit salt per code. One SHA-256 suffices for 60-bit random codes (no dictionary to try,
    the salt defeats precomputation and attacking many codes at once); the reasoning is in
    ``docs/second-factor.md``."""
    symbols = normalize_recovery_code(code)
    if symbols is None:
        raise ValueError("not a recovery code")
    salt = secrets.token_bytes(_RECOVERY_SALT_BYTES)
    return f"{_RECOVERY_HASH_SCHEME}${_b64(salt)}${_b64(_recovery_digest(salt, symbols))}"


def _parse_recovery_hash(stored: str) -> tuple[bytes, bytes]:
    try:
        scheme, salt, digest = stored.split("$")
        if scheme != _RECOVERY_HASH_SCHEME:
            raise ValueError(f"unknown recovery hash scheme {scheme!r}")
        return _unb64(salt), _unb64(digest)
    except (ValueError, binascii.Error) as error:
        raise ValueError("malformed recovery code hash") from error


def match_recovery_code(code: str, hashes: Sequence[str]) -> int | None:
    """The index in ``hashes`` of the stored hash ``code`` matches, or None.

    Every hash is computed and compared (constant time), whichever matches.
    """
    symbols = normalize_recovery_code(code)
    # A malformed input still goes through every hash (it cannot match: '-' is no symbol).
    candidate = "-" * RECOVERY_SYMBOLS if symbols is None else symbols
    found: int | None = None
    for index, stored in enumerate(hashes):
        salt, digest = _parse_recovery_hash(stored)
        equal = hmac.compare_digest(_recovery_digest(salt, candidate), digest)
        if equal and symbols is not None and found is None:
            found = index
    return found


# --- What the caller stores ------------------------------------------------------------------


@dataclass(frozen=True)
class SecondFactor:
    """One staff member's second factor, stored as a DynamoDB map.

    ``secret`` is the TOTP shared secret (base32); ``confirmed`` becomes true once a first
    code was verified (until then login must not rely on it); ``last_used_step`` is the time
    step of the last accepted code (replay protection); ``recovery_hashes`` are the hashes of
    the unused recovery codes; ``enrolled_at`` is when enrolment began (epoch seconds).
    """

    secret: str
    enrolled_at: int
    confirmed: bool = False
    last_used_step: int | None = None
    recovery_hashes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """Plain str/int/bool/list values (no None: an absent key means "never used")."""
        stored: dict[str, Any] = {
            "version": _FORMAT_VERSION,
            "secret": self.secret,
            "enrolled_at": self.enrolled_at,
            "confirmed": self.confirmed,
            "recovery_hashes": list(self.recovery_hashes),
        }
        if self.last_used_step is not None:
            stored["last_used_step"] = self.last_used_step
        return stored

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> SecondFactor:
        """The inverse of ``to_dict``; numbers may come back as ``Decimal`` (boto3)."""
        version = int(stored.get("version", _FORMAT_VERSION))
        if version != _FORMAT_VERSION:
            raise ValueError(f"unknown second factor format version {version}")
        last = stored.get("last_used_step")
        return cls(
            secret=str(stored["secret"]),
            enrolled_at=int(stored["enrolled_at"]),
            confirmed=bool(stored.get("confirmed", False)),
            last_used_step=None if last is None else int(last),
            recovery_hashes=tuple(str(h) for h in stored.get("recovery_hashes") or ()),
        )

    @property
    def recovery_codes_left(self) -> int:
        return len(self.recovery_hashes)

    def verify(self, code: str, at: float | None = None) -> SecondFactor | None:
        """This factor with the accepted step recorded, or None if ``code`` is refused."""
        step = verify(self.secret, code, at, self.last_used_step)
        return None if step is None else replace(self, last_used_step=step)

    def use_recovery_code(self, code: str) -> SecondFactor | None:
        """This factor without the matching recovery code (single use), or None."""
        if not self.confirmed:
            return None
        index = match_recovery_code(code, self.recovery_hashes)
        if index is None:
            return None
        remaining = self.recovery_hashes[:index] + self.recovery_hashes[index + 1 :]
        return replace(self, recovery_hashes=remaining)

    def with_new_recovery_codes(
        self, n: int = RECOVERY_CODE_COUNT
    ) -> tuple[SecondFactor, list[str]]:
        """Replace every recovery code; the plain codes are returned to be shown once."""
        codes = new_recovery_codes(n)
        hashes = tuple(hash_recovery_code(code) for code in codes)
        return replace(self, recovery_hashes=hashes), codes


def begin_enrolment(at: float | None = None) -> SecondFactor:
    """A new, unconfirmed factor with a fresh secret (show its QR code and the secret)."""
    return SecondFactor(secret=new_secret(), enrolled_at=int(clock.now() if at is None else at))


def confirm_enrolment(
    factor: SecondFactor, code: str, at: float | None = None
) -> tuple[SecondFactor, list[str]] | None:
    """Confirm a pending enrolment with a first code: the confirmed factor (with the step
    recorded and new recovery codes) and the plain recovery codes to show once; None if the
    code is refused or the factor was already confirmed."""
    if factor.confirmed:
        return None
    verified = factor.verify(code, at)
    if verified is None:
        return None
    return replace(verified, confirmed=True).with_new_recovery_codes()


# --- Policy ----------------------------------------------------------------------------------


def required_for(role: str, staff_second_factor_setting: str) -> bool:
    """Whether a person of ``role`` must pass a second factor in a centre whose
    ``staff_second_factor`` setting is the given one. Directors always; animators when the
    centre says ``all_staff``; guardians never (they have no account, only links)."""
    if staff_second_factor_setting not in {POLICY_DIRECTORS, POLICY_ALL_STAFF}:
        raise ValueError(f"unknown staff_second_factor setting {staff_second_factor_setting!r}")
    if role == "director":
        return True
    if role == "animator":
        return staff_second_factor_setting == POLICY_ALL_STAFF
    if role == "guardian":
        return False
    raise ValueError(f"unknown role {role!r}")


def factor_reasons(role: str, trusted: bool, staff_second_factor_setting: str) -> frozenset[str]:
    """Why a person must pass a second factor (empty: they need not): ``director``,
    ``trusted`` (an animator who may publish without validation) and ``all_staff`` (the centre
    requires it of animators). A session that did not pass TOTP is valid only for the reasons
    it was opened with: any new one (a promotion, becoming trusted, the centre's setting)
    ends it, so the elevation applies only after the next sign-in passes the second factor."""
    reasons = set()
    if role == "director":
        reasons.add("director")
    elif trusted and role == "animator":
        reasons.add("trusted")
    if role == "animator" and required_for(role, staff_second_factor_setting):
        reasons.add("all_staff")
    return frozenset(reasons)
