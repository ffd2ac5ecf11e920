"""The operator's side of a centre (tenant): create, list, suspend, resume, delete (a full purge
with its evidence), invite a director; the export (portability) is
``pellicule_ops.portability``. docs/cli.md describes each one.

Plain Python over PynamoDB and boto3 (clients from ``pellicule.adapters.aws.client``, the table from
the settings); the ``pellicule`` command line is the caller. Audit entries name the operator
``operator:cli`` and carry ids and counts only: never a centre's or a person's name, an
e-mail address or a link. The operator's own actions are also recorded on the platform chain
(``audit.PLATFORM_CHAIN``), which outlives any centre.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from pellicule.adapters import aws, outbox
from pellicule.config import clock, topology
from pellicule.config.settings import get_settings
from pellicule.domain import emails
from pellicule.domain.emails import Action, Paragraph, Phrase, Url
from pellicule.domain.errors import BadRequest, Conflict, NotFound, error_code
from pellicule.domain.messages import Term
from pellicule.services import audit, magic_links, tenant_settings
from pellicule.store import data, erasures, keys, purge_runs
from pellicule.store.models import Base, Child, Staff, Tenant, tenant_pk

# A centre's id: lower-case letters, digits and hyphens, 2 to 40 characters, starting with a
# letter or a digit. Never "_": ids starting with it are the platform's (audit.PLATFORM_CHAIN).
TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
OPERATOR = "operator:cli"
PROFILE = keys.PROFILE
ACTIVE, SUSPENDED, DELETING = "active", "suspended", "deleting"
MAX_NAME_LENGTH = 120
# A director's invitation is read hours later, like the daily digest's link: it lives a day,
# is used once, by a click, and has no 6-digit code (magic_links.issue_link).
INVITATION_TTL_SECONDS = 24 * 3600
_S3_DELETE_BATCH = 1000  # DeleteObjects' limit
_DYNAMO_DELETE_BATCH = 25  # BatchWriteItem's limit


def check_id(tenant_id: object) -> str:
    if not isinstance(tenant_id, str) or not TENANT_ID.match(tenant_id):
        raise BadRequest("tenant_id_invalid", id=str(tenant_id))
    return tenant_id


def check_name(name: object, problem: str = "tenant_name_invalid") -> str:
    """``name`` trimmed, or ``BadRequest(problem)`` (a catalogue code taking ``maximum``)."""
    value = name.strip() if isinstance(name, str) else ""
    if not value or len(value) > MAX_NAME_LENGTH or any(ord(c) < 32 for c in value):
        raise BadRequest(problem, maximum=MAX_NAME_LENGTH)
    return value


def subject_of(tenant_id: str) -> str:
    return f"tenant:{tenant_id}"


def now_or(now: float | None) -> int:
    return int(clock.now() if now is None else now)


def _table() -> str:
    data.ready()
    return get_settings().table


def get(tenant_id: str, *, consistent: bool = True) -> Tenant:
    """The centre's profile, or ``NotFound`` naming the id."""
    check_id(tenant_id)
    data.ready()
    try:
        return Tenant.get(tenant_pk(tenant_id), PROFILE, consistent_read=consistent)
    except DoesNotExist:
        raise NotFound("tenant_unknown", id=tenant_id) from None


def status_of(tenant: Tenant) -> str:
    return tenant.status or ACTIVE


# --- Indexes -------------------------------------------------------------------------------


def index_all() -> dict[str, int]:
    """The one-off backfill of the purge's indexes for a table written before they existed
    (docs/retention.md): every centre's profile into the centres index (one scan of the
    table), then each centre's erasure requests into the erasure index (one query per centre).
    Safe to repeat: what is indexed already is left alone. Returns how many of each."""
    data.ready()
    found = {"centres": purge_runs.index_centres(), "erasure_requests": 0}
    for tenant_id in purge_runs.tenant_ids():
        for request in erasures.of_centre(tenant_id):
            if not erasures.indexed(request):
                erasures.index(request)
                found["erasure_requests"] += 1
    return found


# --- Create --------------------------------------------------------------------------------


