"""Sign-in use cases: ask for a link, exchange a link or a code for a session, sign out.

Requirements 1-3 of DESIGN.md; the choices are in docs/authentication.md. Logs carry
pseudonymous references only (``guardian:<id>``, counts): never an e-mail address, a token,
a code or a session id.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from functions.auth import contract
from pellicule.api.schema import ABSENT
from pellicule.config.observability import logger
from pellicule.config.settings import get_settings
from pellicule.domain import devices as device_rules
from pellicule.domain import messages
from pellicule.domain.errors import BadRequest, NotFound, Unauthenticated, error_code
from pellicule.services import audit, devices, magic_links, sessions
from pellicule.services.sessions import Principal
from pellicule.store import ratelimit

WINDOW_SECONDS = 15 * 60
# Requirement 2: per address and per client IP address (fixed windows, docs/authentication.md).
LINK_PER_EMAIL = ratelimit.Limit("link-email", 5, WINDOW_SECONDS)
LINK_PER_IP = ratelimit.Limit("link-ip", 30, WINDOW_SECONDS)
# Exchanges of links and codes per client IP address (codes are also limited per link).
SESSION_PER_IP = ratelimit.Limit("session-ip", 60, WINDOW_SECONDS)
# Trusted-device sign-ins per client IP address (a credential is 512 random bits: the limit
# only bounds the table writes a flood of forged cookies could cost).
DEVICE_PER_IP = ratelimit.Limit("device-ip", 60, WINDOW_SECONDS)

# Requirement 2, "in the same time": a link request (and a code exchange) answers no sooner
# than this after it arrived, whatever the address. The floor sits above the slowest path
# (lookups, writing the links, SES) so both paths end on it; docs/authentication.md.
RESPONSE_FLOOR_SECONDS = 0.8

# The one answer to a link request, known address or not (``contract.Accepted``).
LINK_SENT = "link_sent_if_known"
ACCEPTED = {"reason": LINK_SENT, "message": messages.both(LINK_SENT)}
FAMILY_HOME = "/gallery.html"  # where a signed-in guardian goes: their gallery
FAMILY_KINDS = ("guardian", "relative")  # issue 17: a relative goes to the gallery too

LOG = "auth"


@dataclass(frozen=True)
class SignedIn:
    """A new session: its id goes only into the cookie; ``device``: the trusted device
    credential to set in its own cookie (a new chain, or the next secret of one)."""

    session_id: str
    kind: str
    view: dict[str, Any]
    device: devices.Issued | None = None


@dataclass(frozen=True)
class Browser:
    """What a sign-in request says of the browser: its cookies and User-Agent, unchecked."""

    client_address: str
    session: str | None = None
    device: str | None = None
    user_agent: str | None = None


def _pad(started: float) -> None:
    """Sleep until ``RESPONSE_FLOOR_SECONDS`` after ``started`` (``time.monotonic``)."""
    remaining = RESPONSE_FLOOR_SECONDS - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)
    elif RESPONSE_FLOOR_SECONDS > 0:  # the floor is too low for this deployment: raise it
        logger(LOG).warning(
            "response floor exceeded", extra={"overrun_ms": round(-remaining * 1000)}
        )


def request_link(command: contract.LinkRequest, client_address: str) -> dict[str, Any]:
    """Send the links of an address, if it has any; the same answer, in the same time,
    either way (requirement 2)."""
    # Sending needs these (and the e-mail rendering): imported on both paths alike.
    from functions.auth import mail
    from pellicule.adapters import delivery

    started = time.monotonic()
    email = magic_links.normalise_email(command.email)
    if email is None:  # the format alone, never whether the address is known
        raise BadRequest("email_invalid")
    ratelimit.enforce((LINK_PER_EMAIL, email), (LINK_PER_IP, client_address))
    # The same work on both paths, as far as it goes: the SES client, the public URL and
    # both lookups (staff and guardians) happen whether or not the address is known.
    ses = mail.client()
    public_url = delivery.public_url()
    accounts = magic_links.accounts_for(email)
    if accounts:
        try:
            links = magic_links.issue(email, accounts)
            mail.send(ses, get_settings().mail_from, email, mail.compose(public_url, links))
            logger(LOG).info("sign-in links sent", extra={"accounts": [a.ref for a in accounts]})
        except Exception as error:  # noqa: BLE001 - the answer must not tell known addresses apart
            # The error's code only: SES messages may quote the recipient's address.
            logger(LOG).error(
                "sign-in e-mail not sent",
                extra={"accounts": [a.ref for a in accounts], "error": error_code(error)},
            )
    _pad(started)
    return ACCEPTED


def exchange(command: contract.SessionRequest, browser: Browser) -> SignedIn:
    """A link's token, or an address and its code, for a NEW session (requirement 1); with
    ``trust_device``, a family member's browser also becomes a trusted device.

    A null token is a token that does not work, not a request without one (left out: the
    command's ``ABSENT``).
    """
    ratelimit.enforce((SESSION_PER_IP, browser.client_address))
    landing = None  # the page the link leads to (e.g. the welcome e-mail's: the consents)
    if command.token is not ABSENT:
        method = "link"
        (tenant_id, kind, principal_id), landing = magic_links.consume_token_to(command.token)
    elif command.email is not ABSENT and command.code is not ABSENT:
        method = "code"
        started = time.monotonic()
        try:
            tenant_id, kind, principal_id = magic_links.consume_code(command.email, command.code)
        finally:
            _pad(started)  # a wrong code for a known address takes as long as for an unknown
    else:
        raise BadRequest("sign_in_token_or_code")
    account = magic_links.current_account(tenant_id, kind, principal_id)
    if account is None:  # archived since the link was sent, or the centre closed
        raise magic_links.InvalidLink(magic_links.INVALID)
    device = None
    if command.trust_device and device_rules.may_trust(account.kind):
        device = devices.trust(
            account.tenant_id,
            account.kind,
            account.principal_id,
            browser.user_agent,
            replacing=browser.device,
        )
    return _open_session(account, method, browser.session, device, landing)


def resume_device(browser: Browser) -> SignedIn:
    """A trusted device's credential for a NEW session; the chain's secret rotates.

    Refused (401): ``device_unknown``, ``device_reused`` (the chain ends, with every session
    it opened), ``access_closed`` (archived, no child linked any more, the centre suspended:
    the chain ends too)."""
    ratelimit.enforce((DEVICE_PER_IP, browser.client_address))
    found = devices.presented(browser.device)
    account = magic_links.current_account(found.tenant_id, found.kind, found.principal_id)
    if account is None or not _family_still_linked(account):
        devices.end(found, "access_closed")
        raise Unauthenticated("access_closed")
    return _open_session(account, "device", browser.session, devices.rotate(found))


def _family_still_linked(account: magic_links.Account) -> bool:
    """A guardian keeps a trusted device while at least one active child is linked to them."""
    from pellicule.store import roster

    guardian = roster.guardian(account.tenant_id, account.principal_id, consistent=True)
    if guardian is None or guardian.archived:
        return False
    linked = roster.children_named(account.tenant_id, sorted(guardian.child_ids or ()))
    return any(not child.archived for child in linked.values())


def _open_session(
    account: magic_links.Account,
    method: str,
    current_session: str | None,
    device: devices.Issued | None = None,
    landing: str | None = None,
) -> SignedIn:
    """The first factor passed: a NEW session id (never the one the browser came with).

    Staff who must use TOTP (or enrolled voluntarily) get a session in the state "second
    factor pending", which only the TOTP routes accept; the view's ``second_factor`` says
    which step comes next (``enrol`` or ``verify``), null when none (docs/second-factor.md).
    """
    from functions.auth import second_factor

    if current_session:
        sessions.revoke(current_session)  # no session fixation, no forgotten session
    step = second_factor.step_for(
        account.tenant_id, account.kind, account.principal_id, account.role
    )
    session_id = sessions.create(
        account.tenant_id,
        account.kind,
        account.principal_id,
        account.role,
        second_factor_pending=step is not None,
        cleared_for=(),  # whoever needs a second factor passes it in this session
        device=None if device is None else device.chain_hash,
    )
    try:
        audit.append(
            account.tenant_id, "login", account.ref, account.ref, details={"method": method}
        )
    except Exception:
        sessions.revoke(session_id)  # a login that is not in the audit trail does not happen
        raise
    logger(LOG).info(
        "signed in", extra={"principal": account.ref, "method": method, "second_factor": step}
    )
    home = FAMILY_HOME if account.kind in FAMILY_KINDS else second_factor.staff_home(account.role)
    if landing is not None and account.kind == "guardian":
        home = landing  # a family page of magic_links.LANDINGS, never a path from the request
    view = {
        **_who(account),
        "next": home,
        "second_factor": step,
        "trusted_device": device is not None,
    }
    return SignedIn(session_id, account.kind, view, device)


def _who(account: magic_links.Account) -> dict[str, Any]:
    return {
        "kind": account.kind,
        "role": account.role,
        "tenant_id": account.tenant_id,
        "tenant_name": account.tenant_name,
        "principal_id": account.principal_id,
    }


def status(principal: Principal | None) -> dict[str, Any]:
    """Signed in or not (``None``: no live session, or a pending second factor), and the home
    page."""
    if principal is None:
        return {"signed_in": False}
    from functions.auth import second_factor

    home = (
        FAMILY_HOME if principal.kind in FAMILY_KINDS else second_factor.staff_home(principal.role)
    )
    return {"signed_in": True, "kind": principal.kind, "role": principal.role, "home": home}


def me(principal: Principal) -> dict[str, Any]:
    account = magic_links.current_account(
        principal.tenant_id, principal.kind, principal.principal_id
    )
    if account is None:
        raise Unauthenticated("access_closed")
    return _who(account)


def logout(current_session: str | None, device_cookie: str | None = None) -> dict[str, Any]:
    """End this browser's session (if it is still one) and its trusted device (if it is
    one: signing out means this browser no longer gets in by itself); always answers the
    same."""
    devices.end_presented(device_cookie, "signed_out")
    if current_session and len(current_session) <= 128:
        try:
            principal = sessions.resolve(current_session)
        except Unauthenticated:
            principal = None
        sessions.revoke(current_session)
        if principal is not None:
            _audit_logout(principal, "this_device", 1)
    return {"signed_out": True}


def logout_everywhere(principal: Principal) -> dict[str, Any]:
    """End every session and every trusted device of this person, this one included."""
    owner = (principal.tenant_id, principal.kind, principal.principal_id)
    chains = devices.end_all(*owner, "signed_out_everywhere")  # first: no device reopens one
    ended = sessions.revoke_all(*owner)
    sessions.revoke_hash(principal.session_hash)  # the index may lag behind a new session
    _audit_logout(principal, "everywhere", ended)
    return {"signed_out": True, "sessions": ended, "devices": chains}


def list_devices(principal: Principal) -> dict[str, Any]:
    """This person's trusted devices ("Mes appareils"); staff never have any."""
    return {
        "devices": devices.listed(
            principal.tenant_id, principal.kind, principal.principal_id, principal.device
        )
    }


def revoke_device(principal: Principal, device_id: str) -> dict[str, Any]:
    """End one of this person's trusted devices (and the sessions it opened); the device
    asking may revoke itself (it is then signed out)."""
    chain = devices.revoke(principal.tenant_id, principal.kind, principal.principal_id, device_id)
    if chain is None:
        raise NotFound("device_not_found")
    return {"revoked": True, "signed_out": chain == principal.device}


def _audit_logout(principal: Principal, scope: str, count: int) -> None:
    ref = f"{principal.kind}:{principal.principal_id}"
    audit.append(
        principal.tenant_id, "logout", ref, ref, details={"scope": scope, "sessions": count}
    )
    logger(LOG).info("signed out", extra={"principal": ref, "scope": scope, "sessions": count})
