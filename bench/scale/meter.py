"""Counts what the code asks of AWS, per centre and phase of the simulated week.

Every botocore client made after :func:`Meter.install` (the adapters' and PynamoDB's, all
from ``pellicule.adapters.aws.core_session``) gets two handlers: ``before-parameter-build``
keeps the call's parameters (and, for DynamoDB writes, the item as it was, read from moto's
backend without a request), ``after-call`` turns the call into billable quantities:

- DynamoDB read and write units from the item sizes and the call type (``bench.scale.units``),
  the table's index ``gsi1`` (it projects every attribute) written with the item;
- S3 requests by price class (PUT/COPY/POST/LIST, GET and the others; DELETE is free) and
  the bytes written, per bucket;
- CloudFront invalidation paths, SES recipients, SQS requests, any other call by name.

A call is charged to the centre its key or prefix names (``TENANT#<id>``, ``AUDIT#<id>``,
``t/<id>/``), else
to the centre the simulation is acting for (:attr:`Meter.tenant`), else to ``platform``.
Lambda invocations and GB-seconds are counted by :meth:`Meter.invoke`, around the handlers
the simulation calls: measured wall time in this process times the function's memory in
``topology.FUNCTIONS`` (an estimate: Lambda's arm64 CPU and moto's latency are not these).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from bench.scale import units

PLATFORM = "platform"
# What a scheduled run restricted to the sampled centres did for no centre in particular
# (``bench.scale.week``): shared by the sampled centres, never by the N.
RESTRICTED = "restricted"
INDEX_KEYS = ("gsi1pk", "gsi1sk")  # topology.TABLE.indexes[0], projection ALL
TENANT_PREFIXES = ("TENANT#", "AUDIT#")  # pellicule.store.keys: tenant_pk, audit_pk
_S3_TENANT = re.compile(r"(?:^|/)t/([A-Za-z0-9_-]+)/")
S3_PUT_CLASS = frozenset(
    {
        "PutObject",
        "CopyObject",
        "PostObject",
        "ListObjects",
        "ListObjectsV2",
        "ListObjectVersions",
        "ListMultipartUploads",
        "ListParts",
        "CreateMultipartUpload",
        "UploadPart",
        "UploadPartCopy",
        "CompleteMultipartUpload",
        "PutObjectTagging",
        "PutObjectAcl",
        "RestoreObject",
    }
)
S3_FREE = frozenset({"DeleteObject", "DeleteObjects", "AbortMultipartUpload"})
S3_WRITES = frozenset({"PutObject", "CopyObject", "UploadPart", "UploadPartCopy"})

Key = dict[str, dict[str, Any]]
ItemLookup = Callable[[str, Key], dict[str, Any] | None]  # (table, key) -> item or None
SizeLookup = Callable[[str, str], int]  # (bucket, key) -> bytes


class Meter:
    """Quantities per (tenant, phase), each a ``{metric: value}`` dict."""

    def __init__(self, item: ItemLookup, object_size: SizeLookup, memory_mb: Mapping[str, int]):
        self.item = item
        self.object_size = object_size
        self.memory_mb = dict(memory_mb)
        self.counts: dict[tuple[str, str], dict[str, float]] = defaultdict(
            lambda: defaultdict(float)
        )
        self._tenant: contextvars.ContextVar[str] = contextvars.ContextVar(
            "tenant", default=PLATFORM
        )
        self._phase: contextvars.ContextVar[str] = contextvars.ContextVar("phase", default="")
        self.enabled = True

    # --- context ---------------------------------------------------------------------------

    @property
    def tenant(self) -> str:
        return self._tenant.get()

    @contextlib.contextmanager
    def acting(self, tenant: str | None = None, phase: str | None = None) -> Iterator[None]:
        tokens = []
        if tenant is not None:
            tokens.append((self._tenant, self._tenant.set(tenant)))
        if phase is not None:
            tokens.append((self._phase, self._phase.set(phase)))
        try:
            yield
        finally:
            for var, token in reversed(tokens):
                var.reset(token)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        self.enabled, before = False, self.enabled
        try:
            yield
        finally:
            self.enabled = before

    def add(self, tenant: str | None, metric: str, value: float) -> None:
        if self.enabled and value:
            self.counts[(tenant or self.tenant, self._phase.get())][metric] += value

    # --- Lambda ----------------------------------------------------------------------------

    def invoke(self, function: str, handler: Callable[[Any, Any], Any], event: Any) -> Any:

        started = time.perf_counter()
        try:
            return handler(event, _Context(function, self.memory_mb[function]))
        finally:
            seconds = time.perf_counter() - started
            self.add(None, f"lambda.{function}.invocations", 1)
            self.add(None, f"lambda.{function}.gb_s", seconds * self.memory_mb[function] / 1024)

    # --- botocore --------------------------------------------------------------------------

    def install(self) -> None:
        """Hook every botocore client made from now on (call before any client is made)."""
        _install()
        global _active
        _active = self

    def before(self, service: str, model: Any, params: dict[str, Any], context: Any) -> None:
        context["meter_params"] = params
        if service == "dynamodb" and self.enabled:
            context["meter_before"] = [
                self.item(table, key) for table, key, _ in _written_keys(model.name, params)
            ]

    def after(self, service: str, model: Any, parsed: dict[str, Any], context: Any) -> None:
        if not self.enabled:
            return
        params = context.get("meter_params") or {}
        operation = model.name
        if service == "dynamodb":
            self._dynamodb(operation, params, parsed, context.get("meter_before") or [])
        elif service == "s3":
            self._s3(operation, params)
        else:
            tenant = self._tenant_of_paths(params) if service == "cloudfront" else None
            self.add(tenant, f"{service}.requests", 1)
            if service == "cloudfront" and operation == "CreateInvalidation":
                batch = params.get("InvalidationBatch", {}).get("Paths", {})
                self.add(tenant, "cloudfront.invalidation_paths", len(batch.get("Items", [])))
            if service in ("ses", "sesv2") and operation.startswith("Send"):
                self.add(None, "ses.messages", _recipients(params))

    # --- per service -----------------------------------------------------------------------

    def _dynamodb(
        self,
        operation: str,
        params: dict[str, Any],
        parsed: dict[str, Any],
        befores: list[dict[str, Any] | None],
    ) -> None:
        tenant = _tenant_of_dynamodb(params)
        self.add(tenant, "dynamodb.requests", 1)
        written = _written_keys(operation, params)
        transactional = operation.startswith("Transact")
        for (table, key, put), before in zip(written, befores, strict=False):
            if put is not None:
                after: dict[str, Any] | None = put
            elif operation in ("DeleteItem",) or _is_delete(operation, params, key):
                after = None
            else:
                after = self.item(table, key)
            size = max(units.item_size(before), units.item_size(after))
            wru = units.write_units(size, transactional=transactional)
            index = units.index_writes(_plain(before), _plain(after), INDEX_KEYS)
            wru += index * units.write_units(size)
            self.add(_tenant_of_key(key) or tenant, "dynamodb.wru", wru)
        self.add(tenant, "dynamodb.rru", self._reads(operation, params, parsed))

    def _reads(self, operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> float:
        consistent = bool(params.get("ConsistentRead")) and "IndexName" not in params
        if operation == "GetItem":
            return units.read_units(units.item_size(parsed.get("Item")), consistent=consistent)
        if operation in ("Query", "Scan"):
            table = params.get("TableName", "")
            size = 0
            for item in parsed.get("Items", []):
                full = self.item(table, _key(item)) if "ProjectionExpression" in params else None
                size += units.item_size(full or item)
            return units.read_units(size, consistent=consistent)
        if operation == "BatchGetItem":
            total = 0.0
            for table, items in parsed.get("Responses", {}).items():
                strong = bool(params["RequestItems"][table].get("ConsistentRead"))
                for item in items:
                    total += units.read_units(units.item_size(item), consistent=strong)
            return total
        if operation == "TransactGetItems":
            return sum(
                units.read_units(
                    units.item_size(response.get("Item")), consistent=True, transactional=True
                )
                for response in parsed.get("Responses", [])
            )
        return 0.0

    def _s3(self, operation: str, params: dict[str, Any]) -> None:
        tenant = _tenant_of_s3(params)
        bucket = str(params.get("Bucket", ""))
        if operation in S3_FREE:
            self.add(tenant, "s3.free_requests", 1)
        elif operation in S3_PUT_CLASS:
            self.add(tenant, "s3.put_class", 1)
        else:
            self.add(tenant, "s3.get_class", 1)
        if operation in S3_WRITES:
            size = _body_size(params.get("Body"))
            if size is None:
                size = self.object_size(bucket, str(params.get("Key", "")))
            self.add(tenant, f"s3.bytes_written.{bucket}", size)
            self.add(tenant, f"s3.objects_written.{bucket}", 1)

    def _tenant_of_paths(self, params: dict[str, Any]) -> str | None:
        items = params.get("InvalidationBatch", {}).get("Paths", {}).get("Items", [])
        for path in items:
            found = _S3_TENANT.search(str(path))
            if found:
                return found.group(1)
        return None

    def record(self, metric: str, value: float, tenant: str | None = None) -> None:
        """A quantity the simulation counts itself (e.g. a browser's upload)."""
        self.add(tenant, metric, value)


class _Context:
    def __init__(self, function: str, memory_mb: int) -> None:
        self.function_name = f"pellicule-scale-{function}"
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = (
            f"arn:aws:lambda:eu-west-3:123456789012:function:pellicule-scale-{function}"
        )
        self.aws_request_id = "scale"
        self.log_stream_name = "scale"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


_active: Meter | None = None


@functools.cache
def _install() -> None:
    import botocore.session

    original = botocore.session.Session.create_client

    @functools.wraps(original)
    def create_client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        client = original(self, service_name, *args, **kwargs)
        client.meta.events.register(
            "before-parameter-build", functools.partial(_before, service_name)
        )
        client.meta.events.register("after-call", functools.partial(_after, service_name))
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]