def create(
    tenant_id: str,
    name: str,
    *,
    retention_months: int | None = None,
    actor: str = OPERATOR,
    now: float | None = None,
) -> Tenant:
    """A new, active centre; refused if the id exists (one conditional write, in the same
    transaction as the centre's first audit entry), then recorded on the platform chain."""
    check_id(tenant_id)
    name = check_name(name)
    stored: dict[str, Any] = {}
    if retention_months is not None:
        stored["media_retention_months"] = retention_months
    effective = tenant_settings.validate(stored)  # BadRequest names every problem
    data.ready()
    if _deletion_progress(tenant_id) is not None:
        raise Conflict("tenant_deletion_unfinished", id=tenant_id)
    moment = now_or(now)
    tenant = Tenant(
        tenant_pk(tenant_id),
        PROFILE,
        tenant_id=tenant_id,
        name=name,
        status=ACTIVE,
        created_at=moment,
        settings=stored,
        gsi1pk=keys.CENTRES_GSI,  # the centres index: the purge visits it
        gsi1sk=keys.centre_gsi_sk(tenant_id),
    )
    details = {"retention_months": effective.media_retention_months}
    try:
        audit.append(
            tenant_id,
            "tenant_created",
            actor,
            subject_of(tenant_id),
            details,
            at=moment,
            companions=(audit.Companion(tenant, Tenant.pk.does_not_exist()),),
        )
    except audit.CompanionConflictError:
        raise Conflict("tenant_exists", id=tenant_id) from None
    audit.append(
        audit.PLATFORM_CHAIN, "tenant_created", actor, subject_of(tenant_id), details, at=moment
    )
    return tenant


# --- List ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    tenant_id: str
    name: str
    status: str
    created_at: int
    suspended_at: int | None
    children: int | None
    staff: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.tenant_id,
            "name": self.name,
            "status": self.status,
            "created": iso(self.created_at),
            "suspended": iso(self.suspended_at) if self.suspended_at else None,
            "children": self.children,
            "staff": self.staff,
        }


