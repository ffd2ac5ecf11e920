"""Staff second factor (TOTP) at sign-in: which step a new session needs, enrolment,
confirmation, verification and recovery codes. The TOTP logic itself is ``pellicule.totp``;
here are the session states and the DynamoDB writes (``docs/second-factor.md``).

Every write of the factor is conditional on the value read, so two parallel submissions of
one code (or one recovery code) cannot both pass. Logs and audit entries carry pseudonymous
references only: never a code, a recovery code, a secret or a QR code.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import MapAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from pellicule import audit, data, ratelimit, sessions, tenant_settings, totp
from pellicule.errors import BadRequest, Conflict, Forbidden, Unauthenticated
from pellicule.models import Staff, Tenant, tenant_pk
from pellicule.observability import logger
from pellicule.sessions import Principal

ENROL = "enrol"
VERIFY = "verify"
MAX_FAILURES = 5  # wrong codes per pending session, then it is revoked
# Per staff member, across sessions: asking for new links does not reset the attempts.
PER_STAFF = ratelimit.Limit("totp-staff", 30, 3600)
HOME = "/"
LOG = "auth"

WRONG_CODE = "Code incorrect. / Incorrect code."
TOO_MANY = (
    "Trop de codes incorrects : demandez un nouveau lien de connexion. / "
    "Too many incorrect codes: ask for a new sign-in link."
)
CLOSED = "Accès clos. Veuillez vous reconnecter. / Access closed. Please sign in."


def _staff(tenant_id: str, staff_id: str) -> Staff:
    data.ready()
    try:
        return Staff.get(tenant_pk(tenant_id), f"STAFF#{staff_id}", consistent_read=True)
    except DoesNotExist:
        raise Unauthenticated(CLOSED) from None


def _stored(staff: Staff) -> dict[str, Any] | None:
    """The factor's map exactly as read (the condition of the next write)."""
    raw = staff.second_factor
    if raw is None:
        return None
    if isinstance(raw, MapAttribute):
        return dict(raw.as_dict())
    return dict(raw)


def _factor(stored: dict[str, Any] | None) -> totp.SecondFactor | None:
    return None if stored is None else totp.SecondFactor.from_dict(stored)


def step_for(tenant_id: str, kind: str, principal_id: str, role: str) -> str | None:
    """The step a new session of this person needs: ``enrol``, ``verify`` or None.

    Directors always, animators when the centre says ``all_staff``, and anyone who confirmed
    a factor (an animator who enrolled voluntarily is asked too); guardians never.
    """
    if kind != "staff":
        return None
    factor = _factor(_stored(_staff(tenant_id, principal_id)))
    if factor is not None and factor.confirmed:
        return VERIFY
    setting = tenant_settings.for_tenant(tenant_id).staff_second_factor
    return ENROL if totp.required_for(role, setting) else None


def _staff_only(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("Réservé à l'équipe du centre. / Staff only.")


def _save(staff: Staff, stored: dict[str, Any] | None, factor: totp.SecondFactor) -> bool:
    """Write ``factor`` if the stored one is still ``stored``; whether it was written."""
    condition = (
        Staff.second_factor.does_not_exist()
        if stored is None
        else Staff.second_factor == stored  # the whole map: step and recovery hashes
    )
    try:
        staff.update(
            actions=[Staff.second_factor.set(factor.to_dict())],
            condition=Staff.pk.exists() & (Staff.archived == False) & condition,  # noqa: E712
        )
    except (UpdateError, PutError) as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _label(principal: Principal, staff: Staff) -> str:
    """What the authenticator app shows: the centre and the display name, never an e-mail."""
    try:
        centre = Tenant.get(tenant_pk(principal.tenant_id), "PROFILE").name
    except DoesNotExist:
        centre = "Pellicule"
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
        raise Conflict(
            "Une application d'authentification est déjà enregistrée. / "
            "An authenticator app is already enrolled."
        )
    factor = totp.begin_enrolment()
    if not _save(staff, stored, factor):
        raise Conflict("Réessayez. / Please try again.")
    uri = totp.provisioning_uri(factor.secret, _label(principal, staff))
    logger(LOG).info("second factor enrolment begun", extra={"principal": _ref(principal)})
    return {"secret": factor.secret, "uri": uri, "qr": totp.qr_svg_data_uri(uri)}


def _code(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value or len(value) > 64:
        raise BadRequest(WRONG_CODE)
    return value


def _refused(principal: Principal) -> Exception:
    """Count a wrong code; the error to raise (the session is revoked at the limit)."""
    if not sessions.record_second_factor_failure(principal.session_hash, MAX_FAILURES):
        logger(LOG).warning(
            "second factor: too many wrong codes, session revoked",
            extra={"principal": _ref(principal)},
        )
        return Unauthenticated(TOO_MANY)
    logger(LOG).info("second factor: wrong code", extra={"principal": _ref(principal)})
    return BadRequest(WRONG_CODE)


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


def confirm(principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
    """The first code of a new enrolment: the recovery codes, shown once."""
    _staff_only(principal)
    code = _code(body, "code")
    ratelimit.enforce((PER_STAFF, _ref(principal)))
    staff = _staff(principal.tenant_id, principal.principal_id)
    stored = _stored(staff)
    current = _factor(stored)
    if current is None or current.confirmed:
        raise Conflict("Aucune inscription en cours. / No enrolment in progress.")
    result = totp.confirm_enrolment(current, code)
    if result is None or not _save(staff, stored, result[0]):
        raise _refused(principal)
    _, recovery_codes = result
    _signed_in(principal, "enrolled")
    return {"recovery_codes": recovery_codes, "next": HOME}


def verify(principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
    """A code from the app, or a recovery code (single use), completes a pending session."""
    _staff_only(principal)
    if not principal.second_factor_pending:
        raise Conflict("Déjà vérifié. / Already verified.")
    recovery = "recovery_code" in body
    code = _code(body, "recovery_code" if recovery else "code")
    ratelimit.enforce((PER_STAFF, _ref(principal)))
    staff = _staff(principal.tenant_id, principal.principal_id)
    stored = _stored(staff)
    current = _factor(stored)
    if current is None or not current.confirmed:
        raise Conflict(
            "Enregistrez d'abord une application d'authentification. / "
            "Enrol an authenticator app first."
        )
    updated = current.use_recovery_code(code) if recovery else current.verify(code)
    if updated is None or not _save(staff, stored, updated):
        raise _refused(principal)
    _signed_in(principal, "recovery" if recovery else "totp")
    view: dict[str, Any] = {"next": HOME}
    if recovery:
        view["recovery_codes_left"] = updated.recovery_codes_left
    return view


def _ref(principal: Principal) -> str:
    return f"{principal.kind}:{principal.principal_id}"
