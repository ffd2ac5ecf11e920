"""Trusted devices in the integration and security tests: a family, sign-ins that keep the
browser, and calls carrying the device cookie (docs/authentication.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from tests.conftest import LambdaContext, api_event
from tests.integration.auth_helpers import Person, SentMail, auth, centre, guardian, staff

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
DEVICE_COOKIE = "__Host-pellicule-device"
SESSION_COOKIE = "__Host-pellicule-session"


@dataclass(frozen=True)
class Family:
    parent: Person
    child_id: str
    director_session: str


def family(email: str = "parent@famille.example") -> Family:
    """A centre with a director, and a guardian linked to one active child."""
    from pellicule.services import sessions
    from pellicule.store import data
    from pellicule.store.models import Child, Guardian, tenant_pk

    data.ready()
    tenant_id = centre("Accueil de loisirs Les Tilleuls")
    director = staff(tenant_id, f"direction-{uuid.uuid4().hex[:6]}@centre.example")
    parent = guardian(tenant_id, email)
    child_id = f"c{uuid.uuid4().hex[:8]}"
    Child(
        tenant_pk(tenant_id),
        f"CHILD#{child_id}",
        tenant_id=tenant_id,
        child_id=child_id,
        first_name="Léa",
        initial="M",
        group_id="g1",
        guardian_ids={parent.principal_id},
    ).save()
    record = Guardian.get(tenant_pk(tenant_id), f"GUARDIAN#{parent.principal_id}")
    record.update(actions=[Guardian.child_ids.set({child_id})])
    session = sessions.create(tenant_id, "staff", director.principal_id, "director")
    return Family(parent, child_id, session)


def call(
    method: str,
    path: str,
    body: Any = None,
    *,
    session: str | None = None,
    device: str | None = None,
    csrf: bool = True,
    ip: str = "198.51.100.7",
    user_agent: str = ANDROID_CHROME,
) -> dict[str, Any]:
    """Call the sign-in API (``path`` relative to ``/api/auth``) with this browser's cookies."""
    from functions.auth import handler

    event = api_event(
        method, f"/api/auth{path}", body=body, session=session, csrf=csrf,
        headers={"user-agent": user_agent} if user_agent else None,
    )  # fmt: skip
    if device is not None:
        event["cookies"].append(f"{DEVICE_COOKIE}={device}")
    event["requestContext"]["http"]["sourceIp"] = ip
    result: dict[str, Any] = handler.handler(event, LambdaContext())
    return result


def set_cookies(response: dict[str, Any]) -> dict[str, str]:
    """The response's ``Set-Cookie`` values by cookie name (the whole attribute string)."""
    return {c.split("=", 1)[0]: c for c in response.get("cookies", [])}


def value(cookie: str) -> str:
    return cookie.split(";", 1)[0].split("=", 1)[1]


def link_token(person: Person, outbox: list[SentMail], ip: str = "198.51.100.7") -> str:
    before = len(outbox)
    assert auth("POST", "/link", {"email": person.email}, ip=ip)["statusCode"] == 202
    [mail] = outbox[before:]
    [token] = mail.tokens
    return token


@dataclass(frozen=True)
class Browser:
    session: str
    device: str


def trusted_sign_in(
    person: Person,
    outbox: list[SentMail],
    *,
    device: str | None = None,
    user_agent: str = ANDROID_CHROME,
) -> Browser:
    """Sign in with a link, keeping this browser: its two cookies."""
    response = call(
        "POST",
        "/session",
        {"token": link_token(person, outbox), "trust_device": True},
        device=device,
        user_agent=user_agent,
    )
    assert response["statusCode"] == 200, response["body"]
    cookies = set_cookies(response)
    return Browser(value(cookies[SESSION_COOKIE]), value(cookies[DEVICE_COOKIE]))


def resume(device: str, **kwargs: Any) -> dict[str, Any]:
    return call("POST", "/device", device=device, **kwargs)


def resumed(device: str, **kwargs: Any) -> Browser:
    """Sign in again with the device cookie: the new session and the rotated cookie."""
    response = resume(device, **kwargs)
    assert response["statusCode"] == 200, response["body"]
    cookies = set_cookies(response)
    return Browser(value(cookies[SESSION_COOKIE]), value(cookies[DEVICE_COOKIE]))