def iso(epoch_seconds: float | int | None) -> str | None:
    if epoch_seconds is None:
        return None
    moment = datetime.fromtimestamp(float(epoch_seconds), tz=UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def list_tenants(*, counts: bool = True) -> list[Summary]:
    """Every centre, by id; with ``counts``, its children and staff (not archived): two
    count queries per centre."""
    data.ready()
    found = []
    for tenant in Tenant.scan(Tenant.pk.startswith(keys.TENANT) & (Tenant.sk == PROFILE)):
        children = staff = None
        if counts:
            pk = tenant.pk
            children = Child.count(
                pk,
                Child.sk.startswith(keys.CHILD),
                filter_condition=Child.archived == False,  # noqa: E712
            )
            staff = Staff.count(
                pk,
                Staff.sk.startswith(keys.STAFF),
                filter_condition=Staff.archived == False,  # noqa: E712
            )
        found.append(
            Summary(
                tenant.tenant_id,
                tenant.name,
                status_of(tenant),
                int(tenant.created_at),
                int(tenant.suspended_at) if tenant.suspended_at is not None else None,
                children,
                staff,
            )
        )
    return sorted(found, key=lambda s: s.tenant_id)


# --- Suspend and resume --------------------------------------------------------------------


@dataclass(frozen=True)
class Suspension:
    changed: bool  # False: the centre was suspended already
    sessions_ended: int
    links_revoked: int


def _scan_keys(filter_expression: str, values: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Keys (pk, sk) of the table's items matching a filter: a consistent, paginated scan."""
    client = aws.client("dynamodb")
    arguments: dict[str, Any] = {
        "TableName": _table(),
        "FilterExpression": filter_expression,
        "ExpressionAttributeValues": values,
        "ProjectionExpression": "pk, sk",
        "ConsistentRead": True,
    }
    while True:
        page = client.scan(**arguments)
        yield from page.get("Items", [])
        if not page.get("LastEvaluatedKey"):
            return
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _query_keys(pk: str) -> Iterator[dict[str, Any]]:
    client = aws.client("dynamodb")
    arguments: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ProjectionExpression": "pk, sk",
        "ConsistentRead": True,
    }
    while True:
        page = client.query(**arguments)
        yield from page.get("Items", [])
        if not page.get("LastEvaluatedKey"):
            return
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _delete_keys(keys: Iterable[dict[str, Any]], on_batch: Callable[[int], None]) -> int:
    """Delete items by key, 25 a request (unprocessed ones retried with backoff)."""
    client = aws.client("dynamodb")
    table = _table()
    total = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal total
        if not batch:
            return
        requests = [{"DeleteRequest": {"Key": {"pk": k["pk"], "sk": k["sk"]}}} for k in batch]
        attempt = 0
        while requests:
            response = client.batch_write_item(RequestItems={table: requests})
            requests = response.get("UnprocessedItems", {}).get(table, [])
            if requests:
                attempt += 1
                if attempt > 10:
                    raise RuntimeError("DynamoDB kept refusing deletions (throttled); retry")
                time.sleep(min(2.0, 0.05 * 2**attempt))
        total += len(batch)
        on_batch(len(batch))
        batch.clear()

    for key in keys:
        batch.append(key)
        if len(batch) == _DYNAMO_DELETE_BATCH:
            flush()
    flush()
    return total


def _end_sessions(tenant_id: str) -> tuple[int, int]:
    """Delete every session, trusted device and sign-in link of the centre: (sessions and
    trusted devices, links)."""
    counts = {"SESSION#": 0, "LOGIN#": 0}
    keys = list(
        _scan_keys(
            "tenant_id = :t AND (begins_with(pk, :s) OR begins_with(pk, :d) "
            "OR begins_with(pk, :l))",
            {
                ":t": {"S": tenant_id},
                ":s": {"S": "SESSION#"},
                ":d": {"S": "DEVICE#"},
                ":l": {"S": "LOGIN#"},
            },
        )
    )
    for key in keys:
        counts["LOGIN#" if key["pk"]["S"].startswith("LOGIN#") else "SESSION#"] += 1
    _delete_keys(keys, lambda _: None)
    return counts["SESSION#"], counts["LOGIN#"]


def suspend(tenant_id: str, *, actor: str = OPERATOR, now: float | None = None) -> Suspension:
    """Suspend a centre: nobody of it can sign in (``magic_links`` lets only active centres
    in), every session and sign-in link of it is deleted, its digest stops. Its data stays."""
    tenant = get(tenant_id)
    status = status_of(tenant)
    if status == DELETING:
        raise Conflict("tenant_being_deleted", id=tenant_id)
    moment = now_or(now)
    changed = status == ACTIVE
    if changed:
        update = audit.Companion(
            tenant,
            Tenant.pk.exists() & (Tenant.status == ACTIVE),
            op="update",
            actions=(Tenant.status.set(SUSPENDED), Tenant.suspended_at.set(moment)),
        )
        try:
            audit.append(
                tenant_id,
                "tenant_suspended",
                actor,
                subject_of(tenant_id),
                {"status": SUSPENDED},
                at=moment,
                companions=(update,),
            )
        except audit.CompanionConflictError:
            raise Conflict("tenant_changed_meanwhile", id=tenant_id) from None
    # After the status: a sign-in in flight is refused from now on, so none outlives this.
    sessions_ended, links_revoked = _end_sessions(tenant_id)
    if changed:
        audit.append(
            audit.PLATFORM_CHAIN,
            "tenant_suspended",
            actor,
            subject_of(tenant_id),
            {"sessions_ended": sessions_ended, "links_revoked": links_revoked},
            at=moment,
        )
    return Suspension(changed, sessions_ended, links_revoked)


def resume(tenant_id: str, *, actor: str = OPERATOR, now: float | None = None) -> bool:
    """Let a suspended centre in again; False when it was active already."""
    tenant = get(tenant_id)
    status = status_of(tenant)
    if status == DELETING:
        raise Conflict("tenant_being_deleted", id=tenant_id)
    if status == ACTIVE:
        return False
    moment = now_or(now)
    update = audit.Companion(
        tenant,
        Tenant.pk.exists() & (Tenant.status == SUSPENDED),
        op="update",
        actions=(Tenant.status.set(ACTIVE), Tenant.suspended_at.remove()),
    )
    try:
        audit.append(
            tenant_id,
            "tenant_resumed",
            actor,
            subject_of(tenant_id),
            {"status": ACTIVE},
            at=moment,
            companions=(update,),
        )
    except audit.CompanionConflictError:
        raise Conflict("tenant_changed_meanwhile", id=tenant_id) from None
    audit.append(
        audit.PLATFORM_CHAIN,
        "tenant_resumed",
        actor,
        subject_of(tenant_id),
        {"status": ACTIVE},
        at=moment,
    )
    return True


# --- Delete (full purge with evidence) ------------------------------------------------------


@dataclass(frozen=True)
class Buckets:
    """The buckets holding a centre's objects."""

    media: str
    evidence: str
    ingest: str

    @classmethod
    def of(cls, names: topology.Names) -> Buckets:
        return cls(names.media_bucket, names.evidence_bucket, names.ingest_bucket)

    @classmethod
    def from_settings(cls) -> Buckets:
        settings = get_settings()
        if not settings.evidence_bucket:
            raise BadRequest("config_variable_missing", name=topology.ENV_EVIDENCE_BUCKET)
        return cls(settings.media_bucket, settings.evidence_bucket, settings.ingest_bucket)


def ingest_prefixes(tenant_id: str) -> list[str]:
    """Every prefix of the ingest bucket where the centre's uploads may lie: one per pipeline
    (``ingest/<kind>/t/<id>/``), the consent scans', and the older ``ingest/t/<id>/``."""
    heads = [p.prefix for p in topology.INGEST_PIPELINES]
    heads += [topology.INGEST_EVIDENCE_PREFIX, topology.INGEST_PREFIX]
    return [f"{head}t/{tenant_id}/" for head in heads]


def media_prefix(tenant_id: str) -> str:
    return f"{topology.MEDIA_PREFIX}{tenant_id}/"


def evidence_prefix(tenant_id: str) -> str:
    return f"{topology.EVIDENCE_PREFIX}{tenant_id}/"


def invalidation_paths(tenant_id: str) -> list[str]:
    """The viewer's paths and the rewritten ones (docs/local-runtime.md: send both)."""
    return [f"{topology.MEDIA_PATH}t/{tenant_id}/*", f"/t/{tenant_id}/*"]


# The steps of a deletion, in order; each is idempotent, so a run resumes at the first step
# not done. The profile goes last: until then `tenant list` shows the centre as "deleting".
DELETION_STEPS = ("sessions", "ingest", "items", "media", "evidence", "cdn", "audit", "profile")
DELETION_COUNTS = (
    "sessions",
    "sign_in_links",
    "ingest_objects",
    "items",
    "media_objects",
    "evidence_objects",
    "uploads_aborted",
    "invalidations",
    "audit_entries",
)


def _progress_key(tenant_id: str) -> dict[str, Any]:
    # Outside the centre's partitions, so deleting them never deletes it; it goes in the
    # same transaction as the evidence entry.
    return {"pk": {"S": f"DELETION#{tenant_id}"}, "sk": {"S": "PROGRESS"}}


def _deletion_progress(tenant_id: str) -> dict[str, Any] | None:
    item = (
        aws.client("dynamodb")
        .get_item(TableName=_table(), Key=_progress_key(tenant_id), ConsistentRead=True)
        .get("Item")
    )
    return item or None


class _Progress:
    """The deletion's progress item: steps done and counts so far (added batch by batch)."""

    def __init__(self, tenant_id: str, item: dict[str, Any]) -> None:
        self.tenant_id = tenant_id
        self.steps = [step["S"] for step in item.get("steps", {}).get("L", [])]
        self.counts = {
            name: int(value["N"]) for name, value in item.get("counts", {}).get("M", {}).items()
        }
        self.started_at = int(item.get("started_at", {}).get("N", "0"))

    @classmethod
    def open(cls, tenant_id: str, moment: int) -> tuple[_Progress, bool]:
        """The progress item (created if missing); True when a previous run had begun."""
        client = aws.client("dynamodb")
        found = _deletion_progress(tenant_id)
        if found is not None:
            return cls(tenant_id, found), True
        item = {
            **_progress_key(tenant_id),
            "started_at": {"N": str(moment)},
            "steps": {"L": []},
            "counts": {"M": {name: {"N": "0"} for name in DELETION_COUNTS}},
        }
        try:
            client.put_item(
                TableName=_table(), Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
        except client.exceptions.ConditionalCheckFailedException:
            found = _deletion_progress(tenant_id)
            if found is None:
                raise
            return cls(tenant_id, found), True
        return cls(tenant_id, item), False

    def add(self, name: str, value: int) -> None:
        if not value:
            return
        aws.client("dynamodb").update_item(
            TableName=_table(),
            Key=_progress_key(self.tenant_id),
            UpdateExpression="SET #c.#n = if_not_exists(#c.#n, :zero) + :v",
            ExpressionAttributeNames={"#c": "counts", "#n": name},
            ExpressionAttributeValues={":v": {"N": str(value)}, ":zero": {"N": "0"}},
        )
        self.counts[name] = self.counts.get(name, 0) + value

    def done(self, step: str) -> None:
        aws.client("dynamodb").update_item(
            TableName=_table(),
            Key=_progress_key(self.tenant_id),
            UpdateExpression="SET #s = list_append(#s, :step)",
            ExpressionAttributeNames={"#s": "steps"},
            ExpressionAttributeValues={":step": {"L": [{"S": step}]}},
        )
        self.steps.append(step)


@dataclass
class Deletion:
    tenant_id: str
    counts: dict[str, int]
    resumed: bool
    warnings: list[str] = field(default_factory=list)


def _delete_versions(s3: Any, bucket: str, prefix: str, on_batch: Callable[[int], None]) -> int:
    """Delete every object version and delete marker under ``prefix`` (listing again until
    nothing is left, so objects written meanwhile go too)."""
    total = 0
    while True:
        page = s3.list_object_versions(Bucket=bucket, Prefix=prefix, MaxKeys=_S3_DELETE_BATCH)
        objects = [
            {"Key": entry["Key"], "VersionId": entry.get("VersionId") or "null"}
            for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        ]
        if not objects:
            return total
        for start in range(0, len(objects), _S3_DELETE_BATCH):
            chunk = objects[start : start + _S3_DELETE_BATCH]
            response = s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
            errors = response.get("Errors") or []
            if errors:
                first = errors[0]
                raise RuntimeError(
                    f"S3 refused to delete {len(errors)} object version(s) in {bucket}: "
                    f"{first.get('Code')} {first.get('Message')}"
                )
            total += len(chunk)
            on_batch(len(chunk))


def _abort_uploads(s3: Any, bucket: str, prefix: str) -> int:
    aborted = 0
    arguments: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    while True:
        page = s3.list_multipart_uploads(**arguments)
        for upload in page.get("Uploads", []) or []:
            s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            aborted += 1
        if not page.get("IsTruncated"):
            return aborted
        arguments["KeyMarker"] = page.get("NextKeyMarker", "")
        arguments["UploadIdMarker"] = page.get("NextUploadIdMarker", "")


def _items_filter(tenant_id: str) -> tuple[str, dict[str, Any]]:
    """Every item of the centre but its audit chain (a step of its own): its partition,
    anything carrying its id (sessions, sign-in links, ...) and the processing claims of its
    uploads (their key names the centre)."""
    return (
        "pk = :tpk OR tenant_id = :t OR (begins_with(pk, :ingest) AND contains(pk, :needle))",
        {
            ":tpk": {"S": tenant_pk(tenant_id)},
            ":t": {"S": tenant_id},
            ":ingest": {"S": "INGEST#"},
            ":needle": {"S": f"/t/{tenant_id}/"},
        },
    )


def delete(
    tenant_id: str,
    *,
    buckets: Buckets,
    distribution_id: str = "",
    actor: str = OPERATOR,
    now: float | None = None,
) -> Deletion:
    """Delete every trace of a centre, resumably, then write the evidence (counts) on the
    platform chain. Order: sign-in first, objects and items, the CDN, the centre's own audit
    chain, its profile last; the evidence entry and the removal of the progress record are
    one transaction."""
    check_id(tenant_id)
    data.ready()
    moment = now_or(now)
    _start_deletion(tenant_id)
    progress, resumed = _Progress.open(tenant_id, moment)
    report = Deletion(tenant_id, {}, resumed)
    s3 = aws.client("s3")
    run = _DeletionRun(tenant_id, buckets, distribution_id, progress, report, s3)
    for step in DELETION_STEPS:
        if step in progress.steps:
            continue
        run.step(step)
        progress.done(step)

    counts = {name: progress.counts.get(name, 0) for name in DELETION_COUNTS}
    report.counts = counts
    marker = Base(f"DELETION#{tenant_id}", "PROGRESS")
    try:
        audit.append(
            audit.PLATFORM_CHAIN,
            "tenant_deleted",
            actor,
            subject_of(tenant_id),
            {**counts, "started_at": progress.started_at or moment},
            companions=(audit.Companion(marker, Base.pk.exists(), op="delete"),),
        )
    except audit.CompanionConflictError:
        report.warnings.append("another run recorded the evidence of this deletion")
    return report


def _start_deletion(tenant_id: str) -> None:
    """Refuse an unknown centre (no profile and no deletion under way); else mark its
    profile, if still there, as being deleted."""
    try:
        tenant: Tenant | None = Tenant.get(tenant_pk(tenant_id), PROFILE, consistent_read=True)
    except DoesNotExist:
        tenant = None
    if tenant is None and _deletion_progress(tenant_id) is None:
        raise NotFound("tenant_unknown", id=tenant_id)
    if tenant is not None and status_of(tenant) != DELETING:
        # From now on nobody of the centre signs in, and no digest is sent.
        tenant.update(actions=[Tenant.status.set(DELETING)], condition=Tenant.pk.exists())


@dataclass
class _DeletionRun:
    """One run of :func:`delete`: what each of :data:`DELETION_STEPS` needs."""

    tenant_id: str
    buckets: Buckets
    distribution_id: str
    progress: _Progress
    report: Deletion
    s3: Any

    def step(self, step: str) -> None:
        """Do one step (a name with no action of its own does nothing)."""
        action = {
            "sessions": self._sessions,
            "ingest": self._ingest,
            "items": self._items,
            "media": self._media,
            "evidence": self._evidence,
            "cdn": self._cdn,
            "audit": self._audit,
            "profile": self._profile,
        }.get(step)
        if action is not None:
            action()

    def _counter(self, name: str) -> Callable[[int], None]:
        return lambda n: self.progress.add(name, n)

    def _sessions(self) -> None:
        sessions_ended, links = _end_sessions(self.tenant_id)
        self.progress.add("sessions", sessions_ended)
        self.progress.add("sign_in_links", links)

    def _ingest(self) -> None:
        for prefix in ingest_prefixes(self.tenant_id):
            self.progress.add(
                "uploads_aborted", _abort_uploads(self.s3, self.buckets.ingest, prefix)
            )
            _delete_versions(self.s3, self.buckets.ingest, prefix, self._counter("ingest_objects"))

    def _items(self) -> None:
        expression, values = _items_filter(self.tenant_id)
        profile = tenant_pk(self.tenant_id)
        keys = (
            key
            for key in _scan_keys(expression, values)
            if not (key["pk"]["S"] == profile and key["sk"]["S"] == PROFILE)
        )
        _delete_keys(keys, self._counter("items"))

    def _media(self) -> None:
        self.progress.add(
            "uploads_aborted",
            _abort_uploads(self.s3, self.buckets.media, media_prefix(self.tenant_id)),
        )
        _delete_versions(
            self.s3,
            self.buckets.media,
            media_prefix(self.tenant_id),
            self._counter("media_objects"),
        )

    def _evidence(self) -> None:
        prefix = evidence_prefix(self.tenant_id)
        self.progress.add("uploads_aborted", _abort_uploads(self.s3, self.buckets.evidence, prefix))
        _delete_versions(self.s3, self.buckets.evidence, prefix, self._counter("evidence_objects"))

    def _cdn(self) -> None:
        if not self.distribution_id:
            self.report.warnings.append(
                "no CloudFront distribution known: nothing invalidated (cached copies "
                "expire on their own within minutes)"
            )
            return
        tenant_id = self.tenant_id
        aws.client("cloudfront").create_invalidation(
            DistributionId=self.distribution_id,
            InvalidationBatch={
                "Paths": {
                    "Quantity": len(invalidation_paths(tenant_id)),
                    "Items": invalidation_paths(tenant_id),
                },
                "CallerReference": f"pellicule-delete-{tenant_id}-{uuid.uuid4().hex}",
            },
        )
        self.progress.add("invalidations", 1)

    def _audit(self) -> None:
        _delete_keys(_query_keys(audit.audit_pk(self.tenant_id)), self._counter("audit_entries"))

    def _profile(self) -> None:
        Base(tenant_pk(self.tenant_id), PROFILE).delete()


# --- Invite a director ---------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    staff_id: str
    url: str  # the sign-in link: into the e-mail, or shown once to the operator, never logged
    expires_at: int
    emailed: bool
    mail_error: str | None = None


def invite_director(
    tenant_id: str,
    email: str,
    name: str,
    *,
    public_url: str,
    mail_from: str,
    actor: str = OPERATOR,
    now: float | None = None,
) -> Invitation:
    """A new director of an active centre and a sign-in link for them: e-mailed when a sender
    is configured (``mail_from``), else returned for the operator to hand over."""
    tenant = get(tenant_id)
    if status_of(tenant) != ACTIVE:
        status = Term(status_of(tenant), f"tenant_status_{status_of(tenant)}")
        raise Conflict("tenant_not_active", id=tenant_id, status=status)
    address = magic_links.normalise_email(email)
    if address is None:
        raise BadRequest("email_invalid")
    display_name = check_name(name, "person_name_invalid")
    if not public_url:
        raise BadRequest("config_public_url_missing")
    for existing in Staff.by_gsi1.query(keys.staff_email_gsi(address)):
        if existing.tenant_id == tenant_id and not existing.archived:
            raise Conflict("staff_address_taken", id=tenant_id)
    moment = now_or(now)
    staff_id = uuid.uuid4().hex[:16]
    staff = Staff(
        tenant_pk(tenant_id),
        keys.staff_sk(staff_id),
        tenant_id=tenant_id,
        staff_id=staff_id,
        role="director",
        display_name=display_name,
        email=address,
        trusted=False,
        gsi1pk=keys.staff_email_gsi(address),
        gsi1sk=keys.staff_email_gsi_sk(tenant_id),
    )
    subject = f"staff:{staff_id}"
    audit.append(
        tenant_id,
        "roster_changed",
        actor,
        subject,
        {"change": "created", "role": "director"},
        at=moment,
        companions=(audit.Companion(staff, Staff.pk.does_not_exist()),),
    )
    account = magic_links.Account(tenant_id, tenant.name, "staff", staff_id, "director")
    link = magic_links.issue_link(account, INVITATION_TTL_SECONDS, now=moment)
    url = magic_links.link_url(public_url, link)
    emailed, mail_error = False, None
    if mail_from:
        try:
            message = invitation_message(public_url, tenant.name, display_name, url)
            outbox.send(outbox.client(), mail_from, address, message)
            emailed = True
        except Exception as error:  # noqa: BLE001 - the operator hands the link over instead
            mail_error = error_code(error)
    audit.append(
        tenant_id,
        "director_invited",
        actor,
        subject,
        {"delivery": "email" if emailed else "operator"},
        at=moment,
    )
    return Invitation(staff_id, url, link.expires_at, emailed, mail_error)


def invitation_template(public_url: str, centre: str, name: str, url: str) -> emails.Email:
    """The invitation: who is invited to run which centre, the link (valid a day, once), what
    comes next (an authenticator app) and where to ask for a new link. Its words are in the
    message catalogue (``pellicule.domain.messages.mail``)."""
    page = f"{public_url.rstrip('/')}{magic_links.LOGIN_PAGE}"
    return emails.Email(
        "invitation_mail_subject",
        [
            Paragraph("invitation_mail_greeting", {"name": name}),
            Paragraph(
                "invitation_mail_intro",
                {"centre": centre, "hours": INVITATION_TTL_SECONDS // 3600},
            ),
            Action("invitation_mail_open", url),
            Paragraph(
                "invitation_mail_next",
                {"button": Phrase("sign_in_mail_button_staff"), "page": Url(page)},
            ),
            Paragraph("invitation_mail_not_expected"),
        ],
    )


def invitation_message(public_url: str, centre: str, name: str, url: str) -> outbox.Message:
    """The invitation e-mail: French first, then English; plain text and HTML."""
    rendered = emails.render(invitation_template(public_url, centre, name, url))
    return outbox.Message(rendered.subject, rendered.text, rendered.html)
