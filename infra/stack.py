"""PelliculeStack: composes the constructs and grants each function exactly what it needs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import audit_chain as audit_chain_stream
from infra import constants
from infra import revocation as revocation_stream
from infra.api import Api
from infra.archive import Archives
from infra.cdn import Cdn
from infra.config import DeploymentConfig
from infra.data import Data
from infra.lambda_factory import Functions, LambdaFactory, Layers
from infra.mail import Mail
from infra.monitoring import Monitoring
from infra.nag import acknowledge, wildcard_resource
from infra.notifications import Notifications
from infra.processing import Processing
from infra.retention import Retention
from infra.signing import SigningKeys, read_public_keys
from infra.storage import Storage
from infra.stream_consumer import StreamConsumerSource
from pellicule.config import topology
from pellicule.services import publication as publication_prefixes
from pellicule.store import keys


@dataclass(frozen=True)
class Parts:
    """What the grants need to see."""

    storage: Storage
    data: Data
    signing: SigningKeys
    cdn: Cdn
    mail: Mail | None
    processing: Processing
    archives: Archives


Grant = Callable[[lambda_.Function, Parts], None]


class PelliculeStack(Stack):
    """One Pellicule deployment: one stage in one EU region."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: DeploymentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # The account may be a token (environment-agnostic synth): names then resolve at deploy.
        names = topology.Names(config.stage, self.account, config.region)
        disposable = config.stage in constants.DISPOSABLE_STAGES
        # Kept when the stack is deleted or a resource replaced, but deleted when the operation
        # that created it rolls back: a failed first deployment can simply be retried
        # (CloudFormation's RetainExceptOnCreate; docs/runbooks.md).
        removal = RemovalPolicy.DESTROY if disposable else RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE

        storage = Storage(
            self,
            constants.ID_STORAGE,
            names=names,
            removal_policy=removal,
            cloudfront_logs=config.region not in constants.CLOUDFRONT_LOGGING_UNSUPPORTED_REGIONS,
        )
        data = Data(
            self,
            constants.ID_DATA,
            names=names,
            removal_policy=removal,
            deletion_protection=not disposable,
        )
        signing = SigningKeys(
            self,
            constants.ID_SIGNING,
            names=names,
            keys=read_public_keys(config.keys_dir, stage=config.stage),
        )
        mail = (
            Mail(self, constants.ID_MAIL, mail_domain=config.mail_domain)
            if config.mail_domain
            else None
        )

        factory = LambdaFactory(
            names=names,
            layers=Layers(self, constants.ID_LAYERS, names=names),
            environment=topology.function_environment(
                names,
                public_url=config.public_url,
                key_pair_id=signing.key_pair_id,
                mail_from=config.mail_from,
            ),
            removal_policy=removal,
            reserved_concurrency=config.reserved_concurrency,
        )
        functions = Functions(self, constants.ID_FUNCTIONS, factory=factory)

        processing = Processing(
            self,
            constants.ID_PROCESSING,
            names=names,
            storage=storage,
            functions=functions.by_name,
            reserved_concurrency=config.reserved_concurrency,
        )
        archives = Archives(
            self,
            constants.ID_ARCHIVES,
            names=names,
            function=functions[topology.ARCHIVE_FUNCTION],
            reserved_concurrency=config.reserved_concurrency.get(topology.ARCHIVE_FUNCTION),
        )
        api = Api(
            self,
            constants.ID_API,
            names=names,
            functions=functions.by_name,
            removal_policy=removal,
            signing=signing,
        )
        cdn = Cdn(
            self,
            constants.ID_CDN,
            config=config,
            names=names,
            storage=storage,
            api=api,
            signing=signing,
        )
        storage.allow_browser_access_from([cdn.public_url])
        self.distribution_id: str = cdn.distribution.distribution_id
        Retention(self, constants.ID_RETENTION, names=names, purge_function=functions["purge"])
        Notifications(
            self, constants.ID_NOTIFICATIONS, names=names, digest_function=functions["digest"]
        )
        revocation, audit_chain = (
            StreamConsumerSource(
                self,
                construct_id,
                watch=watch,
                names=names,
                table=data.table,
                function=functions[watch.spec.function],
            )
            for construct_id, watch in (
                (constants.ID_REVOCATION, revocation_stream.WATCH),
                (constants.ID_AUDIT_CHAIN, audit_chain_stream.WATCH),
            )
        )
        monitoring = Monitoring(
            self,
            constants.ID_MONITORING,
            names=names,
            functions=functions.by_name,
            extra_alarms=[
                *processing.dlq_alarms,
                *revocation.alarms,
                *audit_chain.alarms,
                archives.dlq_alarm,
            ],
            alarm_email=config.alarm_email,
        )
        monitoring.watch_api(api.http_api)
        if mail is not None:
            monitoring.watch_mail_reputation()

        parts = Parts(
            storage=storage,
            data=data,
            signing=signing,
            cdn=cdn,
            mail=mail,
            processing=processing,
            archives=archives,
        )
        for name, function in functions.by_name.items():
            GRANTS.get(name, _no_grant)(function, parts)
        self._outputs(names, storage, data, api, cdn, signing, monitoring)

    def _outputs(
        self,
        names: topology.Names,
        storage: Storage,
        data: Data,
        api: Api,
        cdn: Cdn,
        signing: SigningKeys,
        monitoring: Monitoring,
    ) -> None:
        outputs = {
            constants.OUT_DISTRIBUTION_DOMAIN: cdn.distribution.distribution_domain_name,
            constants.OUT_DISTRIBUTION_ID: cdn.distribution.distribution_id,
            constants.OUT_PUBLIC_URL: cdn.public_url,
            constants.OUT_API_ENDPOINT: api.http_api.api_endpoint,
            constants.OUT_TABLE: data.table.table_name,
            constants.OUT_MEDIA_BUCKET: storage.media_bucket.bucket_name,
            constants.OUT_INGEST_BUCKET: storage.ingest_bucket.bucket_name,
            constants.OUT_WEB_BUCKET: storage.web_bucket.bucket_name,
            constants.OUT_EVIDENCE_BUCKET: storage.evidence_bucket.bucket_name,
            constants.OUT_ALARM_TOPIC: monitoring.topic.topic_arn,
            constants.OUT_KEY_PAIR_ID: signing.key_pair_id,
        }
        for output_id, value in outputs.items():
            CfnOutput(self, output_id, value=value)


