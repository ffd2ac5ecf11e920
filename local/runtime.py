"""The embedded local runtime: moto as AWS, the gateway, the event-source workers.

    with LocalRuntime(port=0, moto_port=0) as runtime:
        requests.get(f"{runtime.base_url}/_dev/health")

State lives in moto's memory only: it is reset when the runtime starts and when it stops, so
every run starts from an empty stack. One runtime at a time per process (moto's backends are
process-wide).
"""

from __future__ import annotations

import logging
import os
import secrets
import string
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from threading import Thread
from types import TracebackType
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from moto.server import ThreadedMotoServer

from local import cloudfront, events, moto_patches
from local.gateway import Gateway
from local.lambdas import HandlerRegistry, Invoker
from local.mailbox import Mail, Mailbox
from local.motoguard import MotoGuard
from local.provision import Provisioned, provision
from local.workers import InvalidationPoller, QueueDrainer, Scheduler, StreamPoller, TtlSweeper
from pellicule.config import topology

logger = logging.getLogger("pellicule.local")

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = 8080
LOCAL_MAIL_FROM = "no-reply@pellicule.localhost"
ENV_PORT = "PORT"
ENV_MOTO_PORT = "PELLICULE_MOTO_PORT"
ENV_PURGE_INTERVAL = "PELLICULE_PURGE_INTERVAL"
ENV_DIGEST_INTERVAL = "PELLICULE_DIGEST_INTERVAL"
# Variables that would send boto3 elsewhere than moto, or fail it (a missing profile).
_HIDDEN_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
_CLIENT_SERVICES = (
    "s3",
    "sqs",
    "dynamodb",
    "dynamodbstreams",
    "ses",
    "secretsmanager",
    "ssm",
    "cloudfront",
)
# The table-stream consumers of the stack (Lambda event source mappings in AWS).
STREAM_CONSUMERS: tuple[topology.StreamConsumer, ...] = (
    topology.REVOCATION_STREAM,
    topology.AUDIT_CHAIN_STREAM,
)


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def new_key_pair_id() -> str:
    """An id shaped like CloudFront's public key ids (``K`` + 13 upper-case letters/digits)."""
    alphabet = string.ascii_uppercase + string.digits
    return "K" + "".join(secrets.choice(alphabet) for _ in range(13))


def new_credentials() -> dict[str, str]:
    """Random AWS-shaped credentials for one runtime start: moto's endpoint lets in only the
    requests that name this access key id (``local/motoguard.py``)."""
    alphabet = string.ascii_uppercase + string.digits
    return {
        "AWS_ACCESS_KEY_ID": "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16)),
        "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30),
    }


def _reset_handler_caches() -> None:
    """Forget settings, clients, signing keys and model bindings the handlers cached (if those
    helpers exist), and boto3's default session (it keeps the credentials it first read: a
    previous run's, which moto's endpoint now refuses)."""
    import importlib

    import boto3

    boto3.DEFAULT_SESSION = None

    for module_name, function_name in (
        ("pellicule.config.settings", "reset_settings"),
        ("pellicule.adapters.delivery", "reset_cache"),
        ("pellicule.adapters.origin", "reset_cache"),
        # Models keep a connection to the endpoint they were bound with (a previous moto).
        ("pellicule.store.models", "unbind"),
    ):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        reset = getattr(module, function_name, None)
        if callable(reset):
            reset()


