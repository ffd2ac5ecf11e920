"""Adapters around moto's DynamoDB: bounded memory and atomic, thread-safe transactions.

moto 5.2.5 (the version pinned in ``uv.lock``) is a faithful enough DynamoDB for our reads and
writes, with flaws the local runtime cannot live with (docs/local-runtime.md, "DynamoDB
in moto"):

1. ``TransactWriteItems`` backs up **the whole table** (``copy.deepcopy`` of the ``Table``,
   its stream records included) once per transaction item, to roll back on a failed condition.
   With an audited read writing a transaction, a demo's memory grew by ~11.5 MB per request.
2. every model object moto ever builds (``BaseModel``: each DynamoDB ``Item`` written or
   returned by a query or scan, each of those table copies, each ``StreamRecord``, S3 key
   version, SQS message...) is appended to a process-wide ``instances_tracked`` list, for
   moto's dashboard: nothing of it is ever freed, deleted objects included.
3. nothing serialises requests: moto's threaded server runs two transactions at once, so a
   transaction can see half of another one, roll back a write made meanwhile, or fail with
   ``RuntimeError: dictionary changed size during iteration`` while copying a table.
4. a table stream keeps every record (both images of the item written) forever, where
   DynamoDB Streams keeps 24 hours: ~400 records per 200 audited requests, never freed.
5. every query starts from the whole table, sorted (``Table.all_items``), and every
   item-carrying response is encoded attribute by attribute against the output shape: the
   more the table and the album held, the slower each request (an album page took most of a
   second to encode).

:func:`apply` (idempotent; the runtime calls it before starting moto) fixes them in this
process, without touching moto's files:

1. a transaction snapshots only the items it touches (a copy of each, or "absent") and the
   next sequence number of each touched table's stream; on any failure it restores exactly
   those items and drops the stream records the failed transaction produced: all or
   nothing, as in AWS.
   moto's own whole-table backup is turned into a no-op (``copy.deepcopy`` of a ``Table`` in
   moto's DynamoDB backend module returns the table itself);
2. moto's models are no longer tracked (the backends keep what they need, like any Python
   object; only moto's ``/moto-api/data.json`` dashboard read the lists);
3. every DynamoDB API call runs under one process-wide re-entrant lock: each request,
   transaction or not, is atomic with respect to the others (DynamoDB's isolation for
   transactions; single writes are atomic there too).
4. a shard drops records older than 24 hours (:data:`STREAM_RETENTION_SECONDS`) and the
   runtime drops those every consumer has read (:func:`trim_table_stream`); sequence numbers
   do not change, ``TRIM_HORIZON`` is the oldest record kept and an older iterator reads on
   from there, as in DynamoDB Streams;
5. a query reads only the partition it names, unsorted (it sorts what it keeps itself), and
   item-carrying responses, plain DynamoDB JSON already, are written with ``json.dumps``
   (the output shape's members only, ``bytes`` as base64, no ``None``: what moto's
   serializer writes, checked by ``tests/e2e/test_moto_queries.py``).
"""

from __future__ import annotations

import base64
import copy
import datetime
import functools
import inspect
import json
import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

# One lock for moto's DynamoDB in this process (its backends are process-wide too).
DYNAMODB_LOCK = threading.RLock()

_applied = False
_apply_guard = threading.Lock()


class MotoLayoutChanged(RuntimeError):
    """moto no longer looks like the version these adapters were written for."""


# SES's models stay tracked: the dev mailbox (local/mailbox.py) reads sent e-mails from them,
# and they grow only with the mail sent (one small object per message).
TRACKED_MODULE = "moto.ses."


def _untracked_new(base: type) -> Callable[..., Any]:
    """``base.__new__`` as moto writes it, minus the append to ``instances_tracked`` (but
    for SES)."""

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        instance = super(base, cls).__new__(cls)  # type: ignore[arg-type]
        if cls.__module__.startswith(TRACKED_MODULE):  # sent e-mails: the dev mailbox reads them
            cls.instances_tracked.append(instance)  # type: ignore[attr-defined]
        return instance

    return __new__