# --- Per-function least privilege -------------------------------------------------------------


def _objects(
    function: lambda_.Function,
    bucket: s3.IBucket,
    prefix: str,
    actions: Sequence[str],
) -> None:
    """``actions`` on the objects under ``prefix`` of ``bucket`` only."""
    objects = bucket.arn_for_objects(f"{prefix}*")
    iam.Grant.add_to_principal(grantee=function, actions=list(actions), resource_arns=[objects])
    acknowledge(
        _role(function),
        wildcard_resource(function, objects),
        f"S3 object permissions ({', '.join(actions)}) can only be scoped by key pattern: this "
        f"one is limited to the {prefix}* keys of the {bucket.node.id} that this function "
        "handles, with no wildcard action.",
    )


def _listing(function: lambda_.Function, bucket: s3.IBucket) -> None:
    iam.Grant.add_to_principal(
        grantee=function,
        actions=["s3:ListBucket", "s3:ListBucketVersions"],
        resource_arns=[bucket.bucket_arn],
    )


# What functions do with the table: CDK's data grants minus Scan (no function reads the whole
# table; scheduled runs go through indexes, docs/retention.md) and minus the stream reads (the
# revocation function's event source mapping gets those from its own grant).
TABLE_READ_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
)
TABLE_WRITE_ACTIONS = (
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)


def _table(function: lambda_.Function, table: dynamodb.Table, *, write: bool) -> None:
    actions = TABLE_READ_ACTIONS + (TABLE_WRITE_ACTIONS if write else ())
    table.grant(function, *actions)
    acknowledge(
        _role(function),
        wildcard_resource(function, f"{table.table_arn}/index/*"),
        "CDK's table grant adds <table ARN>/index/* so that queries can use this table's own "
        "global secondary indexes (gsi1); it reaches no other table.",
    )


def _role(function: lambda_.Function) -> iam.IRole:
    assert function.role is not None
    return function.role


def _grant_upload(function: lambda_.Function, parts: Parts) -> None:
    # Presigned POST/PUT grants carry the signer's rights: put (and abort) under each ingest
    # pipeline's prefix only (never ingest/evidence/, the scans' quarantine); resuming a
    # multipart upload lists the parts S3 already holds.
    for pipeline in topology.INGEST_PIPELINES:
        _objects(
            function,
            parts.storage.ingest_bucket,
            pipeline.prefix,
            ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        )
    _table(function, parts.data.table, write=True)
    # New face boxes ask the photo processor to re-render the blurred variants.
    parts.processing.pipelines["photo"].queue.grant_send_messages(function)