def _before(service: str, params: dict[str, Any], model: Any, context: Any, **_: Any) -> None:
    if _active is not None and context is not None:
        _active.before(service, model, params, context)


def _after(service: str, parsed: Any, model: Any, context: Any, **_: Any) -> None:
    if _active is not None and context is not None:
        _active.after(service, model, parsed or {}, context)


# --- parameter helpers ---------------------------------------------------------------------


def _written_keys(
    operation: str, params: Mapping[str, Any]
) -> list[tuple[str, Key, dict[str, Any] | None]]:
    """(table, key, item put or None) of each item a DynamoDB call writes."""
    if operation == "PutItem":
        return [(params["TableName"], _key(params["Item"]), params["Item"])]
    if operation in ("UpdateItem", "DeleteItem"):
        return [(params["TableName"], params["Key"], None)]
    if operation == "BatchWriteItem":
        found: list[tuple[str, Key, dict[str, Any] | None]] = []
        for table, requests in params.get("RequestItems", {}).items():
            for request in requests:
                if "PutRequest" in request:
                    item = request["PutRequest"]["Item"]
                    found.append((table, _key(item), item))
                else:
                    found.append((table, request["DeleteRequest"]["Key"], None))
        return found
    if operation == "TransactWriteItems":
        found = []
        for entry in params.get("TransactItems", []):
            [(kind, body)] = entry.items()
            if kind == "Put":
                found.append((body["TableName"], _key(body["Item"]), body["Item"]))
            else:
                found.append((body["TableName"], body["Key"], None))
        return found
    return []


