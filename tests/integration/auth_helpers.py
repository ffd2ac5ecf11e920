"""Helpers to drive the sign-in API (``/api/auth``) and read the e-mails moto's SES kept."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import Aws, LambdaContext, api_event

TOKEN_IN_LINK = re.compile(r"/login\.html#token=([A-Za-z0-9_-]+)")
CODE_IN_TEXT = re.compile(r"Code ?: (\d{6})")


@dataclass(frozen=True)
class Person:
    tenant_id: str
    kind: str  # staff | guardian
    principal_id: str
    email: str
    role: str


def centre(name: str = "Les Tilleuls", tenant_id: str | None = None) -> str:
    from pellicule.config import clock
    from pellicule.store import data, keys
    from pellicule.store.models import Tenant, tenant_pk

    data.ready()
    tenant_id = tenant_id or f"t{uuid.uuid4().hex[:10]}"
    Tenant(
        tenant_pk(tenant_id),
        "PROFILE",
        tenant_id=tenant_id,
        name=name,
        created_at=int(clock.now()),
        gsi1pk=keys.CENTRES_GSI,  # in the centres index, as the operator's create puts it
        gsi1sk=keys.centre_gsi_sk(tenant_id),
    ).save()
    return tenant_id


def guardian(tenant_id: str, email: str, guardian_id: str | None = None) -> Person:
    """A guardian as the staff API writes them (with the e-mail lookup key)."""
    from pellicule.store import data
    from pellicule.store.models import Guardian, tenant_pk

    data.ready()
    guardian_id = guardian_id or f"g{uuid.uuid4().hex[:8]}"
    Guardian(
        tenant_pk(tenant_id),
        f"GUARDIAN#{guardian_id}",
        tenant_id=tenant_id,
        guardian_id=guardian_id,
        email=email,
        gsi1pk=f"GUARDIANEMAIL#{email}",
        gsi1sk=f"GUARDIAN#{tenant_id}",
    ).save()
    return Person(tenant_id, "guardian", guardian_id, email, "guardian")


def staff(
    tenant_id: str, email: str, role: str = "director", staff_id: str | None = None
) -> Person:
    from pellicule.store import data
    from pellicule.store.models import Staff, tenant_pk

    data.ready()
    staff_id = staff_id or f"s{uuid.uuid4().hex[:8]}"
    Staff(
        tenant_pk(tenant_id),
        f"STAFF#{staff_id}",
        tenant_id=tenant_id,
        staff_id=staff_id,
        role=role,
        display_name="Équipe",
        email=email,
        gsi1pk=f"STAFFEMAIL#{email}",
        gsi1sk=f"STAFF#{tenant_id}",
    ).save()
    return Person(tenant_id, "staff", staff_id, email, role)


def auth(
    method: str,
    path: str,
    body: Any = None,
    *,
    session: str | None = None,
    csrf: bool = True,
    ip: str = "198.51.100.7",
    headers: dict[str, str] | None = None,
    app: Any = None,
) -> dict[str, Any]:
    """Call the sign-in API; ``path`` is relative to ``/api/auth`` (e.g. ``/link``)."""
    from functions.auth import handler

    event = api_event(
        method, f"/api/auth{path}", body=body, session=session, csrf=csrf, headers=headers
    )
    event["requestContext"]["http"]["sourceIp"] = ip
    if app is not None:
        result: dict[str, Any] = app.resolve(event, LambdaContext())
    else:
        result = handler.handler(event, LambdaContext())
    return result


def payload(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None


def cookie_value(response: dict[str, Any]) -> str:
    """The session id the response's ``__Host-`` cookie carries."""
    from pellicule.services import sessions

    [cookie] = [c for c in response.get("cookies", []) if c.startswith(f"{sessions.COOKIE_NAME}=")]
    return str(cookie.split(";", 1)[0].split("=", 1)[1])


