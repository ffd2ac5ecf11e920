"""The one source of truth for Pellicule's AWS resources: names, settings, routes.

Both the CDK app (``infra/``) and the local runtime (``local/``) read this module, so a
bucket, table, queue, secret or route exists with the same name and the same settings in
AWS and on a developer's laptop. Pure data: no AWS SDK, no CDK, no environment reads.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Regions -------------------------------------------------------------------------------

DEFAULT_REGION = "eu-west-3"  # Paris
# Every commercial AWS region inside the European Union (children's data stays in the EU).
EU_REGIONS: frozenset[str] = frozenset(
    {
        "eu-west-1",  # Ireland
        "eu-west-3",  # Paris
        "eu-central-1",  # Frankfurt
        "eu-north-1",  # Stockholm
        "eu-south-1",  # Milan
        "eu-south-2",  # Spain
    }
)
# Regions whose names start with "eu-" but lie outside the European Union.
NON_EU_EUROPEAN_REGIONS: frozenset[str] = frozenset({"eu-west-2", "eu-central-2"})  # London, Zurich


class RegionNotAllowedError(ValueError):
    """Raised when asked to deploy outside the European Union."""


def check_region(region: str | None) -> str:
    """Return ``region`` if it lies in the EU, else raise with a message an operator can act on."""
    if not region:
        raise RegionNotAllowedError(
            "No AWS region given. Pellicule stores children's images and must be deployed in an "
            f"EU region; pass one, e.g. CDK_DEFAULT_REGION={DEFAULT_REGION} "
            f"(allowed: {', '.join(sorted(EU_REGIONS))})."
        )
    if region not in EU_REGIONS:
        raise RegionNotAllowedError(
            f"Region {region!r} is outside the European Union. Pellicule stores children's images "
            f"and may only be deployed in: {', '.join(sorted(EU_REGIONS))}."
        )
    return region


# --- Names ---------------------------------------------------------------------------------

LOCAL_STAGE = "local"
LOCAL_ACCOUNT = "123456789012"  # moto's default account id


@dataclass(frozen=True)
class Names:
    """Physical names of every named resource of one stack (one stage in one region)."""

    stage: str
    account: str
    region: str

    @property
    def prefix(self) -> str:
        return f"pellicule-{self.stage}"

    def _bucket(self, purpose: str) -> str:
        # Bucket names are global: account and region make them unique and predictable.
        return f"{self.prefix}-{purpose}-{self.account}-{self.region}"

    @property
    def ingest_bucket(self) -> str:
        return self._bucket("ingest")

    @property
    def media_bucket(self) -> str:
        return self._bucket("media")

    @property
    def evidence_bucket(self) -> str:
        """Consent evidence (scanned signed forms): private, versioned, never a CDN origin."""
        return self._bucket("evidence")

    @property
    def web_bucket(self) -> str:
        return self._bucket("web")

    @property
    def logs_bucket(self) -> str:
        return self._bucket("logs")

    @property
    def table(self) -> str:
        return f"{self.prefix}-main"

    @property
    def ingest_queue(self) -> str:
        """The photo pipeline's queue (its name predates the per-kind queues: kept stable)."""
        return self.ingest_queue_for("photo")

    @property
    def ingest_dlq(self) -> str:
        return self.ingest_dlq_for("photo")

    def ingest_queue_for(self, kind: str) -> str:
        """Queue of the ingest pipeline of ``kind`` (``photo``, ``video``)."""
        if kind == "photo":
            return f"{self.prefix}-ingest-events"
        return f"{self.prefix}-ingest-{kind}-events"

    def ingest_dlq_for(self, kind: str) -> str:
        return f"{self.ingest_queue_for(kind)}-dlq"

    @property
    def archive_queue(self) -> str:
        """Album archives (zip) a family asked for, waiting for the ``archive`` function."""
        return f"{self.prefix}-archive-jobs"

    @property
    def archive_dlq(self) -> str:
        return f"{self.archive_queue}-dlq"

    @property
    def signing_key_secret(self) -> str:
        return f"pellicule/{self.stage}/cloudfront-signing-key"

    @property
    def origin_header_secret(self) -> str:
        """Secret holding the values of :data:`ORIGIN_HEADER` (``{"current", "previous"}``)."""
        return f"pellicule/{self.stage}/origin-header"

    @property
    def public_url_parameter(self) -> str:
        """SSM parameter holding the public URL when it is only known after deployment."""
        return f"/pellicule/{self.stage}/public-url"

    def function(self, name: str) -> str:
        return f"{self.prefix}-{name}"


