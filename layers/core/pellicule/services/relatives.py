"""Relatives use cases (issue 17, item 6; docs/relatives.md): a guardian invites, lists and
revokes relatives; a relative's access is computed from the inviting guardian, live, at
each request.

Logs and audit entries carry ``guardian:<id>`` / ``relative:<id>`` and error codes only, never
an address.
"""

from __future__ import annotations

import uuid
from typing import Any

from pellicule.config import clock
from pellicule.config.observability import logger
from pellicule.config.settings import get_settings
from pellicule.domain import relatives as rules
from pellicule.domain.errors import Conflict, Forbidden, NotFound, error_code
from pellicule.services import audit, magic_links, sessions
from pellicule.services.sessions import Principal
from pellicule.store import relatives as store
from pellicule.store import sessions as people
from pellicule.store.relatives import RelativeRecord
from pellicule.store.roster import GuardianRecord

LOG = "relatives"
KIND = rules.KIND
MAX_PER_GUARDIAN = rules.MAX_PER_GUARDIAN
# The invitation's sign-in link: read hours or days later (single use, no code).
LINK_TTL_SECONDS = 3 * 24 * 3600


def ref(relative_id: str) -> str:
    return f"{KIND}:{relative_id}"


def inviter_of(relative: RelativeRecord) -> GuardianRecord | None:
    """The guardian who invited ``relative``, read as they are now, when the relative may
    still see their family (``rules.open_to``); None otherwise."""
    return magic_links.relative_inviter(relative)


def family_of(principal: Principal) -> tuple[RelativeRecord, GuardianRecord]:
    """A relative's session: the relative and the guardian whose family they see, now."""
    if principal.kind != KIND:
        raise Forbidden("families_only")
    relative = people.relative_now(principal.tenant_id, principal.principal_id)
    guardian = None if relative is None else inviter_of(relative)
    if relative is None or guardian is None:
        raise Forbidden("family_access_closed")
    return relative, guardian


def view(relative: RelativeRecord) -> dict[str, Any]:
    return {
        "relative_id": relative.relative_id,
        "email": relative.email,
        "may_download": bool(relative.may_download),
        "created_at": int(relative.created_at),
    }


def listed(guardian: GuardianRecord) -> dict[str, Any]:
    found = store.of_guardian(guardian.tenant_id, guardian.guardian_id)
    return {"relatives": [view(r) for r in found], "limit": MAX_PER_GUARDIAN}


def invite(guardian: GuardianRecord, email: str, may_download: bool) -> dict[str, Any]:
    """Invite ``email`` (normalised) to see this guardian's family; one e-mail with a
    sign-in link is sent (never blocking: the relative can also ask for a link)."""
    tenant_id = guardian.tenant_id
    current = store.of_guardian(tenant_id, guardian.guardian_id)
    if any(r.email == email for r in current):
        raise Conflict("relative_exists")
    if email == guardian.email:
        raise Conflict("relative_is_you")
    if not rules.may_invite(len(current)):
        raise Conflict("relatives_limit", limit=MAX_PER_GUARDIAN)
    moment = int(clock.now())
    relative_id = uuid.uuid4().hex[:16]
    item = store.new_relative(
        tenant_id,
        relative_id,
        email=email,
        invited_by=guardian.guardian_id,
        may_download=may_download,
        at=moment,
    )
    try:
        audit.append(
            tenant_id,
            "relative_invited",
            f"guardian:{guardian.guardian_id}",
            ref(relative_id),
            {"may_download": "true" if may_download else "false"},
            companions=store.invited(guardian, item, MAX_PER_GUARDIAN),
        )
    except audit.CompanionConflictError:  # the limit, reached meanwhile (or archived)
        raise Conflict("relatives_limit", limit=MAX_PER_GUARDIAN) from None
    logger(LOG).info(
        "relative invited",
        extra={"guardian": f"guardian:{guardian.guardian_id}", "relative": ref(relative_id)},
    )
    sent = _send_invitation(guardian, item)
    return {"relative": view(item), "invitation_sent": sent}


def revoke(guardian: GuardianRecord, relative_id: str) -> dict[str, Any]:
    """Revoke a relative of this guardian: their sessions end at once."""
    relative = store.relative(guardian.tenant_id, relative_id)
    if relative is None or relative.invited_by != guardian.guardian_id:
        raise NotFound("relative_not_found")
    if relative.revoked_at is not None:
        raise NotFound("relative_not_found")
    moment = int(clock.now())
    try:
        audit.append(
            guardian.tenant_id,
            "relative_revoked",
            f"guardian:{guardian.guardian_id}",
            ref(relative_id),
            companions=store.revoked(relative, moment),
        )
    except audit.CompanionConflictError:  # revoked meanwhile
        raise NotFound("relative_not_found") from None
    ended = sessions.revoke_all(guardian.tenant_id, KIND, relative_id)
    logger(LOG).info(
        "relative revoked",
        extra={
            "guardian": f"guardian:{guardian.guardian_id}",
            "relative": ref(relative_id),
            "sessions": ended,
        },
    )
    return {"revoked": True, "relative_id": relative_id, "sessions": ended}


def _send_invitation(guardian: GuardianRecord, relative: RelativeRecord) -> bool:
    """The invitation e-mail (French then English) with a sign-in link; False when it could
    not be sent (logged by error code only)."""
    from pellicule.adapters import delivery, outbox
    from pellicule.domain import relative_mail
    from pellicule.store import tenants

    settings = get_settings()
    if not settings.mail_from:
        return False
    try:
        tenant = tenants.profile(guardian.tenant_id)
        if tenant is None:
            return False
        public_url = delivery.public_url()
        account = magic_links.Account(
            guardian.tenant_id, tenant.name, KIND, relative.relative_id, KIND
        )
        link = magic_links.issue_link(account, LINK_TTL_SECONDS)
        rendered = relative_mail.compose(
            public_url=public_url,
            centre=tenant.name,
            inviter=guardian.email,
            link=magic_links.link_url(public_url, link),
            link_hours=LINK_TTL_SECONDS // 3600,
            may_download=bool(relative.may_download),
        )
        message = outbox.Message(rendered.subject, rendered.text, rendered.html)
        outbox.send(outbox.client(), settings.mail_from, relative.email, message)
    except Exception as error:  # noqa: BLE001 - the invitation stands; they can ask for a link
        logger(LOG).error(
            "invitation not sent",
            extra={"relative": ref(relative.relative_id), "error": error_code(error)},
        )
        return False
    return True