# --- Mail ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentMail:
    to: list[str]
    source: str
    subject: str
    text: str
    html: str

    @property
    def tokens(self) -> list[str]:
        """Each link's token once (the French and the English parts repeat them)."""
        return list(dict.fromkeys(TOKEN_IN_LINK.findall(self.text)))

    @property
    def codes(self) -> list[str]:
        return CODE_IN_TEXT.findall(self.text.split("-- English --")[0])

    @property
    def links(self) -> list[str]:
        found = re.findall(r"https?://\S+/login\.html#token=[^\s\"<]+", self.text)
        return list(dict.fromkeys(found))


@contextmanager
def recorded_mail() -> Iterator[list[SentMail]]:
    """Every ``SendEmail`` the functions make, both parts (moto itself keeps only one)."""
    from pellicule.adapters import aws as clients

    sent: list[SentMail] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        body = params["Message"]["Body"]
        sent.append(
            SentMail(
                to=list(params["Destination"]["ToAddresses"]),
                source=params["Source"],
                subject=params["Message"]["Subject"]["Data"],
                text=body.get("Text", {}).get("Data", ""),
                html=body.get("Html", {}).get("Data", ""),
            )
        )

    events = clients.client("ses").meta.events
    events.register("provide-client-params.ses.SendEmail", record)
    try:
        yield sent
    finally:
        events.unregister("provide-client-params.ses.SendEmail", record)


def moto_sent_count(aws: Aws) -> int:
    """How many e-mails moto's SES actually accepted."""
    from moto.ses.models import ses_backends

    return len(ses_backends["123456789012"][aws.names.region].sent_messages)


# --- Staff second factor (TOTP) ---------------------------------------------------------------


def require_second_factor_for_all_staff(tenant_id: str) -> None:
    """The centre's setting ``staff_second_factor = all_staff`` (animators too)."""
    from pellicule.store.models import Tenant, tenant_pk

    tenant = Tenant.get(tenant_pk(tenant_id), "PROFILE")
    tenant.settings = {
        **(tenant.settings.as_dict() if tenant.settings else {}),
        "staff_second_factor": "all_staff",
    }
    tenant.save()


def enrol_and_confirm(session: str) -> tuple[str, list[str]]:
    """Enrol an authenticator on a pending session and confirm it with a current code:
    the secret and the recovery codes (the session is then complete)."""
    enrolled = auth("POST", "/totp/enrol", {}, session=session)
    assert enrolled["statusCode"] == 200, enrolled["body"]
    secret = str(payload(enrolled)["secret"])
    confirmed = auth("POST", "/totp/confirm", {"code": current_code(secret)}, session=session)
    assert confirmed["statusCode"] == 200, confirmed["body"]
    return secret, list(payload(confirmed)["recovery_codes"])


def current_code(secret: str, steps_ahead: int = 0) -> str:
    """The authenticator's code now, on the product clock (tests move it with ``advance``)."""
    from pellicule.config import clock
    from pellicule.domain import totp

    return totp.code_at(secret, totp.time_step(clock.now()) + steps_ahead)


# --- Fixtures shared by the sign-in tests (a plugin of tests/conftest.py) --------------------


@pytest.fixture
def no_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answer at once; the response-time floor has its own tests."""
    from functions.auth import logic

    monkeypatch.setattr(logic, "RESPONSE_FLOOR_SECONDS", 0.0)


@pytest.fixture
def fresh_totp_step(aws: Aws) -> None:
    """Start the test one second into a 30-second TOTP step (on the product clock).

    The clock is real time plus an offset: a test that reads ``current_code`` twice could see
    two different steps if it straddled a boundary (a "replayed" code that is in fact the next
    one). Starting at the top of a step leaves 29 s before the next one; tests that want the
    next code move the clock by whole steps.
    """
    from pellicule.config import clock
    from pellicule.domain import totp

    into_step = clock.now() % totp.STEP_SECONDS
    clock.advance(totp.STEP_SECONDS - into_step + 1.0)


@pytest.fixture
def outbox(aws: Aws) -> Iterator[list[SentMail]]:
    with recorded_mail() as sent:
        yield sent


@pytest.fixture
def serialised_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB's own isolation for moto: one request at a time on the server side (moto is
    not thread-safe). The clients still race: reads, conditional writes, retries."""
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.Lock()
    original = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with lock:
            return original(self)

    monkeypatch.setattr(DynamoHandler, "call_action", call_action)