def local_names(region: str = DEFAULT_REGION) -> Names:
    return Names(stage=LOCAL_STAGE, account=LOCAL_ACCOUNT, region=region)


# --- Storage settings ----------------------------------------------------------------------

INGEST_EXPIRATION_DAYS = 1  # quarantine: anything not processed within a day is deleted
INGEST_ABORT_MULTIPART_DAYS = 1
MEDIA_NONCURRENT_EXPIRATION_DAYS = 1  # purged/replaced renditions leave no old version behind
LOGS_EXPIRATION_DAYS = 90
# Methods a browser uses against the ingest bucket: presigned POST, multipart part PUTs.
INGEST_CORS_METHODS = ("POST", "PUT")
INGEST_CORS_MAX_AGE_SECONDS = 3000

# Key layout (every key is tenant-prefixed; security requirement 4).
INGEST_PREFIX = "ingest/"  # ingest/<kind>/t/<tenant>/m/<media id>/<random>
INGEST_PHOTO_PREFIX = f"{INGEST_PREFIX}photo/"  # photos: the process function
INGEST_VIDEO_PREFIX = f"{INGEST_PREFIX}video/"  # videos: the video function
# Scanned consent forms land here first (no pipeline listens); the admin function checks them
# and moves them to the evidence bucket: ingest/evidence/t/<tenant>/c/<child>/<random>
INGEST_EVIDENCE_PREFIX = f"{INGEST_PREFIX}evidence/"
EVIDENCE_PREFIX = "t/"  # evidence bucket: t/<tenant>/c/<child>/<random>
MEDIA_PREFIX = "t/"  # media bucket: t/<tenant>/...; served under /media/t/<tenant>/...
MEDIA_PATH = "/media/"  # CloudFront path pattern that maps to the media bucket
# Album archives (zip) families download: archives/<tenant>/<archive id>.zip in the media
# bucket, served under /media/archives/... by a one-object signature. The prefix lies outside
# ``MEDIA_PREFIX``, so no wildcard policy a page signs (t/<tenant>/s/...) ever reaches one.
ARCHIVES_PREFIX = "archives/"
ARCHIVE_EXPIRATION_DAYS = 7  # lifecycle rule on ARCHIVES_PREFIX: a built archive is temporary


@dataclass(frozen=True)
class BucketSpec:
    """Per-bucket settings, for the local runtime's provisioning (and the CDK storage construct).

    Every bucket also blocks public access, is encrypted with S3-managed keys, refuses ACLs
    (bucket owner enforced) and plain HTTP (security requirement 9).
    """

    # ingest | media | evidence | web | logs: the name is ``getattr(names, f"{purpose}_bucket")``
    purpose: str
    versioned: bool
    # Lifecycle (one rule per bucket).
    expiration_days: int | None = None  # current versions
    noncurrent_expiration_days: int | None = None
    expired_object_delete_marker: bool = False
    abort_multipart_days: int | None = None
    # Browser access from the app's origin (only the ingest bucket: uploads).
    cors_methods: tuple[str, ...] = ()
    cors_allowed_headers: tuple[str, ...] = ()
    cors_exposed_headers: tuple[str, ...] = ()
    cors_max_age_seconds: int = 0
    # Object-created events under this prefix feed the ingest pipelines: each pipeline of
    # INGEST_PIPELINES gets those under its own prefix, which lies inside this one.
    notify_prefix: str | None = None
    # More rules, each expiring the objects under one prefix: (prefix, days).
    prefix_expirations: tuple[tuple[str, int], ...] = ()


