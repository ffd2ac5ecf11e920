"""Staff second factor (TOTP) at sign-in: which step a new session needs, enrolment,
confirmation, verification and recovery codes. The TOTP logic itself is ``pellicule.domain.totp``;
here are the session states and the writes, made through the sessions store
(``pellicule.store.sessions``; ``docs/second-factor.md``).

Every write of the factor is conditional on the value read, so two parallel submissions of
one code (or one recovery code) cannot both pass. Logs and audit entries carry pseudonymous
references only: never a code, a recovery code, a secret or a QR code.
"""

from __future__ import annotations

import hmac
from typing import Any

from functions.auth import contract
from pellicule.config import clock
from pellicule.config.observability import logger
from pellicule.domain import totp
from pellicule.domain.errors import BadRequest, Conflict, Forbidden, Unauthenticated
from pellicule.services import audit, sessions, tenant_settings
from pellicule.services.sessions import Principal
from pellicule.store import ratelimit, tenants
from pellicule.store import sessions as store
from pellicule.store.sessions import StaffRecord

ENROL = "enrol"
VERIFY = "verify"
MAX_FAILURES = 5  # wrong codes per pending session, then it is revoked
# Per staff member, across sessions: asking for new links does not reset the attempts.
PER_STAFF = ratelimit.Limit("totp-staff", 30, 3600)
HOME = "/staff.html"  # the staff console (animators' home)
DIRECTOR_HOME = "/dashboard.html"  # the director's home (issue 18, item 4)
LOG = "auth"
# Replacing the authenticator (new phone) is allowed to the one session that passed a recovery
# code, or the current code, for at most as long as a staff session lives.
RENEWAL_SECONDS = sessions.ABSOLUTE_TIMEOUT_SECONDS["staff"]
FEW_CODES_LEFT = 3  # below this, a recovery login recommends (not only offers) a new app


def _staff(tenant_id: str, staff_id: str) -> StaffRecord:
    staff = store.staff_now(tenant_id, staff_id)
    if staff is None:
        raise Unauthenticated("access_closed")
    return staff


def _stored(staff: StaffRecord) -> dict[str, Any] | None:
    """The factor's map exactly as read (the condition of the next write)."""
    return store.factor_of(staff)


def _stored_renewal(staff: StaffRecord) -> dict[str, Any] | None:
    """The renewal's map exactly as read (the condition of the next write)."""
    return store.renewal_of(staff)


def _factor(stored: dict[str, Any] | None) -> totp.SecondFactor | None:
    return None if stored is None else totp.SecondFactor.from_dict(stored)


def step_for(tenant_id: str, kind: str, principal_id: str, role: str) -> str | None:
    """The step a new session of this person needs: ``enrol``, ``verify`` or None.

    Directors always, trusted animators (they publish without validation), animators when
    the centre says ``all_staff``, and anyone who confirmed a factor (an animator who enrolled
    voluntarily is asked too); guardians never.
    """
    if kind != "staff":
        return None
    staff = _staff(tenant_id, principal_id)
    factor = _factor(_stored(staff))
    if factor is not None and factor.confirmed:
        return VERIFY
    setting = tenant_settings.for_tenant(tenant_id).staff_second_factor
    return ENROL if totp.factor_reasons(role, bool(staff.trusted), setting) else None


def staff_home(role: str | None) -> str:
    """Where a signed-in staff member lands: directors on their home, animators on the
    albums."""
    return DIRECTOR_HOME if role == "director" else HOME


