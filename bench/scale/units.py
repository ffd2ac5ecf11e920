"""DynamoDB request-unit arithmetic, from item sizes and call types (pure functions).

The rules of the DynamoDB developer guide ("Read/write capacity mode", "Item sizes"):

- an item's size is the sum of its attribute names' UTF-8 lengths and of its values' sizes:
  a string its UTF-8 length, a binary its length, a number about one byte per two
  significant digits plus one, a boolean or null one byte, a list or map 3 bytes plus one
  byte per element plus the elements (a map's names included), a set the sum of its members;
- a write (PutItem, UpdateItem, DeleteItem, each item of BatchWriteItem) costs one write unit
  per started KB (1,024 bytes) of the larger of the item before and after; a transaction
  (TransactWriteItems, TransactGetItems) costs twice as much;
- a strongly consistent read costs one read unit per started 4 KB of the item; an eventually
  consistent read half that. Query and Scan sum the sizes of the items they read, then round
  up to 4 KB once (not per item);
- a global secondary index that projects the item is written as well: a put, update or delete
  of an item that has (or had) the index keys costs the index one write of the projected item
  (two when the update changes the index keys: a delete and a put).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096


def number_size(text: str) -> int:
    """Bytes DynamoDB counts for a number: one per two significant digits, plus one."""
    digits = str(Decimal(text).normalize()).lstrip("-").replace(".", "")
    digits = digits.split("E")[0].lstrip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def value_size(value: Mapping[str, Any]) -> int:
    """Size of one attribute value in DynamoDB's wire format (``{"S": "..."}``, ...)."""
    [(kind, raw)] = value.items()
    if kind == "S":
        return len(str(raw).encode())
    if kind == "N":
        return number_size(str(raw))
    if kind == "B":
        return len(raw) if isinstance(raw, bytes | bytearray) else math.ceil(len(raw) * 3 / 4)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(member).encode()) for member in raw)
    if kind == "NS":
        return sum(number_size(str(member)) for member in raw)
    if kind == "BS":
        return sum(len(member) for member in raw)
    if kind == "L":
        return 3 + sum(1 + value_size(member) for member in raw)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + value_size(member) for name, member in raw.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def item_size(item: Mapping[str, Mapping[str, Any]] | None) -> int:
    """Size of an item in DynamoDB's wire format; 0 for no item."""
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def write_units(size: int, *, transactional: bool = False) -> int:
    """Write units of one item write (at least one, even for a missing item)."""
    units = max(1, math.ceil(size / WRITE_UNIT_BYTES))
    return units * 2 if transactional else units


def read_units(size: int, *, consistent: bool, transactional: bool = False) -> float:
    """Read units of reading ``size`` bytes at once (one item, or a Query/Scan page)."""
    units = float(max(1, math.ceil(size / READ_UNIT_BYTES)))
    if transactional:
        return units * 2
    return units if consistent else units / 2


def index_writes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, keys: tuple[str, str]
) -> int:
    """Writes a projecting index takes for an item going from ``before`` to ``after``
    (``None``: no item): one per side holding the index keys, one when both hold the same
    keys (an update in place)."""

    def indexed(item: Mapping[str, Any] | None) -> tuple[Any, ...] | None:
        if not item or any(key not in item for key in keys):
            return None
        return tuple(str(item[key]) for key in keys)

    old, new = indexed(before), indexed(after)
    if old is None and new is None:
        return 0
    if old is None or new is None or old == new:
        return 1
    return 2