def _grant_ingest(
    function: lambda_.Function, parts: Parts, kind: str, *, multipart: bool = False
) -> None:
    """What an ingest pipeline's function needs: read and delete its kind's uploads, write
    (and clean up) outputs under ``t/`` of the media bucket, read/write the table.
    ``multipart``: outputs large enough for multipart uploads, whose failures are aborted."""
    # Queue consumption is granted by the SQS event source.
    _objects(
        function,
        parts.storage.ingest_bucket,
        topology.ingest_pipeline(kind).prefix,
        ["s3:GetObject", "s3:DeleteObject"],
    )
    # Delete: a failed attempt removes the outputs it already wrote before retrying.
    _objects(
        function,
        parts.storage.media_bucket,
        topology.MEDIA_PREFIX,
        ["s3:PutObject", "s3:DeleteObject", *(["s3:AbortMultipartUpload"] if multipart else [])],
    )
    _table(function, parts.data.table, write=True)


def _grant_process(function: lambda_.Function, parts: Parts) -> None:
    _grant_ingest(function, parts, "photo")
    # Blurred variants are rendered from the stored (clean) download rendition.
    _objects(function, parts.storage.media_bucket, topology.MEDIA_PREFIX, ["s3:GetObject"])


def _grant_video(function: lambda_.Function, parts: Parts) -> None:
    # The transcoded video is uploaded in parts (boto3's upload_file above 8 MB).
    _grant_ingest(function, parts, "video", multipart=True)


def _grant_gallery(function: lambda_.Function, parts: Parts) -> None:
    _table(function, parts.data.table, write=False)
    # Every API request slides its session (last_seen_at, idle expiry): the gallery reads
    # the table and updates session items only (partition keys SESSION#...).
    iam.Grant.add_to_principal(
        grantee=function,
        actions=["dynamodb:UpdateItem"],
        resource_arns=[parts.data.table.table_arn],
        conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{keys.SESSION}*"]}},
    )
    parts.signing.grant_sign(function)
    parts.cdn.grant_read_public_url(function)


def _grant_admin(function: lambda_.Function, parts: Parts) -> None:
    """Staff API: people, consents (and their scanned evidence), albums, validation, audit;
    a new guardian's welcome e-mail (its link's public URL, the configured SES identity); a
    departing child's souvenir packs (the archive queue, send only; their e-mail)."""
    _table(function, parts.data.table, write=True)
    parts.cdn.grant_read_public_url(function)  # issue 17: the welcome e-mail's link
    if parts.mail is not None:
        parts.mail.grant_send(function)
    # Scans: presigned POST under ingest/evidence/ (put), then check, copy, delete (get/delete).
    _objects(
        function,
        parts.storage.ingest_bucket,
        topology.INGEST_EVIDENCE_PREFIX,
        ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
    )
    # The evidence bucket: the checked copy (put), presigned GET for the director, erasure.
    _objects(
        function,
        parts.storage.evidence_bucket,
        topology.EVIDENCE_PREFIX,
        ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
    )
    # A child's souvenir pack when a director archives the child (send only).
    parts.archives.queue.grant_send_messages(function)
    # No signing key, no public URL: the staff pages get media URLs from the gallery function.


def _grant_family(function: lambda_.Function, parts: Parts) -> None:
    """Guardian API: consents and the gallery behind the publication gate; no bucket access;
    a relative's invitation e-mail (the configured SES identity). Album archives are asked for
    through the archive queue (send only)."""
    _table(function, parts.data.table, write=True)
    parts.signing.grant_sign(function)
    parts.cdn.grant_read_public_url(function)
    if parts.mail is not None:
        parts.mail.grant_send(function)  # issue 17: invitations of relatives
    parts.archives.queue.grant_send_messages(function)


def _grant_archive(function: lambda_.Function, parts: Parts) -> None:
    """Album archives: read the copies families are served (``t/<tenant>/d/`` downloads,
    ``t/<tenant>/s/`` videos) - never the staff keys under ``m/`` - and write each zip under
    ``archives/`` through a multipart upload; the job and its audit entry in the table.
    The queue is granted by its event source (infra/archive.py)."""
    _table(function, parts.data.table, write=True)
    media = parts.storage.media_bucket
    for served in (publication_prefixes.DOWNLOAD_PREFIX, publication_prefixes.SERVED_PREFIX):
        _objects(function, media, f"{topology.MEDIA_PREFIX}*/{served}/", ["s3:GetObject"])
    _objects(
        function,
        media,
        topology.ARCHIVES_PREFIX,
        ["s3:PutObject", "s3:AbortMultipartUpload"],
    )


def _grant_auth(function: lambda_.Function, parts: Parts) -> None:
    """Sign-in: people lookups (gsi1), links, rate counters and sessions in the table; the
    public URL the links are built from; e-mail from the configured SES identity only (none
    is granted when the deployment has no ``mailDomain``). No bucket, no signing key."""
    _table(function, parts.data.table, write=True)
    parts.cdn.grant_read_public_url(function)
    if parts.mail is not None:
        parts.mail.grant_send(function)