def _staff_only(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("staff_only")


def _save(
    staff: StaffRecord,
    stored: dict[str, Any] | None,
    factor: totp.SecondFactor,
    *,
    new_renewal: dict[str, Any] | None = None,
    renewal: dict[str, Any] | bool | None = store.UNCHECKED,
) -> bool:
    """Write ``factor`` (and the renewal ``new_renewal``) if the stored one is still
    ``stored`` (and the renewal still ``renewal``, unless UNCHECKED); whether it was written.
    The person must still be there and not archived."""
    return store.save_factor(
        staff, stored, factor.to_dict(), renewal=renewal, new_renewal=new_renewal
    )


def _label(principal: Principal, staff: StaffRecord) -> str:
    """What the authenticator app shows: the centre and the display name, never an e-mail."""
    profile = tenants.profile(principal.tenant_id)
    centre = profile.name if profile is not None else "Pellicule"
    for label in (f"{centre} — {staff.display_name}", centre, "Pellicule"):
        try:
            totp.provisioning_uri(totp.new_secret(), label)
        except ValueError:
            continue
        return label
    return "Pellicule"


def enrol(principal: Principal) -> dict[str, Any]:
    """Begin (or restart) enrolment: a new unconfirmed secret, its URI and QR code."""
    _staff_only(principal)
    staff = _staff(principal.tenant_id, principal.principal_id)
    stored = _stored(staff)
    current = _factor(stored)
    if current is not None and current.confirmed:
        raise Conflict("totp_already_enrolled")
    factor = totp.begin_enrolment()
    if not _save(staff, stored, factor):
        raise Conflict("try_again")
    uri = totp.provisioning_uri(factor.secret, _label(principal, staff))
    logger(LOG).info("second factor enrolment begun", extra={"principal": _ref(principal)})
    return {"secret": factor.secret, "uri": uri, "qr": totp.qr_svg_data_uri(uri)}


def _code(value: str | None) -> str:
    """The code sent (its type and length were parsed); one left out is a wrong one."""
    if not value:
        raise BadRequest("totp_code_wrong")
    return value


def _refused(principal: Principal) -> Exception:
    """Count a wrong code; the error to raise (the session is revoked at the limit)."""
    if not sessions.record_second_factor_failure(principal.session_hash, MAX_FAILURES):
        logger(LOG).warning(
            "second factor: too many wrong codes, session revoked",
            extra={"principal": _ref(principal)},
        )
        return Unauthenticated("totp_too_many_wrong")
    logger(LOG).info("second factor: wrong code", extra={"principal": _ref(principal)})
    return BadRequest("totp_code_wrong")


def _signed_in(principal: Principal, how: str) -> None:
    """The second factor passed: complete the session and write the audit entry."""
    if principal.second_factor_pending:
        sessions.complete_second_factor(principal.session_hash)
    ref = _ref(principal)
    try:
        audit.append(principal.tenant_id, "login", ref, ref, details={"second_factor": how})
    except Exception:
        sessions.revoke_hash(principal.session_hash)  # a login not in the audit trail
        raise
    logger(LOG).info("second factor passed", extra={"principal": ref, "second_factor": how})


def confirm(principal: Principal, command: contract.CodeRequest) -> dict[str, Any]:
    """The first code of a new enrolment: the recovery codes, shown once."""
    _staff_only(principal)
    code = _code(command.code)
    ratelimit.enforce((PER_STAFF, _ref(principal)))
    staff = _staff(principal.tenant_id, principal.principal_id)
    stored = _stored(staff)
    current = _factor(stored)
    if current is None or current.confirmed:
        raise Conflict("totp_no_enrolment")
    result = totp.confirm_enrolment(current, code)
    if result is None or not _save(staff, stored, result[0]):
        raise _refused(principal)
    _, recovery_codes = result
    _signed_in(principal, "enrolled")
    return {"recovery_codes": recovery_codes, "next": staff_home(principal.role)}


def verify(principal: Principal, command: contract.VerifyRequest) -> dict[str, Any]:
    """A code from the app, or a recovery code (single use), completes a pending session."""
    _staff_only(principal)
    if not principal.second_factor_pending:
        raise Conflict("totp_already_verified")
    recovery = command.recovery_code is not None
    code = _code(command.recovery_code if recovery else command.code)
    ratelimit.enforce((PER_STAFF, _ref(principal)))
    staff = _staff(principal.tenant_id, principal.principal_id)
    stored = _stored(staff)
    current = _factor(stored)
    if current is None or not current.confirmed:
        raise Conflict("totp_enrol_first")
    updated = current.use_recovery_code(code) if recovery else current.verify(code)
    # A recovery code (the phone is probably lost) lets this session replace the app.
    grant = _grant(principal) if recovery else None
    if updated is None or not _save(staff, stored, updated, new_renewal=grant):
        raise _refused(principal)
    _signed_in(principal, "recovery" if recovery else "totp")
    view: dict[str, Any] = {"next": staff_home(principal.role)}
    if recovery:
        left = updated.recovery_codes_left
        view["recovery_codes_left"] = left
        view["renewal"] = "recommended" if left < FEW_CODES_LEFT else "offered"
    return view


def _ref(principal: Principal) -> str:
    return f"{principal.kind}:{principal.principal_id}"


# --- After sign-in: a new authenticator, new recovery codes ----------------------------------


def _grant(principal: Principal) -> dict[str, Any]:
    """Allows this session (and no other) to replace the authenticator for a while."""
    return {"session": principal.session_hash, "until": int(clock.now()) + RENEWAL_SECONDS}


def _granted(renewal: dict[str, Any] | None, principal: Principal) -> bool:
    if renewal is None or principal.second_factor_pending:
        return False
    session = str(renewal.get("session", ""))
    live = int(renewal.get("until", 0)) > int(clock.now())
    return hmac.compare_digest(session.encode(), principal.session_hash.encode()) and live


def _confirmed(staff: StaffRecord) -> tuple[dict[str, Any], totp.SecondFactor]:
    stored = _stored(staff)
    current = _factor(stored)
    if stored is None or current is None or not current.confirmed:
        raise Conflict("totp_not_enrolled")
    return stored, current


def status(principal: Principal) -> dict[str, Any]:
    """The signed-in staff member's factor: enrolled or not, recovery codes left, and whether
    this session may replace the authenticator without a code from it."""
    _staff_only(principal)
    staff = _staff(principal.tenant_id, principal.principal_id)
    factor = _factor(_stored(staff))
    enrolled = factor is not None and factor.confirmed
    return {
        "enrolled": enrolled,
        "recovery_codes_left": factor.recovery_codes_left if factor and enrolled else 0,
        "renewal_allowed": enrolled and _granted(_stored_renewal(staff), principal),
    }


def begin_renewal(principal: Principal, command: contract.RenewRequest) -> dict[str, Any]:
    """Begin replacing a confirmed authenticator (new phone): a new secret, its URI and QR code.

    Allowed to a full session that passed a recovery code at its sign-in (the old phone is
    probably lost), or with ``{"code"}``, a current code of the old app (a phone change). The
    new secret waits in ``Staff.second_factor_renewal``; the old one keeps working until
    :func:`confirm_renewal`.
    """
    _staff_only(principal)
    staff = _staff(principal.tenant_id, principal.principal_id)
    stored, current = _confirmed(staff)
    renewal = _stored_renewal(staff)
    stepped_up = command.code is not None
    if stepped_up:
        code = _code(command.code)
        ratelimit.enforce((PER_STAFF, _ref(principal)))
        verified = current.verify(code)
        if verified is None:
            raise _refused(principal)
        current, grant = verified, _grant(principal)
    elif renewal is not None and _granted(renewal, principal):
        grant = {"session": renewal["session"], "until": int(renewal["until"])}
    else:
        raise Forbidden("totp_step_up")
    pending = totp.begin_enrolment()
    written = _save(
        staff, stored, current, new_renewal={**grant, "factor": pending.to_dict()}, renewal=renewal
    )
    if not written:
        if stepped_up:
            raise _refused(principal)  # the loser of a race on the same code
        raise Conflict("try_again")
    uri = totp.provisioning_uri(pending.secret, _label(principal, staff))
    logger(LOG).info("second factor renewal begun", extra={"principal": _ref(principal)})
    return {"secret": pending.secret, "uri": uri, "qr": totp.qr_svg_data_uri(uri)}


def _write_audited(principal: Principal, change: str, write: audit.Companion) -> bool:
    """A change of one's own factor and its audit entry, in one transaction; whether written
    (False: the factor changed since it was read, nothing was written)."""
    ref = _ref(principal)
    try:
        audit.append(
            principal.tenant_id, "roster_changed", ref, ref, {"change": change}, companions=(write,)
        )
    except audit.CompanionConflictError:
        return False
    return True


def confirm_renewal(principal: Principal, command: contract.CodeRequest) -> dict[str, Any]:
    """The first code of the new app: it replaces the old one (whose codes stop working at
    once) and comes with new recovery codes, shown once."""
    _staff_only(principal)
    code = _code(command.code)
    ratelimit.enforce((PER_STAFF, _ref(principal)))
    staff = _staff(principal.tenant_id, principal.principal_id)
    stored, _ = _confirmed(staff)
    renewal = _stored_renewal(staff)
    if renewal is None or "factor" not in renewal or not _granted(renewal, principal):
        raise Conflict("totp_no_renewal")
    result = totp.confirm_enrolment(totp.SecondFactor.from_dict(dict(renewal["factor"])), code)
    if result is None:
        raise _refused(principal)
    factor, recovery_codes = result
    write = store.factor_changed(
        staff, stored, factor.to_dict(), renewal=renewal, drop_renewal=True
    )
    if not _write_audited(principal, "second_factor_renewed", write):
        raise _refused(principal)
    logger(LOG).info("second factor renewed", extra={"principal": _ref(principal)})
    return {"recovery_codes": recovery_codes, "next": staff_home(principal.role)}


def renew_recovery_codes(
    principal: Principal, command: contract.RecoveryCodesRequest
) -> dict[str, Any]:
    """New recovery codes for a signed-in staff member, against a current code of the app
    (never a recovery code): the old ones stop working; the new ones are shown once."""
    _staff_only(principal)
    if command.recovery_code is not None:
        raise BadRequest("totp_app_code_only")
    code = _code(command.code)
    ratelimit.enforce((PER_STAFF, _ref(principal)))
    staff = _staff(principal.tenant_id, principal.principal_id)
    stored, current = _confirmed(staff)
    verified = current.verify(code)
    if verified is None:
        raise _refused(principal)
    factor, recovery_codes = verified.with_new_recovery_codes()
    write = store.factor_changed(staff, stored, factor.to_dict())
    if not _write_audited(principal, "recovery_codes_renewed", write):
        raise _refused(principal)
    logger(LOG).info("recovery codes renewed", extra={"principal": _ref(principal)})
    return {"recovery_codes": recovery_codes, "recovery_codes_left": len(recovery_codes)}