def _is_delete(operation: str, params: Mapping[str, Any], key: Key) -> bool:
    if operation == "BatchWriteItem":
        return True  # puts carry their item; what is left is a delete
    if operation == "TransactWriteItems":
        for entry in params.get("TransactItems", []):
            if "Delete" in entry and entry["Delete"]["Key"] == key:
                return True
    return False


def _key(item: Mapping[str, Any]) -> Key:
    return {name: item[name] for name in ("pk", "sk") if name in item}


def _plain(item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if item is None else {name: next(iter(v.values())) for name, v in item.items()}


def _tenant_of_text(value: str) -> str | None:
    for prefix in TENANT_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix) :].split("#")[0] or None
    return None


def _tenant_of_key(key: Mapping[str, Any]) -> str | None:
    value = str(next(iter(key.get("pk", {}).values()), "")) if key.get("pk") else ""
    return _tenant_of_text(value)


def _tenant_of_dynamodb(params: Mapping[str, Any]) -> str | None:
    for holder in ("Key", "Item"):
        if holder in params:
            return _tenant_of_key(params[holder])
    for value in params.get("ExpressionAttributeValues", {}).values():
        found = _tenant_of_text(str(value.get("S", "")))
        if found:
            return found
    return None


def _tenant_of_s3(params: Mapping[str, Any]) -> str | None:
    for name in ("Key", "Prefix"):
        found = _S3_TENANT.search(str(params.get(name, "")))
        if found:
            return found.group(1)
    return None


def _body_size(body: Any) -> int | None:
    if isinstance(body, bytes | bytearray):
        return len(body)
    if isinstance(body, str):
        return len(body.encode())
    return None


def _recipients(params: Mapping[str, Any]) -> int:
    destination = params.get("Destination") or {}
    count = sum(len(destination.get(f, [])) for f in ("ToAddresses", "CcAddresses", "BccAddresses"))
    if not count:
        count = len(params.get("Destinations", []))
    if "BulkEmailEntries" in params:
        count = len(params["BulkEmailEntries"])
    return max(1, count)