def _locked(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with DYNAMODB_LOCK:
            return method(*args, **kwargs)

    locked.__wrapped_by_pellicule__ = True  # type: ignore[attr-defined]
    return locked


def _table_sharing_copy(table_class: type) -> SimpleNamespace:
    """``copy`` as moto's DynamoDB backend module sees it: deep copies of anything but a
    ``Table`` (kept by reference: the transaction adapter keeps its own, item-level backup)."""

    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, table_class):
            return value
        return copy.deepcopy(value, memo)

    return SimpleNamespace(deepcopy=deepcopy, copy=copy.copy)


def _key_of(table: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any] | None:
    if op_type == "Put":
        attrs = op.get("Item") or {}
        key = {table.hash_key_attr: attrs.get(table.hash_key_attr)}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = attrs.get(table.range_key_attr)
        return key
    found = op.get("Key")
    return found if isinstance(found, dict) else None


def _next_sequence(shard: Any) -> int:
    """The sequence number the shard's next record gets (moto numbers records by position
    from ``starting_sequence_number``, which :func:`trim_stream` moves forward)."""
    return int(shard.starting_sequence_number) + len(shard.items)


def _snapshot(backend: Any, transact_items: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    """(table, hash, range, copy of the item or None) per touched item, and (shard, next
    sequence number) per touched table with a stream."""
    from moto.dynamodb.exceptions import MockValidationException
    from moto.dynamodb.models.dynamo_type import DynamoType

    items: list[tuple[Any, Any, Any, Any]] = []
    streams: dict[int, tuple[Any, int]] = {}
    for entry in transact_items:
        if not isinstance(entry, dict) or len(entry) != 1:
            continue  # moto refuses it before writing anything
        op_type, op = next(iter(entry.items()))
        if op_type not in {"Put", "Update", "Delete"} or not isinstance(op, dict):
            continue  # a ConditionCheck writes nothing
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue
        key = _key_of(table, op_type, op)
        try:
            hash_key = DynamoType(key[table.hash_key_attr])  # type: ignore[index]
            range_key = (
                DynamoType(key[table.range_key_attr])  # type: ignore[index]
                if table.range_key_attr is not None
                else None
            )
            current = table.get_item(hash_key, range_key)
        except (KeyError, TypeError, AttributeError, ValueError, MockValidationException):
            continue  # an invalid key: moto fails the transaction before this item writes
        items.append((table, hash_key, range_key, copy.deepcopy(current)))
        shard = table.stream_shard
        if shard is not None and id(shard) not in streams:
            streams[id(shard)] = (shard, _next_sequence(shard))
    return items, list(streams.values())


def _restore(items: list[Any], streams: list[Any]) -> None:
    for table, hash_key, range_key, previous in reversed(items):
        if range_key is not None:
            bucket = table.items.get(hash_key)
            if previous is not None:
                table.items[hash_key][range_key] = previous
            elif bucket is not None:
                bucket.pop(range_key, None)
                if not bucket:
                    table.items.pop(hash_key, None)
        elif previous is not None:
            table.items[hash_key] = previous
        else:
            table.items.pop(hash_key, None)
    for shard, next_sequence in streams:
        # A failed transaction leaves no stream record (trimming may have moved the start).
        del shard.items[max(0, next_sequence - int(shard.starting_sequence_number)) :]


def _item_level_transactions(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with DYNAMODB_LOCK:
            items, streams = _snapshot(self, transact_items[:100])
            try:
                original(self, transact_items)
            except BaseException:
                _restore(items, streams)
                raise

    transact_write_items.__wrapped_by_pellicule__ = True  # type: ignore[attr-defined]
    return transact_write_items


# --- The table stream: records kept as DynamoDB Streams keeps them ------------------------

# DynamoDB Streams keeps a record 24 hours, read or not (AWS: "data older than 24 hours is
# susceptible to trimming"); moto keeps every record forever.
STREAM_RETENTION_SECONDS = 24 * 3600


def trim_stream(shard: Any, through_sequence: int) -> int:
    """Drop the shard's records up to ``through_sequence`` included, oldest first; returns how
    many went. Sequence numbers stay what they were: moto numbers a record by its position
    from ``starting_sequence_number``, moved forward by as many records as are dropped (so
    ``TRIM_HORIZON`` is the oldest record kept, as in DynamoDB Streams)."""
    with DYNAMODB_LOCK:
        count = min(len(shard.items), through_sequence - int(shard.starting_sequence_number) + 1)
        if count <= 0:
            return 0
        del shard.items[:count]
        shard.starting_sequence_number = int(shard.starting_sequence_number) + count
        return count


def trim_table_stream(account: str, region: str, table_name: str, through_sequence: int) -> int:
    """:func:`trim_stream` for a table of moto's in-process DynamoDB backend (0 if the table
    or its stream is gone)."""
    from moto.dynamodb.models import dynamodb_backends

    with DYNAMODB_LOCK:
        table = dynamodb_backends[account][region].tables.get(table_name)
        shard = getattr(table, "stream_shard", None)
        return 0 if shard is None else trim_stream(shard, through_sequence)


def _expired_count(items: list[Any], horizon: Any) -> int:
    count = 0
    for record in items:
        created = record.record["dynamodb"].get("ApproximateCreationDateTime")
        if created is None or created >= horizon:
            break
        count += 1
    return count


def _retained_add(original: Callable[..., Any]) -> Callable[..., Any]:
    """``StreamShard.add``, then the records older than the retention period go."""

    @functools.wraps(original)
    def add(self: Any, old: Any, new: Any) -> None:
        original(self, old, new)
        from moto.core.utils import utcnow

        first = (
            self.items[0].record["dynamodb"].get("ApproximateCreationDateTime")
            if self.items
            else None
        )
        horizon = utcnow() - datetime.timedelta(seconds=STREAM_RETENTION_SECONDS)
        if first is not None and first < horizon:
            trim_stream(
                self, int(self.starting_sequence_number) + _expired_count(self.items, horizon) - 1
            )

    add.__wrapped_by_pellicule__ = True  # type: ignore[attr-defined]
    return add


def _clamped_get(original: Callable[..., Any]) -> Callable[..., Any]:
    """``StreamShard.get`` for an iterator older than the oldest record kept: moto fails an
    assertion (a 500); DynamoDB Streams reads on from the oldest record still there."""

    @functools.wraps(original)
    def get(self: Any, start: int, quantity: int) -> list[dict[str, Any]]:
        return original(self, max(int(start), int(self.starting_sequence_number)), quantity)

    get.__wrapped_by_pellicule__ = True  # type: ignore[attr-defined]
    return get


# --- Queries: the partition, not the whole table sorted ----------------------------------

# ``Table.query`` starts from ``all_items()``: every item of the table, sorted by key with
# moto's Python comparisons, on every query, then keeps the partition asked for and sorts
# again. With the audit log in the table, each request got slower as the table grew.
_query_scope = threading.local()


def _scoped_all_items(original: Callable[..., Any]) -> Callable[..., Any]:
    """``Table.all_items`` inside a query: only the partition queried (a base-table query),
    unsorted (the query sorts what it keeps: by range key, or by the index's keys and then
    the table's, a total order either way). Anywhere else: moto's own."""

    @functools.wraps(original)
    def all_items(self: Any) -> list[Any]:
        scope = getattr(_query_scope, "scope", None)
        if scope is None or scope[0] is not self:
            return original(self)
        _, hash_key = scope
        if hash_key is None:  # an index: every item, the query filters them
            buckets = list(self.items.values())
        else:
            found = self.items.get(hash_key)
            buckets = [] if found is None else [found]
        if self.range_key_attr:
            return [item for bucket in buckets for item in bucket.values()]
        return buckets

    all_items.__wrapped_by_pellicule__ = True  # type: ignore[attr-defined]
    return all_items


def _scoped_query(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name") if len(args) < 7 else args[6]
        previous = getattr(_query_scope, "scope", None)
        _query_scope.scope = (self, None if index_name else hash_key)
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            _query_scope.scope = previous

    query.__wrapped_by_pellicule__ = True  # type: ignore[attr-defined]
    return query


# --- Responses: DynamoDB JSON without moto's shape walk -----------------------------------

# The operations whose result is items (or nothing): moto builds each as plain DynamoDB JSON
# already (``DynamoResult``: dicts, lists, strings, numbers, booleans, ``bytes`` for B/BS)
# and then walks the operation's output shape attribute by attribute (some 50 lookups per
# attribute value), which made an album page of 300 items take most of a second to encode.
FAST_JSON_OPERATIONS = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "TransactGetItems",
        "Query",
        "Scan",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
    }
)


class _NotPlainJson(TypeError):
    pass


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise _NotPlainJson(type(value).__name__)


def _fast_json_result(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def execute_result(self: Any, context: Any) -> Any:
        operation = getattr(context.operation_model, "name", None)
        result = self.result
        if operation in FAST_JSON_OPERATIONS and isinstance(result, dict):
            # moto's serializer writes only the output shape's members (DeleteItem's result
            # carries a stray ``ConsumedCapacityUnits``, for one).
            members = context.operation_model.output_shape.members
            result = {key: value for key, value in result.items() if key in members}
            try:
                body = json.dumps(_without_none(result), default=_json_default)
            except _NotPlainJson:
                pass  # a type only moto's serializer knows how to write: let it
            else:
                return 200, {"Content-Type": "application/x-amz-json-1.0"}, body
        return original(self, context)

    execute_result.__wrapped_by_pellicule__ = True  # type: ignore[attr-defined]
    return execute_result


def _without_none(value: Any) -> Any:
    """moto's serializer leaves out members whose value is ``None``."""
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value]
    return value


def apply() -> None:
    """Install the adapters in this process (once; later calls do nothing)."""
    global _applied
    with _apply_guard:
        if _applied:
            return
        import moto.dynamodb.models as backend_module
        from moto.core.common_models import BaseModel
        from moto.core.model_instances import model_data
        from moto.dynamodb.models.table import StreamShard, Table
        from moto.dynamodb.responses import DynamoHandler, DynamoResult

        if getattr(backend_module, "copy", None) is not copy:
            raise MotoLayoutChanged(
                "moto.dynamodb.models no longer imports copy: review local/moto_patches.py"
            )
        backend_class = backend_module.DynamoDBBackend
        if "transact_write_items" not in vars(backend_class):
            raise MotoLayoutChanged("DynamoDBBackend.transact_write_items moved")

        _stop_tracking(BaseModel, model_data)
        backend_module.copy = _table_sharing_copy(Table)  # type: ignore[assignment]
        backend_class.transact_write_items = _item_level_transactions(  # type: ignore[method-assign]
            backend_class.transact_write_items
        )
        DynamoHandler.call_action = _locked(DynamoHandler.call_action)  # type: ignore[method-assign]
        _check_read_layout(StreamShard, Table)
        Table.query = _scoped_query(Table.query)  # type: ignore[method-assign]
        Table.all_items = _scoped_all_items(Table.all_items)  # type: ignore[method-assign]
        StreamShard.add = _retained_add(StreamShard.add)  # type: ignore[method-assign]
        StreamShard.get = _clamped_get(StreamShard.get)  # type: ignore[method-assign]
        if "execute_result" in vars(DynamoResult):
            raise MotoLayoutChanged("DynamoResult.execute_result is moto's own now: review")
        DynamoResult.execute_result = _fast_json_result(DynamoResult.execute_result)  # type: ignore[method-assign]
        _applied = True


def _stop_tracking(base_model: type, model_data: dict[str, dict[str, object]]) -> None:
    """Build moto's models untracked from now on and empty what is tracked (but for SES)."""
    # setattr: mypy knows neither moto's metaclass attribute nor __new__ assignment.
    setattr(base_model, "__new__", staticmethod(_untracked_new(base_model)))  # noqa: B010
    for service, models in model_data.items():
        if service == "ses":
            continue
        for model in models.values():
            setattr(model, "instances_tracked", [])  # noqa: B010


def _check_read_layout(stream_shard: type, table: Any) -> None:
    """Raise :class:`MotoLayoutChanged` unless the shard and table reads are where we patch.

    ``table`` is moto's ``Table`` class (``Any``: mypy takes it for abstract)."""
    for name in ("add", "get"):
        if name not in vars(stream_shard):
            raise MotoLayoutChanged(f"StreamShard.{name} moved")
    for name in ("query", "all_items"):
        if name not in vars(table):
            raise MotoLayoutChanged(f"Table.{name} moved")
    if list(inspect.signature(table.query).parameters)[:9] != [
        "self",
        "hash_key",
        "range_comparison",
        "range_objs",
        "limit",
        "exclusive_start_key",
        "scan_index_forward",
        "projection_expressions",
        "index_name",
    ]:
        raise MotoLayoutChanged("Table.query's parameters changed")


def applied() -> bool:
    return _applied
