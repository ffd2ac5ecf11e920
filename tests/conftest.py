"""Shared fixtures: AWS in-process (moto) provisioned from the topology, sessions, events."""

from __future__ import annotations

import datetime
import json
import os
import secrets
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import settings as hypothesis_settings

# The fixtures' albums are dated a month ago: within every centre's retention, whatever the
# day the tests run (a fixed date would expire one day and the purge would take it).
ALBUM_DATE = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()

# Fixtures of the sign-in tests (outbox, no_floor, serialised_moto), available to every layer.
pytest_plugins = ["tests.integration.auth_helpers"]

# Property tests assert behaviour, never speed: no per-example deadline (Hypothesis' default
# of 200 ms failed TOTP properties on a busy 2-core runner). Speed belongs to bench/.
hypothesis_settings.register_profile("pellicule", deadline=None)
hypothesis_settings.load_profile("pellicule")


def _share_botocore_models() -> None:
    """Parse botocore's service models once per test run, not once per client.

    ``pellicule.adapters.aws.client`` keeps one botocore session per process (as Lambda would
    once per cold start), but the tests reset it with every moto account, and each new session
    builds its own loader and parses the JSON models again: seconds per moto fixture. The models
    are read-only, so one loader per data path serves every session of the run. Test-only:
    production code is unchanged.
    """
    import functools

    import botocore.session

    botocore.session.create_loader = functools.cache(botocore.session.create_loader)  # type: ignore[attr-defined]


_share_botocore_models()


def _install_iam_hook() -> None:
    """Every botocore client made from now on carries the IAM contract hook (inactive until a
    test asks for ``iam_contract``): installed before any fixture makes a client."""
    from tests.support import iam_hook

    iam_hook.install()


_install_iam_hook()


class IamContractNotice(UserWarning):
    """What the IAM contract check did for the run (shown in pytest's warnings summary)."""


@pytest.fixture(scope="session")
def iam_policies() -> Any:
    """Each function's synthesized IAM statements (``tests/support/iam_policy.py``), or None
    when the stack cannot be synthesized here: the check is then skipped, loudly."""
    from pellicule.config import topology
    from tests.support import iam_policy

    try:
        policies = iam_policy.load(topology.DEFAULT_REGION)
    except iam_policy.SynthUnavailable as error:
        warnings.warn(
            IamContractNotice(
                f"IAM contract NOT checked: the stack cannot be synthesized ({error}); the "
                "integration and security tests ran without comparing their AWS calls to the "
                "functions' policies."
            ),
            stacklevel=1,
        )
        return None
    if policies.synth_seconds is not None:
        warnings.warn(
            IamContractNotice(
                f"IAM contract: the stack changed, policies synthesized in "
                f"{policies.synth_seconds:.1f} s and cached in {policies.cache_file.name}"
            ),
            stacklevel=1,
        )
    return policies


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "iam_denied(function, action, reason): the test makes `function` do `action` although "
        "its synthesized IAM policy denies it, on purpose or as a known, reported defect; the "
        "test fails if that denial no longer happens",
    )


@pytest.fixture
def iam_contract(request: pytest.FixtureRequest, iam_policies: Any) -> Iterator[Any]:
    """Fail the test if a function makes an AWS call its synthesized IAM policy denies
    (``tests/support/iam_hook.py``); the calls of the test's own code are not checked."""
    from tests.support import iam_hook

    if iam_policies is None:
        yield None
        return
    known = frozenset(
        (marker.args[0], marker.args[1]) for marker in request.node.iter_markers("iam_denied")
    )
    with iam_hook.active(iam_hook.Checker(iam_policies.statements, known)) as checker:
        yield checker
    trace = os.environ.get("PELLICULE_IAM_TRACE")  # a file: every checked call, one a line
    if trace:
        with open(trace, "a", encoding="utf-8") as out:
            out.writelines(f"{' '.join(call)}\n" for call in checker.checked)
    verdict = iam_hook.verdict(checker)
    if verdict:
        pytest.fail(verdict, pytrace=False)


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
        from pellicule.adapters import aws

        return aws.client(service)


