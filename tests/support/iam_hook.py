"""A botocore hook that checks each AWS call a function makes against that function's policy.

Every botocore client made in the test process (boto3's through ``pellicule.adapters.aws``,
PynamoDB's own, s3transfer's) gets a ``before-parameter-build`` handler when it is created
(:func:`install` wraps ``botocore.session.Session.create_client``); S3 clients also get their
``generate_presigned_post`` wrapped, since a presigned POST builds its form client-side without
naming an operation. While a :class:`Checker` is active (an autouse fixture of the integration
and security tests), each call is:

1. attributed to the function whose code makes it: the innermost stack frame in
   ``functions/<name>/`` of the calling thread (or, from a worker thread of s3transfer, of the
   one other thread running a function's code). Calls with no such frame (the tests seeding
   or reading moto, the local provisioning) are not checked;
2. turned into the IAM action(s) and resource ARN(s) AWS authorizes it with
   (:func:`requests`; an operation missing from the table is reported as a gap, never passed);
3. evaluated against the function's synthesized statements (``tests/support/iam_eval.py``).

A denied call is answered as AWS would (``AccessDenied``; presigned URLs are still signed, as
AWS only refuses them when used) and recorded: the fixture fails the test with the function,
action and ARN, even if the code caught the error.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from tests.support import iam_eval
from tests.support.iam_policy import ACCOUNT, DISTRIBUTION, SECRET_SUFFIX

FUNCTIONS_DIR = os.path.normpath(Path(__file__).resolve().parents[2] / "functions") + os.sep


@dataclass(frozen=True)
class Request:
    """One authorization AWS makes for a call: an action on a resource."""

    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Denial:
    function: str
    operation: str  # e.g. "s3.DeleteObjects" or "s3.generate_presigned_post"
    action: str
    resource: str
    reason: str
    notes: tuple[str, ...] = ()

    def message(self) -> str:
        notes = f" ({'; '.join(self.notes)})" if self.notes else ""
        return (
            f"function {self.function!r}: {self.operation} needs {self.action} on "
            f"{self.resource}, which its synthesized IAM policy does not allow: "
            f"{self.reason}{notes}"
        )


class Unmapped(LookupError):
    """An operation the table below does not know: a gap to fill, never a pass."""


# --- Operations to IAM actions and resources ----------------------------------------------------


def _object(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"


def _copy_source(source: Any) -> tuple[str, str, str | None]:
    if isinstance(source, Mapping):
        return source["Bucket"], source["Key"], source.get("VersionId")
    text, _, query = str(source).lstrip("/").partition("?")
    bucket, _, key = text.partition("/")
    version = parse_qs(query).get("versionId", [None])[0]
    return bucket, unquote(key), version


def _s3(operation: str, params: Mapping[str, Any], region: str) -> list[Request]:
    bucket = params.get("Bucket", "")
    key = params.get("Key", "")
    versioned = "Version" if params.get("VersionId") else ""
    bucket_arn = f"arn:aws:s3:::{bucket}"
    on_object = {
        "GetObject": f"s3:GetObject{versioned}",
        "HeadObject": f"s3:GetObject{versioned}",
        "PutObject": "s3:PutObject",
        "DeleteObject": f"s3:DeleteObject{versioned}",
        "CreateMultipartUpload": "s3:PutObject",
        "UploadPart": "s3:PutObject",
        "CompleteMultipartUpload": "s3:PutObject",
        "AbortMultipartUpload": "s3:AbortMultipartUpload",
        "ListParts": "s3:ListMultipartUploadParts",
        "GetObjectTagging": f"s3:GetObject{versioned}Tagging",
        "PutObjectTagging": f"s3:PutObject{versioned}Tagging",
    }
    on_bucket = {
        "ListObjects": "s3:ListBucket",
        "ListObjectsV2": "s3:ListBucket",
        "ListObjectVersions": "s3:ListBucketVersions",
        "ListMultipartUploads": "s3:ListBucketMultipartUploads",
        "HeadBucket": "s3:ListBucket",
    }
    if operation in on_object:
        return [Request(on_object[operation], _object(bucket, key))]
    if operation in on_bucket:
        return [Request(on_bucket[operation], bucket_arn, {"s3:prefix": params.get("Prefix", "")})]
    if operation in ("CopyObject", "UploadPartCopy"):
        source_bucket, source_key, source_version = _copy_source(params["CopySource"])
        read = "s3:GetObjectVersion" if source_version else "s3:GetObject"
        return [
            Request(read, _object(source_bucket, source_key)),
            Request("s3:PutObject", _object(bucket, key)),
        ]
    if operation == "DeleteObjects":
        return [
            Request(
                "s3:DeleteObjectVersion" if item.get("VersionId") else "s3:DeleteObject",
                _object(bucket, item["Key"]),
            )
            for item in params["Delete"]["Objects"]
        ]
    raise Unmapped(f"s3.{operation}")


def _table_arn(table: str, region: str, index: str | None = None) -> str:
    arn = f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{table}"
    return f"{arn}/index/{index}" if index else arn


_DYNAMODB_SIMPLE = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "DescribeTable",
    "DescribeTimeToLive",
}
_TRANSACT_ITEMS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
    "Get": "dynamodb:GetItem",
}


def _leading_keys(item: Mapping[str, Any] | None) -> dict[str, Any]:
    """``dynamodb:LeadingKeys`` of a call on one item: its partition key's value (the table's
    hash key is ``pk``; a query's: :func:`_query_leading_keys`). Scans and index queries carry
    none here (an Allow conditioned on it is then not counted, as the evaluator does for any
    unknown key)."""
    if not item or "pk" not in item:
        return {}
    value = item["pk"]
    return {"dynamodb:LeadingKeys": [value.get("S", "") if isinstance(value, Mapping) else value]}


_KEY_EQUALS = re.compile(r"(#\w+|[A-Za-z_]\w*)\s*=\s*(:\w+)")


def _query_leading_keys(params: Mapping[str, Any]) -> dict[str, Any]:
    """``dynamodb:LeadingKeys`` of a query on the table itself: the value its key condition
    gives the partition key (``pk = :v``, placeholders resolved). Index queries carry none."""
    if params.get("IndexName"):
        return {}
    names = params.get("ExpressionAttributeNames") or {}
    values = params.get("ExpressionAttributeValues") or {}
    for name, value in _KEY_EQUALS.findall(params.get("KeyConditionExpression") or ""):
        if names.get(name, name) == "pk" and value in values:
            return _leading_keys({"pk": values[value]})
    return {}


def _dynamodb(operation: str, params: Mapping[str, Any], region: str) -> list[Request]:
    if operation in _DYNAMODB_SIMPLE:
        table = _table_arn(params["TableName"], region, params.get("IndexName"))
        context = _leading_keys(params.get("Key") or params.get("Item"))
        if operation == "Query":
            context = _query_leading_keys(params)
        return [Request(f"dynamodb:{operation}", table, context)]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [
            Request(f"dynamodb:{operation}", _table_arn(table, region))
            for table in params["RequestItems"]
        ]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        found = []
        for item in params["TransactItems"]:
            ((kind, body),) = item.items()
            context = _leading_keys(body.get("Key") or body.get("Item"))
            found.append(
                Request(_TRANSACT_ITEMS[kind], _table_arn(body["TableName"], region), context)
            )
        return found
    raise Unmapped(f"dynamodb.{operation}")


def _queue_arn(params: Mapping[str, Any], region: str) -> str:
    name = params.get("QueueName") or urlparse(params["QueueUrl"]).path.rstrip("/").split("/")[-1]
    return f"arn:aws:sqs:{region}:{ACCOUNT}:{name}"


_SQS = {
    "SendMessage": "sqs:SendMessage",
    "SendMessageBatch": "sqs:SendMessage",
    "ReceiveMessage": "sqs:ReceiveMessage",
    "DeleteMessage": "sqs:DeleteMessage",
    "DeleteMessageBatch": "sqs:DeleteMessage",
    "ChangeMessageVisibility": "sqs:ChangeMessageVisibility",
    "GetQueueUrl": "sqs:GetQueueUrl",
    "GetQueueAttributes": "sqs:GetQueueAttributes",
}


def _sqs(operation: str, params: Mapping[str, Any], region: str) -> list[Request]:
    if operation not in _SQS:
        raise Unmapped(f"sqs.{operation}")
    return [Request(_SQS[operation], _queue_arn(params, region))]


def _ses(operation: str, params: Mapping[str, Any], region: str) -> list[Request]:
    # Sending is authorized on the identity the sender belongs to: the deployment verifies a
    # domain (infra/mail.py), so that of the Source address's domain.
    if operation not in ("SendEmail", "SendRawEmail"):
        raise Unmapped(f"ses.{operation}")
    address = parseaddr(params.get("Source", ""))[1]
    domain = address.rpartition("@")[2] or "(no Source)"
    return [Request(f"ses:{operation}", f"arn:aws:ses:{region}:{ACCOUNT}:identity/{domain}")]


def _secretsmanager(operation: str, params: Mapping[str, Any], region: str) -> list[Request]:
    if operation not in ("GetSecretValue", "DescribeSecret"):
        raise Unmapped(f"secretsmanager.{operation}")
    secret = str(params["SecretId"])
    if secret.startswith("arn:"):  # moto's own random suffix: the stack's placeholder instead
        secret = secret.split(":secret:", 1)[1][:-7]
    arn = f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{secret}{SECRET_SUFFIX}"
    return [Request(f"secretsmanager:{operation}", arn)]


def _ssm(operation: str, params: Mapping[str, Any], region: str) -> list[Request]:
    names = [params["Name"]] if operation == "GetParameter" else params.get("Names", [])
    if operation not in ("GetParameter", "GetParameters"):
        raise Unmapped(f"ssm.{operation}")
    return [
        Request(
            f"ssm:{operation}",
            f"arn:aws:ssm:{region}:{ACCOUNT}:parameter/{name.lstrip('/')}",
        )
        for name in names
    ]


def _cloudfront(operation: str, params: Mapping[str, Any], region: str) -> list[Request]:
    if operation not in ("CreateInvalidation", "GetInvalidation", "ListInvalidations"):
        raise Unmapped(f"cloudfront.{operation}")
    distribution = params["DistributionId"]
    # moto makes a new id per test; the stack's own distribution is the one in the environment.
    if distribution == os.environ.get("PELLICULE_DISTRIBUTION_ID"):
        distribution = DISTRIBUTION
    return [
        Request(
            f"cloudfront:{operation}",
            f"arn:aws:cloudfront::{ACCOUNT}:distribution/{distribution}",
        )
    ]


_SERVICES: dict[str, Callable[[str, Mapping[str, Any], str], list[Request]]] = {
    "s3": _s3,
    "dynamodb": _dynamodb,
    "sqs": _sqs,
    "ses": _ses,
    "secretsmanager": _secretsmanager,
    "ssm": _ssm,
    "cloudfront": _cloudfront,
}


def requests(service: str, operation: str, params: Mapping[str, Any], region: str) -> list[Request]:
    """The authorizations AWS makes for ``service.operation(**params)`` from ``region``."""
    if service not in _SERVICES:
        raise Unmapped(f"{service}.{operation}")
    found = _SERVICES[service](operation, params, region)
    base = {"aws:SecureTransport": "true", "aws:RequestedRegion": region}
    return [Request(r.action, r.resource, {**base, **r.context}) for r in found]


# --- Which function is running ------------------------------------------------------------


@functools.cache
def _function_of_file(filename: str) -> str | None:
    path = os.path.normpath(os.path.abspath(filename))
    if not path.startswith(FUNCTIONS_DIR):
        return None
    first = path[len(FUNCTIONS_DIR) :].split(os.sep, 1)[0]
    return first if first and not first.endswith(".py") else None


def _function_in(frame: Any) -> str | None:
    while frame is not None:
        name = _function_of_file(frame.f_code.co_filename)
        if name is not None:
            return name
        frame = frame.f_back
    return None


def current_function() -> str | None:
    """The function (``functions/<name>/``) whose code made the call being checked, if any."""
    name = _function_in(sys._getframe(1))
    if name is not None or threading.current_thread() is threading.main_thread():
        return name
    # A worker thread (s3transfer's upload_file/download_file): the thread that runs a
    # function's code and waits for it.
    me = threading.get_ident()
    found = {
        n
        for ident, frame in sys._current_frames().items()
        if ident != me and (n := _function_in(frame)) is not None
    }
    return found.pop() if len(found) == 1 else None


# --- The checker -------------------------------------------------------------------------------


@dataclass
class Checker:
    """The policies in force, and what was checked and denied during one test.

    ``known``: (function, action) pairs a test declares denied on purpose (the
    ``iam_denied`` marker); such a denial is recorded in ``known_hits``, not in ``denials``,
    and the call goes on to moto, as it did without the hook.
    """

    policies: Mapping[str, list[dict[str, Any]]]
    known: frozenset[tuple[str, str]] = frozenset()
    denials: list[Denial] = field(default_factory=list)
    known_hits: list[Denial] = field(default_factory=list)
    checked: list[tuple[str, str, str, str]] = field(default_factory=list)

    def check(self, function: str, operation: str, found: list[Request]) -> list[Denial]:
        """The denials among ``found`` (those a test declared are set aside)."""
        denied = []
        for request in found:
            self.checked.append((function, operation, request.action, request.resource))
            decision = self._decide(function, request)
            if decision.allowed:
                continue
            denial = Denial(
                function,
                operation,
                request.action,
                request.resource,
                decision.reason,
                decision.notes,
            )
            if (function, request.action) in self.known:
                self.known_hits.append(denial)
            else:
                denied.append(denial)
        self.denials.extend(denied)
        return denied

    def _decide(self, function: str, request: Request) -> iam_eval.Decision:
        statements = self.policies.get(function)
        if statements is None:
            return iam_eval.Decision(False, "the stack has no role for this function")
        return iam_eval.evaluate(statements, request.action, request.resource, request.context)

    def unmapped(self, function: str, operation: str) -> Denial:
        denial = Denial(
            function,
            operation,
            "?",
            "?",
            "the operation is missing from tests/support/iam_hook.py's table: add its IAM "
            "action(s) and resource(s)",
        )
        self.denials.append(denial)
        return denial


def verdict(checker: Checker) -> str | None:
    """Why the test fails (denied calls, or a declared denial that no longer happens), or None."""
    if checker.denials:
        lines = "\n".join(f"- {denial.message()}" for denial in checker.denials)
        return (
            f"{len(checker.denials)} AWS call(s) denied by the synthesized IAM policies:\n{lines}"
        )
    missing = checker.known - {(denial.function, denial.action) for denial in checker.known_hits}
    if missing:
        return (
            f"the test declares iam_denied{sorted(missing)}, but no such call was denied: "
            "remove the marker (the code or the policy changed)"
        )
    return None


_active: Checker | None = None


@functools.cache
def install() -> None:
    """Give every botocore client made from now on the hook (idempotent)."""
    import botocore.session

    original = botocore.session.Session.create_client

    @functools.wraps(original)
    def create_client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        client = original(self, service_name, *args, **kwargs)
        _attach(client, service_name)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]


def _attach(client: Any, service: str) -> None:
    region = client.meta.region_name
    client.meta.events.register(
        "before-parameter-build",
        functools.partial(_before_parameter_build, service, region),
        unique_id="pellicule-iam-contract",
    )
    if service == "s3":
        original = client.generate_presigned_post

        @functools.wraps(original)
        def generate_presigned_post(Bucket: str, Key: str, *args: Any, **kwargs: Any) -> Any:
            _check_presigned(region, Bucket, Key)
            return original(Bucket, Key, *args, **kwargs)

        client.generate_presigned_post = generate_presigned_post


def _check_presigned(region: str, bucket: str, key: str) -> None:
    """A presigned POST lets its holder do s3:PutObject on ``key`` as the signer."""
    checker = _active
    function = current_function() if checker is not None else None
    if checker is None or function is None:
        return
    found = requests("s3", "PutObject", {"Bucket": bucket, "Key": key}, region)
    checker.check(function, "s3.generate_presigned_post", found)


def _before_parameter_build(
    service: str, region: str, params: Mapping[str, Any], model: Any, context: Any, **_: Any
) -> None:
    checker = _active
    if checker is None:
        return
    function = current_function()
    if function is None:
        return
    operation = model.name
    presigned = bool(context and context.get("is_presign_request"))
    if presigned and service == "s3" and operation == "CreateBucket":
        return  # the presigned POST's own event: checked by its wrapper
    label = f"{service}.{operation}{' (presigned URL)' if presigned else ''}"
    try:
        found = requests(service, operation, params, region)
    except Unmapped:
        denied = [checker.unmapped(function, label)]
    else:
        denied = checker.check(function, label, found)
    if denied and not presigned:  # AWS signs any URL; it refuses it when it is used
        from botocore.exceptions import ClientError

        code = "AccessDenied" if service == "s3" else "AccessDeniedException"
        error = {"Error": {"Code": code, "Message": denied[0].message()}}
        raise ClientError(error, operation)  # type: ignore[arg-type]


@contextlib.contextmanager
def active(checker: Checker) -> Iterator[Checker]:
    """Check the calls made inside the block against ``checker``'s policies."""
    global _active
    install()
    previous, _active = _active, checker
    try:
        yield checker
    finally:
        _active = previous
