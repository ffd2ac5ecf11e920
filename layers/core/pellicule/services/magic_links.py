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

from pellicule.config import clock
from pellicule.domain import sessions as rules
from pellicule.domain.errors import Unauthenticated
from pellicule.store import relatives as relatives_store
from pellicule.store import roster, tenants
from pellicule.store import sessions as store

TOKEN_BYTES = 32  # 256 bits (requirement: at least 128)
TOKEN_TTL_SECONDS = rules.TOKEN_TTL_SECONDS
CODE_DIGITS = 6
MAX_CODE_ATTEMPTS = rules.MAX_CODE_ATTEMPTS
MAX_ACCOUNTS_PER_ADDRESS = 10  # one e-mail lists at most this many centres/roles
RELATIVE = rules.RELATIVE  # issue 17: a relative a guardian invited (kind and role)
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
    kind: str  # guardian | staff | relative
    principal_id: str
    role: str  # guardian | director | animator | relative

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


# --- Who an address is -------------------------------------------------------------------


def _tenant_names(tenant_ids: set[str]) -> dict[str, str]:
    """Names of the centres that are active (a suspended centre lets nobody in)."""
    names: dict[str, str] = {}
    for tenant_id in sorted(tenant_ids):
        tenant = tenants.profile(tenant_id)
        if tenant is not None and tenants.is_active(tenant):
            names[tenant_id] = tenant.name
    return names


def accounts_for(email: str) -> list[Account]:
    """Every live account of this address, staff first (both lookups always run)."""
    staff = [s for s in roster.staff_with_email(email) if not s.archived and not s.suspended]
    guardians = [g for g in roster.guardians_with_email(email) if not g.archived]
    # Issue 17: relatives a guardian invited (revoked ones leave the index); the lookup runs
    # for every address, known or not, like the two above.
    kin = [r for r in relatives_store.with_email(email) if r.revoked_at is None]
    names = _tenant_names(
        {s.tenant_id for s in staff} | {g.tenant_id for g in guardians} | {r.tenant_id for r in kin}
    )
    found = (
        [
            Account(s.tenant_id, names[s.tenant_id], "staff", s.staff_id, s.role)
            for s in staff
            if s.tenant_id in names and s.email == email
        ]
        + [
            Account(g.tenant_id, names[g.tenant_id], "guardian", g.guardian_id, "guardian")
            for g in guardians
            if g.tenant_id in names and g.email == email
        ]
        + [
            Account(r.tenant_id, names[r.tenant_id], RELATIVE, r.relative_id, RELATIVE)
            for r in kin
            if r.tenant_id in names and r.email == email and _relative_open(r)
        ]
    )
    return found[:MAX_ACCOUNTS_PER_ADDRESS]


def relative_inviter(relative: relatives_store.RelativeRecord) -> store.GuardianRecord | None:
    """The guardian who invited ``relative``, read as they are now, when the relative may
    still see their family (issue 17: ``domain.relatives.open_to``); None otherwise."""
    from pellicule.domain import relatives as relative_rules

    guardian = store.guardian_now(relative.tenant_id, relative.invited_by)
    inviter = (
        None
        if guardian is None
        else relative_rules.Inviter(bool(guardian.archived), len(guardian.child_ids or ()))
    )
    if not relative_rules.open_to(relative.revoked_at is not None, inviter):
        return None
    return guardian


def _relative_open(relative: relatives_store.RelativeRecord) -> bool:
    return relative_inviter(relative) is not None


def current_account(tenant_id: str, kind: str, principal_id: str) -> Account | None:
    """The account as it is now (role changes apply; archived or suspended people and closed
    centres are refused), read with strong consistency."""
    names = _tenant_names({tenant_id})
    if tenant_id not in names:
        return None
    if kind == "staff":
        staff = store.staff_now(tenant_id, principal_id)
        if staff is not None and not staff.archived and not staff.suspended:
            return Account(tenant_id, names[tenant_id], kind, principal_id, staff.role)
    elif kind == "guardian":
        guardian = store.guardian_now(tenant_id, principal_id)
        if guardian is not None and not guardian.archived:
            return Account(tenant_id, names[tenant_id], kind, principal_id, "guardian")
    elif kind == RELATIVE:  # issue 17
        relative = store.relative_now(tenant_id, principal_id)
        if relative is not None and _relative_open(relative):
            return Account(tenant_id, names[tenant_id], kind, principal_id, RELATIVE)
    return None


# --- Issuing ------------------------------------------------------------------------------