PUBLIC_URL = "https://photos.pellicule.test"
# The secret origin header's value for this run (generated, as ``scripts/keys.py`` does): the
# moto secret holds it and ``api_event`` carries it, as CloudFront adds it to /api/* requests.
ORIGIN_HEADER_VALUE = secrets.token_urlsafe(32)


def origin_secret() -> str:
    """The origin-header secret's string of a moto account the tests provision."""
    return json.dumps({"current": ORIGIN_HEADER_VALUE, "previous": ""})


def origin_header_value() -> str:
    """The value CloudFront adds: the running local runtime's when the test drives one (e2e
    tests build their scenario in process against it), else the tests' moto account's."""
    import sys

    runtime = sys.modules.get("local.runtime")
    active = runtime.LocalRuntime.running() if runtime is not None else None
    return active.origin_header if active is not None else ORIGIN_HEADER_VALUE


KEY_PAIR_ID = "KTESTKEYPAIR1"
MAIL_FROM = "no-reply@pellicule.test"
# The services ``local.provision`` creates resources in (their clients are kept between tests).
PROVISIONED_SERVICES = ("s3", "sqs", "dynamodb", "ses", "secretsmanager", "ssm", "cloudfront")


def _function_environment() -> dict[str, str]:
    """The environment the handlers see in moto: the topology's, with test credentials."""
    from pellicule.config import topology

    names = topology.local_names()
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": names.region,
        "AWS_REGION": names.region,
        **topology.function_environment(
            names, public_url=PUBLIC_URL, key_pair_id=KEY_PAIR_ID, mail_from=MAIL_FROM
        ),
    }


def _set_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    for key, value in _function_environment().items():
        monkeypatch.setenv(key, value)


def _forget_cached_state(keep_clients: _MotoAccount | None = None) -> None:
    from pellicule.adapters import delivery, origin
    from pellicule.config import clock, settings
    from pellicule.store import models

    if keep_clients is None or not _keep_clients(keep_clients):
        settings.reset_settings()
        models.unbind()
    delivery.reset_cache()
    origin.reset_cache()
    clock.reset()


@dataclass
class _MotoAccount:
    """moto, started once per test run (``mock_aws`` in one process is one account anyway)."""

    mock: Any
    pem: str
    public_key: Any
    clients: dict[str, Any] = field(default_factory=dict)


def _reuse_moto_kms_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """One RSA key per size for moto's KMS keys, not a fresh one per key.

    moto makes a KMS key for the table's server-side encryption at each provisioning and
    generates an RSA-2048 private key for it (0.25 s); no test signs or decrypts with it.
    """
    import functools
    import types

    from cryptography.hazmat.primitives.asymmetric import rsa as real_rsa
    from moto.kms import utils as kms_utils

    @functools.cache
    def generate_private_key(public_exponent: int, key_size: int) -> Any:
        return real_rsa.generate_private_key(public_exponent=public_exponent, key_size=key_size)

    monkeypatch.setattr(
        kms_utils, "rsa", types.SimpleNamespace(generate_private_key=generate_private_key)
    )


@pytest.fixture(scope="session")
def moto_account(signing_key: rsa.RSAPrivateKey) -> Iterator[_MotoAccount]:
    from moto import mock_aws

    pem = signing_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    with pytest.MonkeyPatch.context() as monkeypatch:
        _reuse_moto_kms_keys(monkeypatch)
        yield _MotoAccount(mock=mock_aws(), pem=pem, public_key=signing_key.public_key())


def _keep_clients(account: _MotoAccount) -> bool:
    """Keep the boto3 clients (and PynamoDB's connections) of the previous test when nothing
    else made clients since; says whether they were kept.

    Clients are cached by service (``pellicule.adapters.aws.client``, and per model once the models
    are bound) and depend only on the environment, which every test of this fixture sets
    the same way; making them again costs about 0.5 s a test. Should anything have
    forgotten them in between (a test calling ``settings.reset_settings()`` under another
    environment) or made a client of another service, they are all made again, as before.
    """
    from pellicule.adapters import aws as aws_clients
    from pellicule.config import settings

    settings.get_settings.cache_clear()
    kept = account.clients
    return bool(kept) and (
        aws_clients.client.cache_info().currsize == len(kept)
        and all(aws_clients.client(service) is made for service, made in kept.items())
    )