# Headers a browser sends for a presigned POST or a multipart part PUT, and the one it reads.
INGEST_CORS_HEADERS = ("content-type", "content-md5", "x-amz-*")
INGEST_CORS_EXPOSED_HEADERS = ("ETag",)  # multipart uploads read each part's ETag

BUCKETS: tuple[BucketSpec, ...] = (
    BucketSpec(
        "ingest",
        # Quarantine: deleting an upload must delete it for good, so no versioning.
        versioned=False,
        expiration_days=INGEST_EXPIRATION_DAYS,
        abort_multipart_days=INGEST_ABORT_MULTIPART_DAYS,
        cors_methods=INGEST_CORS_METHODS,
        cors_allowed_headers=INGEST_CORS_HEADERS,
        cors_exposed_headers=INGEST_CORS_EXPOSED_HEADERS,
        cors_max_age_seconds=INGEST_CORS_MAX_AGE_SECONDS,
        notify_prefix=INGEST_PREFIX,
    ),
    BucketSpec(
        "media",
        versioned=True,
        noncurrent_expiration_days=MEDIA_NONCURRENT_EXPIRATION_DAYS,
        expired_object_delete_marker=True,
        abort_multipart_days=1,
        prefix_expirations=((ARCHIVES_PREFIX, ARCHIVE_EXPIRATION_DAYS),),
    ),
    BucketSpec(
        "evidence",
        # Proof of consent: kept while it is needed, and when erased, erased for good (a
        # deleted scan's old versions expire the next day).
        versioned=True,
        noncurrent_expiration_days=MEDIA_NONCURRENT_EXPIRATION_DAYS,
        expired_object_delete_marker=True,
        abort_multipart_days=1,
    ),
    BucketSpec("web", versioned=False),  # rebuilt from the repository on every deployment
    BucketSpec(
        "logs", versioned=False, expiration_days=LOGS_EXPIRATION_DAYS, abort_multipart_days=1
    ),
)


# --- Table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str


@dataclass(frozen=True)
class TableSpec:
    partition_key: str = "pk"
    sort_key: str = "sk"
    ttl_attribute: str = "expires_at"
    # Consent changes feed revocation propagation; new views and downloads, the audit chainer.
    stream_view: str = "NEW_AND_OLD_IMAGES"
    indexes: tuple[Index, ...] = (Index("gsi1", "gsi1pk", "gsi1sk"),)


TABLE = TableSpec()


# --- Queues --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueSpec:
    visibility_timeout_seconds: int
    retention_seconds: int
    max_receive_count: int
    dlq_retention_seconds: int
    batch_size: int
    # Most concurrent invocations the SQS event source starts (None: Lambda's own scaling).
    max_concurrency: int | None = None


PROCESS_TIMEOUT_SECONDS = 120
ARCHIVE_TIMEOUT_SECONDS = 900  # a 300-photo album (~1 GB) takes well under a minute in-region
REVOCATION_TIMEOUT_SECONDS = 120
CHAINER_TIMEOUT_SECONDS = 120  # a burst of a few thousand views: tens of transactions
VIDEO_TIMEOUT_SECONDS = 900  # Lambda's maximum: a 10-minute phone video is transcoded in one go
INGEST_QUEUE = QueueSpec(
    # AWS guidance: visibility at least 6x the consumer's timeout.
    visibility_timeout_seconds=6 * PROCESS_TIMEOUT_SECONDS,
    retention_seconds=4 * 24 * 3600,
    max_receive_count=3,
    dlq_retention_seconds=14 * 24 * 3600,
    batch_size=5,
)
VIDEO_QUEUE = QueueSpec(
    visibility_timeout_seconds=6 * VIDEO_TIMEOUT_SECONDS,
    retention_seconds=4 * 24 * 3600,
    max_receive_count=3,
    dlq_retention_seconds=14 * 24 * 3600,
    batch_size=1,  # one video per invocation: the whole time budget goes to it
    max_concurrency=10,  # a burst of uploads queues up instead of starting 3 GB functions
)


