"""Magic links and their 6-digit codes (security requirement 1; docs/authentication.md).

A link carries a token of 256 random bits (``secrets.token_urlsafe(32)``) in the URL
*fragment*; a code of 6 digits is its fallback for people who read the e-mail on another
device. Only hashes are stored (``LoginToken``): SHA-256 of the token as the key, SHA-256 of
the code salted with the token's hash. A link lives ``TOKEN_TTL_SECONDS`` and is used at most
once: the exchange is one conditional write (unused, unexpired, not locked -> used), so any
number of parallel exchanges of the same link open exactly one session. Each wrong code
spends one of ``MAX_CODE_ATTEMPTS`` attempts of every live link of that address, spent by an
atomic conditional increment before the code is compared; the link dies at the limit.

Nothing here logs, stores or returns an e-mail address, a token or a code except to the
caller that must put them in the e-mail.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition

from pellicule.config import clock
from pellicule.domain.errors import Unauthenticated
from pellicule.store import data
from pellicule.store.models import Guardian, LoginToken, Staff, Tenant, tenant_pk

TOKEN_BYTES = 32  # 256 bits (requirement: at least 128)
TOKEN_TTL_SECONDS = 15 * 60
CODE_DIGITS = 6
MAX_CODE_ATTEMPTS = 5
MAX_ACCOUNTS_PER_ADDRESS = 10  # one e-mail lists at most this many centres/roles
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
_CODE = re.compile(r"^[0-9]{6}$")
_EMAIL = re.compile(r"^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,20}$")


class InvalidLink(Unauthenticated):
    """Unknown, expired, used or locked link, or a wrong code: one message for all."""

    code = "invalid_link"


INVALID = "link_invalid"  # the reason of every InvalidLink (one message for all)


@dataclass(frozen=True)
class Account:
    """Someone an e-mail address may sign in as: a guardian or a staff member of a centre."""

    tenant_id: str
    tenant_name: str
    kind: str  # guardian | staff
    principal_id: str
    role: str  # guardian | director | animator

    @property
    def ref(self) -> str:
        """Pseudonymous reference (logs, audit)."""
        return f"{self.kind}:{self.principal_id}"


@dataclass(frozen=True)
class IssuedLink:
    """A fresh link for one account: ``token`` and ``code`` go into the e-mail, nowhere else."""

    account: Account
    token: str
    code: str
    expires_at: int


def normalise_email(raw: object) -> str | None:
    """The address as stored on people (trimmed, lower-case), or None if it is not one."""
    if not isinstance(raw, str):
        return None
    value = raw.strip().lower()
    return value if _EMAIL.match(value) else None


def email_digest(email: str) -> str:
    return hashlib.sha256(f"pellicule-email:{email}".encode()).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _code_hash(token_digest: str, code: str) -> str:
    return hashlib.sha256(f"{token_digest}:{code}".encode("ascii")).hexdigest()


def _pk(token_digest: str) -> str:
    return f"LOGIN#{token_digest}"


# --- Who an address is -------------------------------------------------------------------


def _tenant_names(tenant_ids: set[str]) -> dict[str, str]:
    """Names of the centres that are active (a suspended centre lets nobody in)."""
    names: dict[str, str] = {}
    for tenant_id in sorted(tenant_ids):
        try:
            tenant = Tenant.get(tenant_pk(tenant_id), "PROFILE")
        except DoesNotExist:
            continue
        if (tenant.status or "active") == "active":
            names[tenant_id] = tenant.name
    return names


def accounts_for(email: str) -> list[Account]:
    """Every live account of this address, staff first (both lookups always run)."""
    data.ready()
    staff = [s for s in Staff.by_gsi1.query(f"STAFFEMAIL#{email}") if not s.archived]
    guardians = [g for g in Guardian.by_gsi1.query(f"GUARDIANEMAIL#{email}") if not g.archived]
    names = _tenant_names({s.tenant_id for s in staff} | {g.tenant_id for g in guardians})
    found = [
        Account(s.tenant_id, names[s.tenant_id], "staff", s.staff_id, s.role)
        for s in staff
        if s.tenant_id in names and s.email == email
    ] + [
        Account(g.tenant_id, names[g.tenant_id], "guardian", g.guardian_id, "guardian")
        for g in guardians
        if g.tenant_id in names and g.email == email
    ]
    return found[:MAX_ACCOUNTS_PER_ADDRESS]


def current_account(tenant_id: str, kind: str, principal_id: str) -> Account | None:
    """The account as it is now (role changes apply; archived people and closed centres are
    refused), read with strong consistency."""
    data.ready()
    pk = tenant_pk(tenant_id)
    names = _tenant_names({tenant_id})
    if tenant_id not in names:
        return None
    try:
        if kind == "staff":
            staff = Staff.get(pk, f"STAFF#{principal_id}", consistent_read=True)
            if not staff.archived:
                return Account(tenant_id, names[tenant_id], kind, principal_id, staff.role)
        elif kind == "guardian":
            guardian = Guardian.get(pk, f"GUARDIAN#{principal_id}", consistent_read=True)
            if not guardian.archived:
                return Account(tenant_id, names[tenant_id], kind, principal_id, "guardian")
    except DoesNotExist:
        return None
    return None


# --- Issuing ------------------------------------------------------------------------------


def issue(email: str, accounts: list[Account], now: float | None = None) -> list[IssuedLink]:
    """One fresh link (and code) per account; only their hashes are written."""
    data.ready()
    moment = int(clock.now() if now is None else now)
    expires = moment + TOKEN_TTL_SECONDS
    address = email_digest(email)
    issued: list[IssuedLink] = []
    codes: set[str] = set()
    for account in accounts:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        while code in codes:  # the codes of one e-mail tell its links apart
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        codes.add(code)
        digest = token_hash(token)
        LoginToken(
            _pk(digest),
            "LOGIN",
            tenant_id=account.tenant_id,
            principal_kind=account.kind,
            principal_id=account.principal_id,
            code_hash=_code_hash(digest, code),
            attempts=0,
            created_at=moment,
            expires_at=expires,
            gsi1pk=f"LOGINCODE#{address}",
            gsi1sk=f"{moment:012d}#{digest[:16]}",
        ).save(condition=LoginToken.pk.does_not_exist())
        issued.append(IssuedLink(account, token, code, expires))
    return issued


# --- Exchanging ---------------------------------------------------------------------------


def _live(now: int) -> Condition:
    """Condition of a link that may still be used (and that exists: an update without it
    would create the item)."""
    return (
        LoginToken.pk.exists()
        & LoginToken.used_at.does_not_exist()
        & (LoginToken.expires_at > now)
        & (LoginToken.attempts < MAX_CODE_ATTEMPTS)
    )


def _is_condition_failure(error: UpdateError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


def _principal(record: LoginToken) -> tuple[str, str, str]:
    return record.tenant_id, record.principal_kind, record.principal_id


def consume_token(token: object, now: float | None = None) -> tuple[str, str, str]:
    """Use a link once: (tenant id, kind, principal id), or :class:`InvalidLink`."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise InvalidLink(INVALID)
    data.ready()
    moment = int(clock.now() if now is None else now)
    record = LoginToken(_pk(token_hash(token)), "LOGIN")
    try:
        record.update(actions=[LoginToken.used_at.set(moment)], condition=_live(moment))
    except UpdateError as error:
        if _is_condition_failure(error):
            raise InvalidLink(INVALID) from None
        raise
    return _principal(record)