def fresh_account(account: _MotoAccount) -> Any:
    """Empty every moto service and provision the topology again (moto's mock must be on);
    returns what ``local.provision.provision`` made."""
    from moto.core.base_backend import BackendDict
    from moto.core.model_instances import reset_model_data

    from local import provision
    from pellicule.adapters import aws as aws_clients
    from pellicule.config import topology

    BackendDict.reset()
    reset_model_data()
    return provision.provision(
        aws_clients.client,
        topology.local_names(),
        app_origin=PUBLIC_URL,
        public_url=PUBLIC_URL,
        mail_from=MAIL_FROM,
        signing_key_pem=account.pem,
        origin_secret=origin_secret(),
    )


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, moto_account: _MotoAccount) -> Iterator[Aws]:
    """A moto account provisioned exactly like the local runtime, empty for every test.

    One ``mock_aws`` serves the whole run; each test turns its patching on (about 10 ms,
    so a test without this fixture meets no moto), empties every service back to nothing
    (``BackendDict.reset``: table items and stream records, object versions and open
    multipart uploads, queue messages, secrets, the distribution...) and provisions the
    topology again, about 0.2 s with botocore's models shared (``_share_botocore_models``).
    No state of one test reaches the next, whatever it enumerates or rotates.
    """
    from pellicule.adapters import aws as aws_clients
    from pellicule.config import settings, topology

    names = topology.local_names()
    _set_environment(monkeypatch)
    _forget_cached_state(keep_clients=moto_account)
    mock = moto_account.mock
    mock.start(reset=False)
    try:
        queues = fresh_account(moto_account)
        monkeypatch.setenv(topology.ENV_DISTRIBUTION_ID, queues.distribution_id)
        settings.get_settings.cache_clear()  # the distribution id; the clients stay
        moto_account.clients = {
            service: aws_clients.client(service) for service in PROVISIONED_SERVICES
        }
        yield Aws(
            names=names,
            queue_url=queues.queue_url,
            dlq_url=queues.dlq_url,
            public_url=PUBLIC_URL,
            key_pair_id=KEY_PAIR_ID,
            public_key=moto_account.public_key,
            distribution_id=queues.distribution_id,
        )
    finally:
        mock.stop()  # and forget the data, with moto's record of every object it made
        _forget_cached_state(keep_clients=moto_account)


@dataclass
class Centre:
    tenant_id: str
    album_id: str
    director_session: str
    guardian_session: str


def make_centre(tenant_id: str | None = None) -> Centre:
    """A centre with an album, a director and a guardian, each with a live session."""
    from pellicule.config import clock
    from pellicule.services import sessions
    from pellicule.store import data, keys
    from pellicule.store.models import Album, Guardian, Staff, Tenant, tenant_pk

    data.ready()
    tenant_id = tenant_id or f"t{uuid.uuid4().hex[:10]}"
    now = int(clock.now())
    Tenant(
        tenant_pk(tenant_id),
        "PROFILE",
        tenant_id=tenant_id,
        name="Centre",
        created_at=now,
        gsi1pk=keys.CENTRES_GSI,  # in the centres index, as the operator's create puts it
        gsi1sk=keys.centre_gsi_sk(tenant_id),
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
    """A minimal API Gateway HTTP API (payload 2.0) event, as it comes through CloudFront:
    with the secret origin header (``headers`` may replace it, e.g. to leave it out)."""
    from pellicule.config import topology
    from pellicule.services.sessions import COOKIE_NAME

    all_headers = {
        "content-type": "application/json",
        topology.ORIGIN_HEADER: origin_header_value(),
        **(headers or {}),
    }
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