ARCHIVE_QUEUE = QueueSpec(
    visibility_timeout_seconds=6 * ARCHIVE_TIMEOUT_SECONDS,
    retention_seconds=24 * 3600,  # a family waits minutes, not days
    max_receive_count=3,
    dlq_retention_seconds=14 * 24 * 3600,
    batch_size=1,  # one archive per invocation: the whole time budget goes to it
    max_concurrency=10,
)
ARCHIVE_FUNCTION = "archive"  # consumes the archive queue


@dataclass(frozen=True)
class IngestPipeline:
    """One kind of upload: its ingest key prefix, its queue (+ DLQ) and the function consuming it.

    The ingest bucket sends ``s3:ObjectCreated:*`` under ``prefix`` to the pipeline's queue
    (``Names.ingest_queue_for(kind)``); the function gets Lambda's SQS events from it.
    """

    kind: str  # photo | video: the kind segment of ingest keys
    prefix: str  # key prefix in the ingest bucket (under its BucketSpec.notify_prefix)
    function: str  # a key of FUNCTIONS
    queue: QueueSpec


INGEST_PIPELINES: tuple[IngestPipeline, ...] = (
    IngestPipeline("photo", INGEST_PHOTO_PREFIX, "process", INGEST_QUEUE),
    IngestPipeline("video", INGEST_VIDEO_PREFIX, "video", VIDEO_QUEUE),
)


def ingest_pipeline(kind: str) -> IngestPipeline:
    for pipeline in INGEST_PIPELINES:
        if pipeline.kind == kind:
            return pipeline
    raise KeyError(kind)


# --- Video ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoLimits:
    """What the video function accepts (defaults; a centre's settings may lower them)."""

    max_duration_seconds: float = 600  # 10 minutes
    max_long_edge: int = 4096  # pixels, longest side of the original (4K UHD fits)


VIDEO_LIMITS = VideoLimits()
# Lambda /tmp of the video function: the original and the 720p output live there together.
VIDEO_EPHEMERAL_STORAGE_MB = 10240


# --- Functions and routes ------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    memory_mb: int
    timeout_seconds: int
    layers: tuple[str, ...] = ("deps",)
    description: str = ""
    ephemeral_storage_mb: int | None = None  # Lambda /tmp size; None: the default 512 MB

    @property
    def handler(self) -> str:
        """Lambda handler string; the asset holds ``functions/<name>/``."""
        return f"functions.{self.name}.handler.handler"


FUNCTIONS: dict[str, FunctionSpec] = {
    spec.name: spec
    for spec in (
        FunctionSpec("upload", 256, 10, description="Presigned upload grants (staff)"),
        FunctionSpec(
            "process",
            1769,  # one full vCPU
            PROCESS_TIMEOUT_SECONDS,
            layers=("deps", "imaging"),
            description="Ingest processing: sniff, decode, strip metadata, renditions",
        ),
        FunctionSpec(
            "video",
            3008,  # ~1.7 vCPU: decoding a 4K phone video dominates
            VIDEO_TIMEOUT_SECONDS,
            layers=("deps", "ffmpeg", "imaging"),
            description="Video processing: sniff, probe, strip metadata, H.264 720p, poster",
            ephemeral_storage_mb=VIDEO_EPHEMERAL_STORAGE_MB,
        ),
        FunctionSpec("gallery", 512, 10, description="Gallery reads and signed media URLs"),
        FunctionSpec(
            "auth",
            256,
            10,
            description="Sign-in: magic links, codes, sessions, second factor",
        ),
        FunctionSpec(
            "admin",
            512,
            15,
            description="Staff API: people, consents, albums, tagging, validation, audit",
        ),
        FunctionSpec(
            "family",
            512,
            10,
            description="Guardian API: consents and the gallery behind the publication gate",
        ),
        FunctionSpec(
            "revocation",
            512,
            REVOCATION_TIMEOUT_SECONDS,
            description="Consent and publication changes: replace served copies, invalidate",
        ),
        FunctionSpec(
            "chainer",
            256,
            CHAINER_TIMEOUT_SECONDS,
            description="Chains the views and downloads waiting in each centre's audit log",
        ),
        FunctionSpec("purge", 512, 900, description="Scheduled retention purge"),
        FunctionSpec(
            "archive",
            1024,  # S3 throughput; memory use stays near one multipart part (8 MiB)
            ARCHIVE_TIMEOUT_SECONDS,
            description="Album archives: a zip of what a family may download, streamed to S3",
        ),
        FunctionSpec(
            "digest",
            512,
            900,
            description="Daily digest e-mails to guardians; unsubscribe without signing in",
        ),
    )
}


