"""Adapters around moto's DynamoDB: bounded memory and atomic, thread-safe transactions.

moto 5.2.5 (the version pinned in ``uv.lock``) is a faithful enough DynamoDB for our reads and
writes, with three flaws the local runtime cannot live with (docs/local-runtime.md, "DynamoDB
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

:func:`apply` (idempotent; the runtime calls it before starting moto) fixes them in this
process, without touching moto's files:

1. a transaction snapshots only the items it touches (a copy of each, or "absent") and the
   length of each touched table's stream; on any failure it restores exactly those items and
   drops the stream records the failed transaction produced: all or nothing, as in AWS.
   moto's own whole-table backup is turned into a no-op (``copy.deepcopy`` of a ``Table`` in
   moto's DynamoDB backend module returns the table itself);
2. moto's models are no longer tracked (the backends keep what they need, like any Python
   object; only moto's ``/moto-api/data.json`` dashboard read the lists);
3. every DynamoDB API call runs under one process-wide re-entrant lock: each request,
   transaction or not, is atomic with respect to the others (DynamoDB's isolation for
   transactions; single writes are atomic there too).
"""

from __future__ import annotations

import copy
import functools
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


def _snapshot(backend: Any, transact_items: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    """(table, hash, range, copy of the item or None) per touched item, and (shard, length)
    per touched table with a stream."""
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
            streams[id(shard)] = (shard, len(shard.items))
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
    for shard, length in streams:
        del shard.items[length:]  # a failed transaction leaves no stream record


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


def apply() -> None:
    """Install the adapters in this process (once; later calls do nothing)."""
    global _applied
    with _apply_guard:
        if _applied:
            return
        import moto.dynamodb.models as backend_module
        from moto.core.common_models import BaseModel
        from moto.core.model_instances import model_data
        from moto.dynamodb.models.table import Table
        from moto.dynamodb.responses import DynamoHandler

        if getattr(backend_module, "copy", None) is not copy:
            raise MotoLayoutChanged(
                "moto.dynamodb.models no longer imports copy: review local/moto_patches.py"
            )
        backend_class = backend_module.DynamoDBBackend
        if "transact_write_items" not in vars(backend_class):
            raise MotoLayoutChanged("DynamoDBBackend.transact_write_items moved")

        # setattr: mypy knows neither moto's metaclass attribute nor __new__ assignment.
        setattr(BaseModel, "__new__", staticmethod(_untracked_new(BaseModel)))  # noqa: B010
        for service, models in model_data.items():
            if service == "ses":
                continue
            for model in models.values():
                setattr(model, "instances_tracked", [])  # noqa: B010
        backend_module.copy = _table_sharing_copy(Table)  # type: ignore[assignment]
        backend_class.transact_write_items = _item_level_transactions(  # type: ignore[method-assign]
            backend_class.transact_write_items
        )
        DynamoHandler.call_action = _locked(DynamoHandler.call_action)  # type: ignore[method-assign]
        _applied = True


def applied() -> bool:
    return _applied