def _grant_revocation(function: lambda_.Function, parts: Parts) -> None:
    """Replace served copies (copy to a fresh key, delete every version of the old one); no
    CDN invalidation (the /media/* edge TTL drops deleted copies, docs/revocation.md). The
    stream is granted by its event source (infra/revocation)."""
    _table(function, parts.data.table, write=True)
    media = parts.storage.media_bucket
    iam.Grant.add_to_principal(
        grantee=function, actions=["s3:ListBucketVersions"], resource_arns=[media.bucket_arn]
    )
    _objects(
        function,
        media,
        topology.MEDIA_PREFIX,
        ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
    )


# What chaining a centre's waiting views and downloads does (``audit.chain_pending``): read the
# head (GetItem) and the waiting events (Query), then one transaction of puts (the head, the
# entries) and deletes (the waiting items).
CHAINER_TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
)


def _grant_chainer(function: lambda_.Function, parts: Parts) -> None:
    """The audit items only (partition keys ``AUDIT#...``; IAM checks each item of a
    transaction, and a query's partition key, against ``dynamodb:LeadingKeys``); no index, no
    bucket. The stream is granted by its event source (infra/audit_chain)."""
    iam.Grant.add_to_principal(
        grantee=function,
        actions=list(CHAINER_TABLE_ACTIONS),
        resource_arns=[parts.data.table.table_arn],
        conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{keys.AUDIT}*"]}},
    )


def _grant_purge(function: lambda_.Function, parts: Parts) -> None:
    """Retention, orphans, erasure (docs/retention.md): delete every version under the
    centres' prefixes of the media, ingest and evidence buckets; re-serve the blurred picture
    of an item kept after an erasure (get/put/copy in the media bucket, as the revocation
    function does); e-mail erasure certificates. No CDN invalidation: the /media/* edge TTL
    drops what it deletes (docs/revocation.md)."""
    _table(function, parts.data.table, write=True)
    for bucket, prefix in (
        (parts.storage.media_bucket, topology.MEDIA_PREFIX),
        (parts.storage.ingest_bucket, topology.INGEST_PREFIX),
        (parts.storage.evidence_bucket, topology.EVIDENCE_PREFIX),
    ):
        _listing(function, bucket)
        _objects(function, bucket, prefix, ["s3:DeleteObject", "s3:DeleteObjectVersion"])
    _objects(
        function,
        parts.storage.media_bucket,
        topology.MEDIA_PREFIX,
        ["s3:GetObject", "s3:PutObject"],
    )
    # Album archives holding an erased child's or a purged album's pictures.
    _objects(
        function,
        parts.storage.media_bucket,
        topology.ARCHIVES_PREFIX,
        ["s3:DeleteObject", "s3:DeleteObjectVersion"],
    )
    # Multipart uploads never completed (large videos), older than a day.
    iam.Grant.add_to_principal(
        grantee=function,
        actions=["s3:ListBucketMultipartUploads"],
        resource_arns=[parts.storage.ingest_bucket.bucket_arn],
    )
    _objects(
        function,
        parts.storage.ingest_bucket,
        topology.INGEST_PREFIX,
        ["s3:AbortMultipartUpload"],
    )
    if parts.mail is not None:
        parts.mail.grant_send(function)


def _grant_digest(function: lambda_.Function, parts: Parts) -> None:
    """Daily digest: guardians, albums, published items, consents, links and audit in the
    table (read/write: the day's claim, the unsubscribe hashes, the sign-in links); the public
    URL the links are built from; e-mail from the configured SES identity only (none without
    ``mailDomain``); the archive queue (send only: souvenir packs never queued). No bucket,
    no signing key: the e-mail carries no image."""
    _table(function, parts.data.table, write=True)
    parts.cdn.grant_read_public_url(function)
    if parts.mail is not None:
        parts.mail.grant_send(function)
    # The retry path of the souvenir packs of children who left (send only).
    parts.archives.queue.grant_send_messages(function)


def _no_grant(function: lambda_.Function, parts: Parts) -> None:
    """A function without an entry below may only write its own logs."""


GRANTS: dict[str, Grant] = {
    "upload": _grant_upload,
    "process": _grant_process,
    "video": _grant_video,
    "gallery": _grant_gallery,
    "admin": _grant_admin,
    "family": _grant_family,
    "auth": _grant_auth,
    "revocation": _grant_revocation,
    "chainer": _grant_chainer,
    "purge": _grant_purge,
    "digest": _grant_digest,
    "archive": _grant_archive,
}