@dataclass(frozen=True)
class Route:
    """An HTTP API route: ``ANY /api/<prefix>/{proxy+}`` goes to ``function``; with
    ``exact_path``, only ``GET <exact_path>`` does (a single public document)."""

    prefix: str
    function: str
    exact_path: str | None = None

    @property
    def path(self) -> str:
        return self.exact_path or f"/api/{self.prefix}/{{proxy+}}"

    @property
    def method(self) -> str:
        return "GET" if self.exact_path else "ANY"

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


API_ROUTES: tuple[Route, ...] = (
    Route("upload", "upload"),
    Route("gallery", "gallery"),
    Route("admin", "admin"),
    Route("family", "family"),
    Route("auth", "auth"),
    # Unsubscribing from the daily digest with the e-mail's token (no session needed).
    Route("digest", "digest"),
    # The API description (generated from the routes: make openapi).
    Route("openapi", "auth", exact_path="/api/openapi.json"),
)


@dataclass(frozen=True)
class StreamConsumer:
    """A function fed by the table's stream (Lambda event source mapping; a poller locally).

    ``filters`` are Lambda event-filtering patterns (any one matching lets a record through);
    the handler re-checks every record itself, so the filters only save invocations.
    """

    function: str
    batch_size: int
    max_batching_window_seconds: int
    retry_attempts: int
    filters: tuple[dict[str, object], ...]


# Served copies (docs/delivery.md, docs/revocation.md): a new consent-history entry, or a
# change to a media item that is or was published (publication itself creates the copies).
REVOCATION_STREAM = StreamConsumer(
    function="revocation",
    batch_size=50,
    max_batching_window_seconds=1,
    retry_attempts=5,
    filters=(
        {
            "eventName": ["INSERT"],
            "dynamodb": {"Keys": {"sk": {"S": [{"prefix": "CONSENTLOG#"}]}}},
        },
        {
            "eventName": ["MODIFY"],
            "dynamodb": {
                "Keys": {"sk": {"S": [{"prefix": "MEDIA#"}]}},
                "OldImage": {"state": {"S": ["published"]}},
            },
        },
        {
            "eventName": ["MODIFY"],
            "dynamodb": {
                "Keys": {"sk": {"S": [{"prefix": "MEDIA#"}]}},
                "NewImage": {"state": {"S": ["published"]}},
            },
        },
    ),
)

# Views and downloads waiting to be chained (docs/audit.md, "Batched entries"): a new
# ``PENDING#`` item of a centre's audit log. A window of seconds and large batches: 500
# families opening an album within a minute are a handful of invocations, each chaining a
# centre's waiting events in transactions of 49. Only INSERTs pass: chaining itself writes
# the head (HEAD), entries (digits) and deletes the pending items (REMOVE), so it never feeds
# itself.
AUDIT_CHAIN_STREAM = StreamConsumer(
    function="chainer",
    batch_size=1000,
    max_batching_window_seconds=5,
    retry_attempts=5,
    filters=(
        {
            "eventName": ["INSERT"],
            "dynamodb": {
                "Keys": {
                    "pk": {"S": [{"prefix": "AUDIT#"}]},
                    "sk": {"S": [{"prefix": "PENDING#"}]},
                }
            },
        },
    ),
)