def consume_code(email: object, code: object, now: float | None = None) -> tuple[str, str, str]:
    """Use a link through its code: (tenant id, kind, principal id), or :class:`InvalidLink`.

    Every live link of the address spends one attempt (an atomic, conditional increment)
    before its code is compared, so parallel guesses cannot exceed the limit.
    """
    address = normalise_email(email)
    if address is None or not isinstance(code, str) or not _CODE.match(code.strip()):
        raise InvalidLink(INVALID)
    code = code.strip()
    data.ready()
    moment = int(clock.now() if now is None else now)
    since = f"{moment - TOKEN_TTL_SECONDS:012d}"
    candidates = LoginToken.by_gsi1.query(
        f"LOGINCODE#{email_digest(address)}", LoginToken.gsi1sk >= since
    )
    for candidate in candidates:
        if candidate.used_at is not None or candidate.expires_at <= moment:
            continue
        record = LoginToken(candidate.pk, "LOGIN")
        try:
            record.update(actions=[LoginToken.attempts.add(1)], condition=_live(moment))
        except UpdateError as error:
            if _is_condition_failure(error):
                continue
            raise
        digest = candidate.pk.removeprefix("LOGIN#")
        if not hmac.compare_digest(record.code_hash, _code_hash(digest, code)):
            continue
        try:
            # This attempt was counted above: the limit allows it (attempts <= MAX).
            record.update(
                actions=[LoginToken.used_at.set(moment)],
                condition=(
                    LoginToken.used_at.does_not_exist()
                    & (LoginToken.expires_at > moment)
                    & (LoginToken.attempts <= MAX_CODE_ATTEMPTS)
                ),
            )
        except UpdateError as error:
            if _is_condition_failure(error):
                continue
            raise
        return _principal(record)
    raise InvalidLink(INVALID)


def is_used(token: str) -> bool | None:
    """Whether a link was used (None: no such link). For tests and support tools."""
    data.ready()
    try:
        record = LoginToken.get(_pk(token_hash(token)), "LOGIN", consistent_read=True)
    except DoesNotExist:
        return None
    return record.used_at is not None


# --- Links sent without being asked for (the daily digest) ---------------------------------

LOGIN_PAGE = "/login.html"


def issue_link(account: Account, ttl_seconds: int, now: float | None = None) -> IssuedLink:
    """One fresh link for ``account`` that lives ``ttl_seconds`` and has **no** usable code.

    For e-mails the person did not ask for just now (the daily digest, read hours later):
    the link is exchanged exactly like a requested one (single use, by a POST), but it is not
    under the address's code lookup key, so no 6-digit code can ever open it (a code living
    for hours would be guessable). ``IssuedLink.code`` is empty.
    """
    data.ready()
    moment = int(clock.now() if now is None else now)
    expires = moment + ttl_seconds
    token = secrets.token_urlsafe(TOKEN_BYTES)
    digest = token_hash(token)
    LoginToken(
        _pk(digest),
        "LOGIN",
        tenant_id=account.tenant_id,
        principal_kind=account.kind,
        principal_id=account.principal_id,
        # Not a 6-digit code's hash (a random value nobody knows): and without gsi1 the code
        # path never looks at this item anyway.
        code_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
        attempts=0,
        created_at=moment,
        expires_at=expires,
    ).save(condition=LoginToken.pk.does_not_exist())
    return IssuedLink(account, token, "", expires)


def link_url(public_url: str, link: IssuedLink) -> str:
    """``<public URL>/login.html#token=<token>`` (``&for=staff`` for staff): the token rides
    in the fragment, which browsers never send to a server. ``public_url`` is the configured
    one (``delivery.public_url()``), never a request header."""
    url = f"{public_url.rstrip('/')}{LOGIN_PAGE}#token={link.token}"
    return f"{url}&for=staff" if link.account.kind == "staff" else url
