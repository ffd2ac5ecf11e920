"""Shared fixtures: AWS in-process (moto) provisioned from the topology, sessions, events."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# The fixtures' albums are dated a month ago: within every centre's retention, whatever the
# day the tests run (a fixed date would expire one day and the purge would take it).
ALBUM_DATE = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()

# Fixtures of the sign-in tests (outbox, no_floor, serialised_moto), available to every layer.
pytest_plugins = ["tests.integration.auth_helpers"]


def _share_botocore_models() -> None:
    """Parse botocore's service models once per test run, not once per client.

    ``pellicule.aws.client`` makes a fresh ``boto3.session.Session()`` per client (as Lambda
    would once per cold start); each session builds its own loader and parses the JSON models
    again: about 12 s of every moto fixture. The models are read-only, so one loader per data
    path serves every session of the run. Test-only: production code is unchanged.
    """
    import functools

    import botocore.session

    botocore.session.create_loader = functools.cache(botocore.session.create_loader)  # type: ignore[attr-defined]


_share_botocore_models()


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Aws:
    """An in-process moto account provisioned exactly like the local runtime."""

    names: Any
    queue_url: str
    dlq_url: str
    public_url: str
    key_pair_id: str
    public_key: Any
    distribution_id: str = ""  # the CloudFront distribution (PELLICULE_DISTRIBUTION_ID)

    def client(self, service: str) -> Any:
        from pellicule import aws

        return aws.client(service)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, signing_key: rsa.RSAPrivateKey) -> Iterator[Aws]:
    from moto import mock_aws

    from local import provision
    from pellicule import clock, delivery, models, settings, topology

    names = topology.local_names()
    public_url = "https://photos.pellicule.test"
    key_pair_id = "KTESTKEYPAIR1"
    for variable in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", names.region)
    monkeypatch.setenv("AWS_REGION", names.region)
    for key, value in topology.function_environment(
        names, public_url=public_url, key_pair_id=key_pair_id, mail_from="no-reply@pellicule.test"
    ).items():
        monkeypatch.setenv(key, value)
    settings.reset_settings()
    delivery.reset_cache()
    models.unbind()
    clock.reset()
    pem = signing_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    with mock_aws():
        from pellicule import aws as aws_clients

        queues = provision.provision(
            aws_clients.client,
            names,
            app_origin=public_url,
            public_url=public_url,
            mail_from="no-reply@pellicule.test",
            signing_key_pem=pem,
        )
        monkeypatch.setenv(topology.ENV_DISTRIBUTION_ID, queues.distribution_id)
        settings.reset_settings()
        yield Aws(
            names=names,
            queue_url=queues.queue_url,
            dlq_url=queues.dlq_url,
            public_url=public_url,
            key_pair_id=key_pair_id,
            public_key=signing_key.public_key(),
            distribution_id=queues.distribution_id,
        )
    settings.reset_settings()
    delivery.reset_cache()
    models.unbind()
    clock.reset()


@dataclass
class Centre:
    tenant_id: str
    album_id: str
    director_session: str
    guardian_session: str


def make_centre(tenant_id: str | None = None) -> Centre:
    """A centre with an album, a director and a guardian, each with a live session."""
    from pellicule import clock, data, sessions
    from pellicule.models import Album, Guardian, Staff, Tenant, tenant_pk

    data.ready()
    tenant_id = tenant_id or f"t{uuid.uuid4().hex[:10]}"
    now = int(clock.now())
    Tenant(
        tenant_pk(tenant_id), "PROFILE", tenant_id=tenant_id, name="Centre", created_at=now
    ).save()
    # The people behind the sessions (a session of someone unknown or archived is refused).
    Staff(
        tenant_pk(tenant_id),
        "STAFF#staff-1",
        tenant_id=tenant_id,
        staff_id="staff-1",
        role="director",
        display_name="Direction",
        email="direction@centre.example",
    ).save()
    Guardian(
        tenant_pk(tenant_id),
        "GUARDIAN#guardian-1",
        tenant_id=tenant_id,
        guardian_id="guardian-1",
        email="parent@famille.example",
    ).save()
    album_id = uuid.uuid4().hex
    Album(
        tenant_pk(tenant_id),
        f"ALBUM#{album_id}",
        tenant_id=tenant_id,
        album_id=album_id,
        title="Sortie",
        album_date=ALBUM_DATE,
        created_at=now,
    ).save()
    return Centre(
        tenant_id=tenant_id,
        album_id=album_id,
        director_session=sessions.create(tenant_id, "staff", "staff-1", "director"),
        guardian_session=sessions.create(tenant_id, "guardian", "guardian-1", "guardian"),
    )


@pytest.fixture
def centre(aws: Aws) -> Centre:
    return make_centre()


def api_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    session: str | None = None,
    csrf: bool = True,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A minimal API Gateway HTTP API (payload 2.0) event."""
    from pellicule.sessions import COOKIE_NAME

    all_headers = {"content-type": "application/json", **(headers or {})}
    if csrf:
        all_headers["x-pellicule-csrf"] = "1"
    return {
        "version": "2.0",
        "routeKey": "ANY /api/{proxy+}",
        "rawPath": path,
        "rawQueryString": "",
        "cookies": [f"{COOKIE_NAME}={session}"] if session else [],
        "headers": all_headers,
        "requestContext": {
            "http": {"method": method, "path": path, "sourceIp": "127.0.0.1"},
            "requestId": uuid.uuid4().hex,
            "stage": "$default",
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


class LambdaContext:
    function_name = "pellicule-test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-3:123456789012:function:pellicule-test"
    aws_request_id = "req-test"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000