# EventBridge schedule of the purge function (AWS); the local runtime runs it more often.
PURGE_SCHEDULE_EXPRESSION = "cron(30 2 * * ? *)"  # 02:30 UTC, every day
LOCAL_PURGE_INTERVAL_SECONDS = 300
# Every hour, the purge function carries out the erasure requests only (done within 24 h).
ERASURE_SCHEDULE_EXPRESSION = "rate(1 hour)"
ERASURE_STEPS = ("erasures",)

# EventBridge schedule of the daily digest (docs/notifications.md): after the day's
# activities (18:00 or 19:00 in Paris). Locally the runtime runs it on a timer; a guardian
# still gets at most one digest per UTC day.
DIGEST_SCHEDULE_EXPRESSION = "cron(0 17 * * ? *)"  # 17:00 UTC, every day
LOCAL_DIGEST_INTERVAL_SECONDS = 3600


# --- Environment contract between the stack and the handlers -------------------------------

ENV_STAGE = "PELLICULE_STAGE"
ENV_TABLE = "PELLICULE_TABLE"
ENV_INGEST_BUCKET = "PELLICULE_INGEST_BUCKET"
ENV_MEDIA_BUCKET = "PELLICULE_MEDIA_BUCKET"
ENV_SIGNING_KEY_SECRET = "PELLICULE_SIGNING_KEY_SECRET"  # noqa: S105 - a secret's name
ENV_KEY_PAIR_ID = "PELLICULE_KEY_PAIR_ID"
ENV_ORIGIN_SECRET = "PELLICULE_ORIGIN_SECRET"  # noqa: S105 - a secret's name
ENV_PUBLIC_URL = "PELLICULE_PUBLIC_URL"  # e.g. https://photos.example.fr; may be empty:
ENV_PUBLIC_URL_PARAMETER = "PELLICULE_PUBLIC_URL_PARAMETER"  # then read from this SSM parameter
ENV_MAIL_FROM = "PELLICULE_MAIL_FROM"
ENV_PHOTO_QUEUE = "PELLICULE_PHOTO_QUEUE"  # name of the queue the photo processor consumes
ENV_EVIDENCE_BUCKET = "PELLICULE_EVIDENCE_BUCKET"
ENV_ARCHIVE_QUEUE = "PELLICULE_ARCHIVE_QUEUE"  # name of the queue of album archives to build
# The stack's CloudFront distribution (no function invalidates it any more: the edge TTL of
# /media/* does that work, see REVOCATION_BUDGET_SECONDS; the local runtime still names it).
ENV_DISTRIBUTION_ID = "PELLICULE_DISTRIBUTION_ID"


def function_environment(
    names: Names, *, public_url: str, key_pair_id: str, mail_from: str
) -> dict[str, str]:
    """Environment every function receives, in AWS and locally."""
    return {
        ENV_STAGE: names.stage,
        ENV_TABLE: names.table,
        ENV_INGEST_BUCKET: names.ingest_bucket,
        ENV_MEDIA_BUCKET: names.media_bucket,
        ENV_SIGNING_KEY_SECRET: names.signing_key_secret,
        ENV_KEY_PAIR_ID: key_pair_id,
        ENV_ORIGIN_SECRET: names.origin_header_secret,
        ENV_PUBLIC_URL: public_url,
        ENV_PUBLIC_URL_PARAMETER: names.public_url_parameter,
        ENV_MAIL_FROM: mail_from,
        ENV_PHOTO_QUEUE: names.ingest_queue,
        ENV_EVIDENCE_BUCKET: names.evidence_bucket,
        ENV_ARCHIVE_QUEUE: names.archive_queue,
    }