def issue(email: str, accounts: list[Account], now: float | None = None) -> list[IssuedLink]:
    """One fresh link (and code) per account; only their hashes are written."""
    moment = int(clock.now() if now is None else now)
    expires = rules.link_expiry(moment)
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
        store.save_link(
            digest,
            tenant_id=account.tenant_id,
            kind=account.kind,
            principal_id=account.principal_id,
            code_hash=_code_hash(digest, code),
            created_at=moment,
            expires_at=expires,
            address=address,
        )
        issued.append(IssuedLink(account, token, code, expires))
    return issued


# --- Exchanging ---------------------------------------------------------------------------


def _principal(record: store.LinkRecord) -> tuple[str, str, str]:
    return record.tenant_id, record.principal_kind, record.principal_id


def consume_token(token: object, now: float | None = None) -> tuple[str, str, str]:
    """Use a link once: (tenant id, kind, principal id), or :class:`InvalidLink`.

    One atomic conditional write (``store.use_link``): of parallel exchanges, one wins."""
    return consume_token_to(token, now)[0]


def consume_token_to(
    token: object, now: float | None = None
) -> tuple[tuple[str, str, str], str | None]:
    """:func:`consume_token`, and the page the link leads to (a path of :data:`LANDINGS`,
    or None: the person's home)."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise InvalidLink(INVALID)
    moment = int(clock.now() if now is None else now)
    record = store.use_link(token_hash(token), moment)
    if record is None:
        raise InvalidLink(INVALID)
    return _principal(record), LANDINGS.get(record.landing or "")


def consume_code(email: object, code: object, now: float | None = None) -> tuple[str, str, str]:
    """Use a link through its code: (tenant id, kind, principal id), or :class:`InvalidLink`.

    Every live link of the address spends one attempt (an atomic, conditional increment)
    before its code is compared, so parallel guesses cannot exceed the limit.
    """
    address = normalise_email(email)
    if address is None or not isinstance(code, str) or not _CODE.match(code.strip()):
        raise InvalidLink(INVALID)
    code = code.strip()
    moment = int(clock.now() if now is None else now)
    candidates = store.code_candidates(email_digest(address), rules.codes_issued_since(moment))
    for candidate in candidates:
        if not rules.link_usable(store.link_state(candidate), moment):
            continue
        digest = store.token_hash_of(candidate)
        record = store.spend_code_attempt(digest, moment)
        if record is None:
            continue
        if not hmac.compare_digest(record.code_hash, _code_hash(digest, code)):
            continue
        # This attempt was counted above: the limit allows it (attempts <= MAX).
        used = store.use_link_after_attempt(digest, moment)
        if used is None:
            continue
        return _principal(used)
    raise InvalidLink(INVALID)


def is_used(token: str) -> bool | None:
    """Whether a link was used (None: no such link). For tests and support tools."""
    record = store.link(token_hash(token))
    if record is None:
        return None
    return record.used_at is not None


# --- Links sent without being asked for (the daily digest) ---------------------------------

LOGIN_PAGE = "/login.html"


# Pages a link may lead to instead of the person's home (issue 17: the welcome e-mail's link
# opens the consents page). A code of this map is stored on the link, never a free path.
LANDINGS = {"consents": "/consents.html"}


def issue_link(
    account: Account, ttl_seconds: int, now: float | None = None, *, landing: str | None = None
) -> IssuedLink:
    """One fresh link for ``account`` that lives ``ttl_seconds`` and has **no** usable code.

    For e-mails the person did not ask for just now (the daily digest, read hours later):
    the link is exchanged exactly like a requested one (single use, by a POST), but it is not
    under the address's code lookup key, so no 6-digit code can ever open it (a code living
    for hours would be guessable). ``IssuedLink.code`` is empty.
    """
    moment = int(clock.now() if now is None else now)
    expires = rules.link_expiry(moment, ttl_seconds)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    digest = token_hash(token)
    store.save_link(
        digest,
        tenant_id=account.tenant_id,
        kind=account.kind,
        principal_id=account.principal_id,
        # Not a 6-digit code's hash (a random value nobody knows): and out of the address's
        # code lookup, the code path never looks at this item anyway.
        code_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
        created_at=moment,
        expires_at=expires,
        address=None,
        landing=landing if landing in LANDINGS else None,
    )
    return IssuedLink(account, token, "", expires)


def link_url(public_url: str, link: IssuedLink) -> str:
    """``<public URL>/login.html#token=<token>`` (``&for=staff`` for staff): the token rides
    in the fragment, which browsers never send to a server. ``public_url`` is the configured
    one (``delivery.public_url()``), never a request header."""
    url = f"{public_url.rstrip('/')}{LOGIN_PAGE}#token={link.token}"
    return f"{url}&for=staff" if link.account.kind == "staff" else url