class _MotoServer(ThreadedMotoServer):
    """moto's threaded server, bound in the caller's thread so a busy port fails at once, behind
    a :class:`MotoGuard` (only the runtime's own callers get in)."""

    def __init__(self, *, access_key_id: str, secret_access_key: str, **options: Any) -> None:
        super().__init__(**options)
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.guard: MotoGuard | None = None

    def start(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app = DomainDispatcherApplication(create_backend_app)
        self.guard = MotoGuard(
            app, access_key_id=self.access_key_id, secret_access_key=self.secret_access_key
        )
        self._server = make_server(
            self._ip_address, self._port, self.guard, True, request_handler=MotoRequestHandler
        )
        port = self._server.server_port
        self.guard.allowed_hosts = {f"{self._ip_address}:{port}", f"localhost:{port}"}
        self._thread = Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        super().stop()
        if self._server is not None:
            self._server.server_close()  # free the port now, not when garbage-collected


class LocalRuntime:
    """moto + gateway + workers, configured from ``pellicule.config.topology``.

    ``port``/``moto_port``: ``None`` reads ``PORT`` (default 8080) and ``PELLICULE_MOTO_PORT``
    (default port + 1); ``0`` picks a free port. ``purge_interval``: ``None`` reads
    ``PELLICULE_PURGE_INTERVAL`` (default ``topology.LOCAL_PURGE_INTERVAL_SECONDS``);
    ``digest_interval`` likewise ``PELLICULE_DIGEST_INTERVAL`` (default
    ``topology.LOCAL_DIGEST_INTERVAL_SECONDS``).
    ``workers=False`` starts neither the queue drainers (one per ingest pipeline), the
    stream pollers nor the purge and digest schedules (call :meth:`drain_once`,
    :meth:`drain_stream`, :meth:`run_purge` and :meth:`run_digest` instead). The CDN's
    invalidation poller always runs (it is CloudFront, not an event source);
    :meth:`apply_invalidations` applies pending ones at once.
    ``stream_batching_window``: ``None`` uses each consumer's
    ``max_batching_window_seconds``.
    """

    _active_lock = threading.Lock()
    _active: LocalRuntime | None = None

    def __init__(
        self,
        *,
        port: int | None = None,
        moto_port: int | None = None,
        host: str = "127.0.0.1",
        region: str = topology.DEFAULT_REGION,
        web_root: Path | None = None,
        workers: bool = True,
        purge_interval: float | None = None,
        digest_interval: float | None = None,
        poll_wait_seconds: int = 1,
        retry_visibility_seconds: int = 2,
        mail_from: str = LOCAL_MAIL_FROM,
        stream_poll_interval: float = 0.25,
        stream_batching_window: float | None = None,
        invalidation_interval: float = 0.5,
    ) -> None:
        self.port = _env_int(ENV_PORT, DEFAULT_PORT) if port is None else port
        if moto_port is None:
            moto_port = _env_int(ENV_MOTO_PORT, self.port + 1 if self.port else 0)
        self.requested_moto_port = moto_port
        self.host = host
        self._names = topology.local_names(region)
        self.web_root = web_root if web_root is not None else REPO_ROOT / "web"
        self.start_workers = workers
        self.purge_interval = (
            _env_float(ENV_PURGE_INTERVAL, topology.LOCAL_PURGE_INTERVAL_SECONDS)
            if purge_interval is None
            else purge_interval
        )
        self.digest_interval = (
            _env_float(ENV_DIGEST_INTERVAL, topology.LOCAL_DIGEST_INTERVAL_SECONDS)
            if digest_interval is None
            else digest_interval
        )
        self.poll_wait_seconds = poll_wait_seconds
        self.retry_visibility_seconds = retry_visibility_seconds
        self.mail_from = mail_from
        self.stream_poll_interval = stream_poll_interval
        self.stream_batching_window = stream_batching_window
        self.invalidation_interval = invalidation_interval

        self.handlers = HandlerRegistry()
        self.invoker = Invoker(self._names, self.handlers)
        self.key_group = cloudfront.KeyGroup()
        self._private_keys: dict[str, str] = {}
        self._key_pair_id = ""
        self._moto: _MotoServer | None = None
        self._moto_url = ""
        self._gateway: Gateway | None = None
        self._drainers: dict[str, QueueDrainer] = {}
        self._archive_drainer: QueueDrainer | None = None
        self._scheduler: Scheduler | None = None
        self._digest_scheduler: Scheduler | None = None
        self._ttl: TtlSweeper | None = None
        self._stream_pollers: dict[str, StreamPoller] = {}
        self._invalidation_poller: InvalidationPoller | None = None
        self._queues: Provisioned | None = None
        self._mailbox: Mailbox | None = None
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._credentials: dict[str, str] = {}
        self._saved_env: dict[str, str | None] = {}
        self._saved_werkzeug_level: int | None = None
        self._started = False
        # The centres a purge run started by run_purge(tenants) is limited to, for the
        # schedule's event factory (called in the thread that runs it).
        self._purge_request = threading.local()

    # --- Properties -------------------------------------------------------------------------

    @property
    def names(self) -> topology.Names:
        return self._names

    @property
    def moto_guard(self) -> MotoGuard:
        """What stands in front of moto (its ``clock`` is S3's, for the expiry tests)."""
        if self._moto is None or self._moto.guard is None:
            raise RuntimeError("the runtime is not started")
        return self._moto.guard

    @property
    def base_url(self) -> str:
        return self.gateway.base_url

    @property
    def moto_url(self) -> str:
        return self._moto_url

    @property
    def gateway(self) -> Gateway:
        if self._gateway is None:
            raise RuntimeError("the local runtime is not started")
        return self._gateway

    @property
    def key_pair_id(self) -> str:
        return self._key_pair_id

    @property
    def private_key_pem(self) -> str:
        return self._private_keys[self._key_pair_id]

    @property
    def origin_header(self) -> str:
        """The secret origin header's value CloudFront (the gateway) adds to ``/api/*``
        requests: what an event built outside the gateway must carry too."""
        return self.queues.origin_header

    @property
    def queues(self) -> Provisioned:
        if self._queues is None:
            raise RuntimeError("the local runtime is not started")
        return self._queues

    @property
    def drainers(self) -> dict[str, QueueDrainer]:
        """One drainer per ingest pipeline, by kind (``photo``, ``video``)."""
        if not self._drainers:
            raise RuntimeError("the local runtime is not started")
        return self._drainers

    @property
    def drainer(self) -> QueueDrainer:
        """The photo pipeline's drainer (the ``process`` function)."""
        return self.drainers["photo"]

    @property
    def stream_pollers(self) -> dict[str, StreamPoller]:
        """One poller per table-stream consumer, by function (``revocation``, ``chainer``)."""
        if not self._stream_pollers:
            raise RuntimeError("the local runtime is not started")
        return self._stream_pollers

    @property
    def stream_poller(self) -> StreamPoller:
        """The revocation function's stream poller."""
        return self.stream_pollers[topology.REVOCATION_STREAM.function]

    @property
    def invalidation_poller(self) -> InvalidationPoller:
        if self._invalidation_poller is None:
            raise RuntimeError("the local runtime is not started")
        return self._invalidation_poller

    @property
    def distribution_id(self) -> str:
        """The local CloudFront distribution (``PELLICULE_DISTRIBUTION_ID``)."""
        return self.queues.distribution_id

    @property
    def stream_arn(self) -> str:
        return self.queues.stream_arn

    @property
    def scheduler(self) -> Scheduler:
        """The purge function's schedule."""
        if self._scheduler is None:
            raise RuntimeError("the local runtime is not started")
        return self._scheduler

    @property
    def digest_scheduler(self) -> Scheduler:
        """The daily digest's schedule (every ``digest_interval`` seconds locally)."""
        if self._digest_scheduler is None:
            raise RuntimeError("the local runtime is not started")
        return self._digest_scheduler

    # --- Life cycle -------------------------------------------------------------------------

    def __enter__(self) -> LocalRuntime:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @classmethod
    def running(cls) -> LocalRuntime | None:
        """The runtime started in this process, if any (one at a time)."""
        return cls._active

    def start(self) -> LocalRuntime:
        with LocalRuntime._active_lock:
            if LocalRuntime._active is not None:
                raise RuntimeError("another LocalRuntime is running in this process")
            LocalRuntime._active = self
        self._started = True
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        werkzeug_logger = logging.getLogger("werkzeug")
        self._saved_werkzeug_level = werkzeug_logger.level
        werkzeug_logger.setLevel(logging.WARNING)  # moto's server logs every request otherwise

        self._credentials = new_credentials()
        moto_patches.apply()  # item-level transaction backups, no leak, one request at a time
        self._moto = _MotoServer(
            access_key_id=self._credentials["AWS_ACCESS_KEY_ID"],
            secret_access_key=self._credentials["AWS_SECRET_ACCESS_KEY"],
            ip_address=self.host,
            port=self.requested_moto_port,
            verbose=False,
        )
        self._moto.start()
        moto_host, moto_port = self._moto.get_host_and_port()
        self._moto_url = f"http://{moto_host}:{moto_port}"
        self._reset_moto()
        self._mailbox = Mailbox(self._moto_url)
        self._point_aws_at_moto()  # before any boto3 session: a missing AWS_PROFILE fails them

        for service in _CLIENT_SERVICES:
            self.client(service)  # created here, in one thread: boto3 sessions are not shared

        key_pair_id, private_pem, public_pem = self._generate_key()
        self._gateway = Gateway(
            names=self._names,
            invoker=self.invoker,
            key_group=self.key_group,
            s3_client=self.client("s3"),
            mailbox=self._mailbox,
            upload_origin=self._moto_url,
            web_root=self.web_root,
            health=self.health,
            host=self.host,
            port=self.port,
            purge=self.run_purge,
            # CloudFront's origin custom header: the provisioned secret's current value.
            origin_header=lambda: self.origin_header,
        )
        if self._moto.guard is not None:
            # The app's own pages upload to moto (presigned POST/PUT): the only browser origin.
            self._moto.guard.app_origins = {self._gateway.base_url, self._gateway.public_url}
        self._set_function_environment(key_pair_id)

        self._queues = provision(
            self.client,
            self._names,
            app_origin=self.base_url,
            public_url=self.base_url,
            mail_from=self.mail_from,
            signing_key_pem=private_pem,
        )
        self._private_keys[key_pair_id] = private_pem
        self.key_group.add(key_pair_id, public_pem)
        self._key_pair_id = key_pair_id
        # Only the functions that invalidate read it in AWS; locally every function shares
        # the process environment.
        self._set_environment({topology.ENV_DISTRIBUTION_ID: self._queues.distribution_id})
        _reset_handler_caches()

        self._drainers = {
            kind: QueueDrainer(
                sqs=self.client("sqs"),
                invoker=self.invoker,
                queue_url=queues.queue_url,
                queue_arn=queues.queue_arn,
                region=self._names.region,
                function=queues.pipeline.function,
                batch_size=queues.pipeline.queue.batch_size,
                wait_seconds=self.poll_wait_seconds,
                retry_visibility_seconds=self.retry_visibility_seconds,
            )
            for kind, queues in self._queues.pipelines.items()
        }
        archive = self._queues.archive
        assert archive is not None
        # Album archives: the archive function's SQS event source, like the pipelines'.
        self._archive_drainer = QueueDrainer(
            sqs=self.client("sqs"),
            invoker=self.invoker,
            queue_url=archive.queue_url,
            queue_arn=archive.queue_arn,
            region=self._names.region,
            function=archive.function,
            batch_size=archive.spec.batch_size,
            wait_seconds=self.poll_wait_seconds,
            retry_visibility_seconds=self.retry_visibility_seconds,
        )
        # Right after provisioning: the pollers start at the stream's beginning (TRIM_HORIZON),
        # so no write made from now on is missed.
        self._stream_pollers = {
            consumer.function: StreamPoller(
                streams=self.client("dynamodbstreams"),
                invoker=self.invoker,
                stream_arn=self._queues.stream_arn,
                region=self._names.region,
                consumer=consumer,
                poll_interval=self.stream_poll_interval,
                batching_window=self.stream_batching_window,
                forget_iterator=self._forget_shard_iterator,
                release=self._release_stream_records,
            )
            for consumer in STREAM_CONSUMERS
        }
        self._invalidation_poller = InvalidationPoller(
            cloudfront=self.client("cloudfront"),
            distribution_id=self._queues.distribution_id,
            apply=self._gateway.apply_invalidation,
            interval=self.invalidation_interval,
        )
        self._scheduler = Scheduler(
            invoker=self.invoker,
            function="purge",
            interval=self.purge_interval,
            event_factory=self.purge_event,
        )
        self._digest_scheduler = Scheduler(
            invoker=self.invoker,
            function="digest",
            interval=self.digest_interval,
            event_factory=self.digest_event,
        )
        self._ttl = TtlSweeper(
            dynamodb=self.client("dynamodb"),
            table=self.names.table,
            attribute=topology.TABLE.ttl_attribute,
            interval=self.purge_interval,
        )
        self._gateway.start()
        self._invalidation_poller.start()
        if self.start_workers:
            for drainer in self._drainers.values():
                drainer.start()
            self._archive_drainer.start()
            for poller in self._stream_pollers.values():
                poller.start()
            self._scheduler.start()
            self._digest_scheduler.start()
            self._ttl.start()
        logger.info("local runtime up: %s (AWS endpoint %s)", self.base_url, self._moto_url)

    def stop(self) -> None:
        """Stop workers, gateway and moto; restore the environment. Safe to call twice."""
        if not self._started:
            return
        for label, step in self._stop_steps():
            try:
                step()
            except Exception:
                logger.exception("error while stopping the %s", label)
        self._moto = None
        self._restore_environment()
        _reset_handler_caches()
        if self._saved_werkzeug_level is not None:
            logging.getLogger("werkzeug").setLevel(self._saved_werkzeug_level)
        self._clients.clear()
        self._started = False
        with LocalRuntime._active_lock:
            if LocalRuntime._active is self:
                LocalRuntime._active = None

    def _stop_steps(self) -> list[tuple[str, Callable[[], None]]]:
        """What :meth:`stop` stops, labelled, in order: workers first, moto last."""
        steps: list[tuple[str, Callable[[], None]]] = []
        if self._scheduler is not None:
            steps.append(("purge schedule", self._scheduler.stop))
        if self._digest_scheduler is not None:
            steps.append(("digest schedule", self._digest_scheduler.stop))
        if self._ttl is not None:
            steps.append(("ttl sweeper", self._ttl.stop))
        for kind, drainer in self._drainers.items():
            steps.append((f"{kind} queue drainer", drainer.stop))
        if self._archive_drainer is not None:
            steps.append(("archive queue drainer", self._archive_drainer.stop))
        for function, poller in self._stream_pollers.items():
            steps.append((f"{function} stream poller", poller.stop))
        if self._invalidation_poller is not None:
            steps.append(("invalidation poller", self._invalidation_poller.stop))
        if self._gateway is not None:
            steps.append(("gateway", self._gateway.stop))
        if self._moto is not None:
            steps += [("moto state", self._reset_moto), ("moto", self._moto.stop)]
        return steps

    def _forget_shard_iterator(self, iterator: str) -> None:
        """moto keeps every shard iterator it hands out (about 2 KB each; the stream poller
        takes four a second): drop the used ones from its backend, which runs in this
        process. Without this a demo left running grows by some 30 MB an hour."""
        try:
            from moto.dynamodbstreams.models import dynamodbstreams_backends

            backend = dynamodbstreams_backends[self._names.account][self._names.region]
            backend.shard_iterators.pop(iterator, None)
        except (ImportError, KeyError, AttributeError):
            pass  # another moto layout: only memory is at stake

    def _release_stream_records(self, poller: StreamPoller) -> None:
        """Drop from moto's table stream the records every consumer of that stream has read
        (moto keeps each record, both images, forever; DynamoDB Streams keeps 24 hours).
        Each poller holds what it read until its function is done with it, so nothing a
        consumer still needs is lost; a consumer that has read nothing yet keeps it all."""
        readers = [p for p in self._stream_pollers.values() if p.stream_arn == poller.stream_arn]
        positions = [p.last_read_sequence for p in readers]
        if not readers or any(position is None for position in positions):
            return
        through = min(position for position in positions if position is not None)
        moto_patches.trim_table_stream(
            self._names.account, self._names.region, self._names.table, through
        )

    @staticmethod
    def _reset_moto() -> None:
        """Empty moto's backends (they live in this process; moto's ``/moto-api/reset`` does
        the same, but the guarded endpoint lets no unsigned request in)."""
        from moto.moto_api._internal import moto_api_backend

        moto_api_backend.reset()

    def _set_environment(self, values: dict[str, str], hide: tuple[str, ...] = ()) -> None:
        """Set (and hide) variables, remembering their previous values for :meth:`stop`."""
        for name in (*values, *hide):
            self._saved_env.setdefault(name, os.environ.get(name))
        for name in hide:
            os.environ.pop(name, None)
        os.environ.update(values)

    def _point_aws_at_moto(self) -> None:
        hidden = tuple(name for name in os.environ if name.startswith("AWS_ENDPOINT_URL_"))
        self._set_environment(
            {
                "AWS_ENDPOINT_URL": self._moto_url,
                **self._credentials,
                "AWS_DEFAULT_REGION": self._names.region,
                "AWS_REGION": self._names.region,
                "AWS_EC2_METADATA_DISABLED": "true",
            },
            hide=(*_HIDDEN_ENV, *hidden),
        )

    def _set_function_environment(self, key_pair_id: str) -> None:
        self._set_environment(
            topology.function_environment(
                self._names,
                public_url=self.base_url,
                key_pair_id=key_pair_id,
                mail_from=self.mail_from,
            )
        )
        _reset_handler_caches()

    def _restore_environment(self) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()

    # --- AWS clients ------------------------------------------------------------------------

    def client(self, service: str) -> Any:
        """A boto3 client bound to moto (cached; the runtime's own, not the handlers')."""
        with self._clients_lock:
            found = self._clients.get(service)
            if found is None:
                import boto3
                from botocore.config import Config

                session = boto3.session.Session(
                    aws_access_key_id=self._credentials["AWS_ACCESS_KEY_ID"],
                    aws_secret_access_key=self._credentials["AWS_SECRET_ACCESS_KEY"],
                    region_name=self._names.region,
                )
                make_client: Any = session.client
                found = make_client(
                    service,
                    endpoint_url=self._moto_url,
                    config=Config(retries={"max_attempts": 2, "mode": "standard"}),
                )
                self._clients[service] = found
            return found

    # --- Signing keys (the trusted key group) -----------------------------------------------

    @staticmethod
    def _generate_key() -> tuple[str, str, str]:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")
        public_pem = (
            private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )
        return new_key_pair_id(), private_pem, public_pem

    def add_signing_key(self, *, activate: bool = False) -> str:
        """Add a new key pair to the key group (rotation); returns its id."""
        key_pair_id, private_pem, public_pem = self._generate_key()
        self._private_keys[key_pair_id] = private_pem
        self.key_group.add(key_pair_id, public_pem)
        if activate:
            self.activate_signing_key(key_pair_id)
        return key_pair_id

    def activate_signing_key(self, key_pair_id: str) -> None:
        """Make the handlers sign with this key: secret value, env and cached settings."""
        private_pem = self._private_keys[key_pair_id]
        self.client("secretsmanager").put_secret_value(
            SecretId=self._names.signing_key_secret, SecretString=private_pem
        )
        self._key_pair_id = key_pair_id
        os.environ[topology.ENV_KEY_PAIR_ID] = key_pair_id
        _reset_handler_caches()

    def remove_signing_key(self, key_pair_id: str) -> None:
        """Take a key out of the key group: what it signed is refused from now on."""
        self.key_group.remove(key_pair_id)

    def signing_key_pem(self, key_pair_id: str) -> str:
        return self._private_keys[key_pair_id]

    def _signer(self, key_pair_id: str | None) -> tuple[Any, str]:
        from botocore.signers import CloudFrontSigner

        kid = key_pair_id or self._key_pair_id
        loaded = serialization.load_pem_private_key(
            self._private_keys[kid].encode("ascii"), password=None
        )
        assert isinstance(loaded, rsa.RSAPrivateKey)
        key: rsa.RSAPrivateKey = loaded

        def rsa_signer(message: bytes) -> bytes:
            return key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - CloudFront

        return CloudFrontSigner(kid, rsa_signer), kid

    def media_url(self, key: str) -> str:
        return f"{self.base_url}{topology.MEDIA_PATH}{quote(key)}"

    def signed_url(
        self,
        url: str,
        *,
        expires_in: int = topology.SIGNED_URL_TTL_SECONDS,
        policy: str | None = None,
        key_pair_id: str | None = None,
    ) -> str:
        """Sign ``url`` (full URL, or a path such as ``/media/t/x.jpg``) with botocore's signer."""
        if url.startswith("/"):
            url = f"{self.base_url}{url}"
        signer, _ = self._signer(key_pair_id)
        if policy is not None:
            return str(signer.generate_presigned_url(url, policy=policy))
        expires = datetime.fromtimestamp(time.time() + expires_in, UTC)
        return str(signer.generate_presigned_url(url, date_less_than=expires))

    def signed_cookies(
        self,
        resource: str,
        *,
        expires_in: int = topology.SIGNED_URL_TTL_SECONDS,
        key_pair_id: str | None = None,
    ) -> dict[str, str]:
        """CloudFront signed cookies (custom policy) for ``resource`` (wildcards allowed)."""
        if resource.startswith("/"):
            resource = f"{self.base_url}{resource}"
        signer, kid = self._signer(key_pair_id)
        expires = datetime.fromtimestamp(time.time() + expires_in, UTC)
        policy = str(signer.build_policy(resource, expires)).encode("utf-8")
        signature = signer.rsa_signer(policy)
        return {
            cloudfront.COOKIE_POLICY: cloudfront.cloudfront_b64encode(policy),
            cloudfront.COOKIE_SIGNATURE: cloudfront.cloudfront_b64encode(signature),
            cloudfront.COOKIE_KEY_PAIR_ID: kid,
        }

    # --- Workers, mail, health --------------------------------------------------------------

    def purge_event(self) -> dict[str, Any]:
        """The purge's scheduled event; with ``tenants`` when run_purge(tenants) asked."""
        event = self.scheduled_event("purge")
        tenants = getattr(self._purge_request, "tenants", None)
        if tenants is not None:
            event["tenants"] = list(tenants)
        return event

    def digest_event(self) -> dict[str, Any]:
        return self.scheduled_event("digest")

    def scheduled_event(self, function: str) -> dict[str, Any]:
        """The EventBridge "Scheduled Event" of ``function``'s rule."""
        rule = f"{self._names.function(function)}-schedule"
        return events.scheduled_event(
            rule_arn=f"arn:aws:events:{self._names.region}:{self._names.account}:rule/{rule}",
            account=self._names.account,
            region=self._names.region,
        )

    def invalidate(self, paths: list[str], *, wait: bool = True) -> str:
        """Create a CloudFront invalidation of the local distribution (paths such as
        ``/media/t/x.jpg`` or ``/media/t/tenant/*``), through the CloudFront API as the
        functions do; returns its id. ``wait``: apply it to the edge cache before returning
        (otherwise the invalidation poller does within about half a second)."""
        response = self.client("cloudfront").create_invalidation(
            DistributionId=self.distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": list(paths)},
                "CallerReference": f"local-{time.time_ns()}-{secrets.token_hex(4)}",
            },
        )
        if wait:
            self.apply_invalidations()
        return str(response["Invalidation"]["Id"])

    def apply_invalidations(self) -> int:
        """Apply the distribution's pending invalidations to the edge cache now."""
        return self.invalidation_poller.poll_once()

    def drain_stream(self, function: str | None = None) -> int:
        """Deliver every record now in the table's stream to its consumers (or only to
        ``function``'s), synchronously; returns how many records passed the filters and
        were dealt with."""
        names = [function] if function is not None else list(self.stream_pollers)
        return sum(self.stream_pollers[name].drain() for name in names)

    def drain_once(self, kind: str | None = None) -> int:
        """Process the messages waiting in the ingest queues now (or only in the queue of
        the ``kind`` pipeline); returns how many."""
        kinds = [kind] if kind is not None else list(self.drainers)
        return sum(self.drainers[name].drain_once() for name in kinds)

    def drain_archives(self) -> int:
        """Build the album archives waiting in the archive queue now, synchronously; returns
        how many jobs were handed to the archive function."""
        if self._archive_drainer is None:
            raise RuntimeError("the local runtime is not started")
        return self._archive_drainer.drain_once()

    def run_purge(self, tenants: list[str] | None = None) -> Any:
        """Invoke the purge function once, as its schedule would (with ``tenants``: the
        scheduled event plus ``"tenants": [...]``, only those centres); returns its result.
        Never at the same time as a scheduled run."""
        self._purge_request.tenants = tenants
        try:
            return self.scheduler.run_once()
        finally:
            self._purge_request.tenants = None

    def expire_ttl(self) -> int:
        """Delete the items whose time to live has passed (the product clock), as DynamoDB
        does in AWS in the background (within about two days): how many. Moto has no TTL; the
        runtime sweeps every ``purge_interval`` seconds, and tests that move the clock call
        this."""
        if self._ttl is None:
            raise RuntimeError("the local runtime is not started")
        return self._ttl.run_once()

    def run_digest(self) -> Any:
        """Invoke the digest function once, as its daily schedule would; returns its result."""
        return self.digest_scheduler.run_once()

    def sent_mail(self) -> list[Mail]:
        """E-mails sent through SES, newest first."""
        if self._mailbox is None:
            raise RuntimeError("the local runtime is not started")
        return self._mailbox.messages()

    def queue_depths(self) -> dict[str, Any]:
        """Messages waiting, in flight and dead, summed over the ingest pipelines, and per
        pipeline under ``queues``."""
        sqs = self.client("sqs")
        names = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        per_kind: dict[str, dict[str, int]] = {}
        for kind, queues in self.queues.pipelines.items():
            queue = sqs.get_queue_attributes(QueueUrl=queues.queue_url, AttributeNames=names)
            dlq = sqs.get_queue_attributes(QueueUrl=queues.dlq_url, AttributeNames=names)
            per_kind[kind] = {
                "queue_depth": int(queue["Attributes"]["ApproximateNumberOfMessages"]),
                "queue_in_flight": int(
                    queue["Attributes"]["ApproximateNumberOfMessagesNotVisible"]
                ),
                "dlq_depth": int(dlq["Attributes"]["ApproximateNumberOfMessages"]),
            }
        totals = {
            name: sum(depths[name] for depths in per_kind.values())
            for name in ("queue_depth", "queue_in_flight", "dlq_depth")
        }
        return {**totals, "queues": per_kind}

    def health(self) -> tuple[bool, dict[str, Any]]:
        try:
            depths = self.queue_depths()
        except Exception:
            logger.exception("health check: moto does not answer")
            return False, {"status": "error", "moto": "unreachable"}
        return True, {
            "status": "ok",
            "moto": "ok",
            **depths,
            "workers": {
                "drainer": bool(self._drainers)
                and all(drainer.running for drainer in self._drainers.values()),
                "drainers": {kind: d.running for kind, d in self._drainers.items()},
                "archive_drainer": bool(self._archive_drainer and self._archive_drainer.running),
                "purge_schedule": bool(self._scheduler and self._scheduler.running),
                "purge_interval_seconds": self.purge_interval,
                "digest_schedule": bool(self._digest_scheduler and self._digest_scheduler.running),
                "digest_interval_seconds": self.digest_interval,
                "stream_pollers": {fn: p.running for fn, p in self._stream_pollers.items()},
                "invalidation_poller": bool(
                    self._invalidation_poller and self._invalidation_poller.running
                ),
            },
            "streams": {fn: p.stats() for fn, p in self._stream_pollers.items()},
            "cdn": {
                "distribution_id": self._queues.distribution_id if self._queues else "",
                **(self._gateway.cache.stats() if self._gateway else {}),
            },
            # What the operator CLI needs (pellicule --local URL ...): the AWS endpoint and
            # the names of this stack.
            "aws": self.aws_info(),
        }

    @property
    def credentials(self) -> dict[str, str]:
        """This run's random AWS credentials (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``):
        the only ones moto's endpoint accepts."""
        return dict(self._credentials)

    def aws_info(self) -> dict[str, Any]:
        """The local "AWS" as a deployment would describe it: moto's endpoint, the stack's
        stage, account and region (they make every name: topology.Names), the values a
        deployment keeps in its configuration, and this run's credentials."""
        return {
            "endpoint": self._moto_url,
            "region": self._names.region,
            "stage": self._names.stage,
            "account": self._names.account,
            "table": self._names.table,
            "distribution_id": self._queues.distribution_id if self._queues else "",
            "public_url": self.base_url if self._gateway else "",
            "mail_from": self.mail_from,
            # moto's endpoint lets in only requests that name this run's access key id.
            "access_key_id": self._credentials.get("AWS_ACCESS_KEY_ID", ""),
            "secret_access_key": self._credentials.get("AWS_SECRET_ACCESS_KEY", ""),
        }