# --- Delivery ------------------------------------------------------------------------------

SIGNED_URL_TTL_SECONDS = 300  # signed media URLs expire in minutes

# Revocation at the edge without invalidations (docs/revocation.md, "The edge"): every
# copy a family was served sits under a key that is deleted when it must stop being served
# (a restriction copies to fresh random keys, never over an old one), so the edge only has to
# forget deleted objects by itself. The /media/* cache policy keeps an object at most
# MEDIA_EDGE_TTL_SECONDS (its minimum, default and maximum TTLs, infra/cdn.py; the local edge
# cache, local/edgecache.py). An edge location may have fetched its copy from a regional
# edge cache at the end of that cache's own TTL: two tiers, so a deleted copy may be served up
# to 2 x MEDIA_EDGE_TTL_SECONDS after its deletion. The rest of the budget is the pipeline's
# allowance (stream delivery, reconciliation, deletion), watched by the stream's alarms.
REVOCATION_BUDGET_SECONDS = 60
MEDIA_EDGE_TTL_SECONDS = 20
EDGE_CACHE_TIERS = 2  # regional edge cache, then the edge location
REVOCATION_PIPELINE_ALLOWANCE_SECONDS = (
    REVOCATION_BUDGET_SECONDS - EDGE_CACHE_TIERS * MEDIA_EDGE_TTL_SECONDS
)

# The header CloudFront adds to every request it forwards to the API (docs/delivery.md,
# "The API answers only through CloudFront"): API functions refuse a request without one of
# the secret's values. Its value lives in ``Names.origin_header_secret`` only.
ORIGIN_HEADER = "x-pellicule-origin"


def origin_secret_version(key_stamp: str) -> str:
    """Version id of the origin-header secret written with the signing key ``key_stamp``.

    The key rotation writes that version (``pellicule_ops.keys.upload``) and the stack pins
    CloudFront's header to it, so the template changes, and CloudFront takes the new value,
    exactly when the newest signing key does. Secrets Manager version ids are 32-64 chars.
    """
    version = f"pellicule-origin-header-{key_stamp}"
    if not 32 <= len(version) <= 64 or ":" in version:
        raise ValueError(f"signing key stamp unfit for a secret version id: {key_stamp!r}")
    return version


# Security headers of everything a user can reach (CloudFront response-headers policy and
# the local gateway). Same-origin only: no third-party fonts, scripts or analytics.
HSTS_MAX_AGE_SECONDS = 63072000  # two years


def ingest_origin(names: Names) -> str:
    """Origin browsers POST uploads to in AWS (the ingest bucket's regional endpoint)."""
    return f"https://{names.ingest_bucket}.s3.{names.region}.amazonaws.com"


def content_security_policy(upload_origin: str) -> str:
    """CSP of the web app: same origin only, plus the ingest bucket for uploads.

    ``worker-src 'self'``: the upload queue's service worker (web/upload-sw.js), served from
    the site's root; no other worker, no blob: or data: worker.
    """
    return (
        "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
        f"script-src 'self'; style-src 'self'; worker-src 'self'; "
        f"connect-src 'self' {upload_origin}; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


def security_headers(upload_origin: str) -> dict[str, str]:
    """Headers on everything a user can reach (CloudFront policy and local gateway alike)."""
    return {
        "Content-Security-Policy": content_security_policy(upload_origin),
        "Strict-Transport-Security": f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }


@dataclass(frozen=True)
class Upload:
    """How uploads reach the ingest bucket (size caps are tenant settings)."""

    grant_expiry_seconds: int = 900  # security requirement 5: at most 15 minutes
    # Videos larger than this use S3 multipart upload with presigned part URLs.
    multipart_threshold_bytes: int = 64 * 1024 * 1024
    multipart_part_bytes: int = 16 * 1024 * 1024  # S3 minimum is 5 MiB (last part excepted)
    max_parts_per_request: int = 100


UPLOAD = Upload()
