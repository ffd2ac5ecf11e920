"""Lambda event filtering (the ``FilterCriteria`` of an event source mapping), without I/O.

The local stream poller drops the records no pattern of ``topology.StreamConsumer.filters``
lets through, as Lambda does before it batches records, so a handler sees locally exactly
the records it would see in AWS. The rules (Lambda's event-filtering syntax, a subset of
EventBridge patterns):

* a pattern is a JSON object whose keys name fields of the record; a nested object descends
  into the field of the same name; every key must match (AND);
* a leaf is always a **list** of conditions, any of which may match (OR): an exact value
  (string, number, boolean, ``null``), ``{"prefix": "..."}``, ``{"suffix": "..."}``,
  ``{"exists": true|false}``, ``{"anything-but": value | [values] | {"prefix": "..."}}``,
  ``{"equals-ignore-case": "..."}``;
* when the record's field is a list, the leaf matches if any element matches;
* a field missing from the record matches only ``{"exists": false}``;
* a record passes when **any** pattern of the list matches (no pattern: every record).

Anything else (a bare scalar leaf, an empty list, an unknown operator such as ``numeric``)
raises :class:`FilterPatternError` when the patterns are compiled, as Lambda rejects such
filter criteria when the mapping is created.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

_MISSING = object()  # the record has no such field
_OPERATORS = frozenset({"prefix", "suffix", "exists", "anything-but", "equals-ignore-case"})


class FilterPatternError(ValueError):
    """A filter pattern Lambda would refuse (or one this emulation does not implement)."""


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _check_condition(condition: Any, where: str) -> None:
    if _is_scalar(condition):
        return
    if not isinstance(condition, dict) or len(condition) != 1:
        raise FilterPatternError(f"{where}: a condition is a value or a one-key operator object")
    ((operator, argument),) = condition.items()
    if operator not in _OPERATORS:
        raise FilterPatternError(f"{where}: unsupported operator {operator!r}")
    if operator in ("prefix", "suffix", "equals-ignore-case"):
        if not isinstance(argument, str):
            raise FilterPatternError(f"{where}: {operator} takes a string")
    elif operator == "exists":
        if not isinstance(argument, bool):
            raise FilterPatternError(f"{where}: exists takes true or false")
    else:  # anything-but
        _check_anything_but(argument, where)


def _check_anything_but(argument: Any, where: str) -> None:
    if isinstance(argument, dict):
        if set(argument) != {"prefix"} or not isinstance(argument["prefix"], str):
            raise FilterPatternError(f"{where}: anything-but takes values or a prefix")
    elif isinstance(argument, list):
        if not argument or not all(_is_scalar(item) for item in argument):
            raise FilterPatternError(f"{where}: anything-but takes a non-empty value list")
    elif not _is_scalar(argument):
        raise FilterPatternError(f"{where}: anything-but takes values or a prefix")


def validate_pattern(pattern: Any, where: str = "pattern") -> None:
    """Raise :class:`FilterPatternError` unless ``pattern`` is a valid (supported) pattern."""
    if not isinstance(pattern, dict) or not pattern:
        raise FilterPatternError(f"{where}: a pattern is a non-empty JSON object")
    for key, value in pattern.items():
        if not isinstance(key, str):
            raise FilterPatternError(f"{where}: keys are strings")
        here = f"{where}.{key}"
        if isinstance(value, dict):
            validate_pattern(value, here)
        elif isinstance(value, list):
            if not value:
                raise FilterPatternError(f"{here}: an empty list matches nothing")
            for condition in value:
                _check_condition(condition, here)
        else:
            raise FilterPatternError(f"{here}: leaf values must be lists")


def _same(expected: Any, actual: Any) -> bool:
    """Exact match; numbers compare as numbers, never as booleans."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected is actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return float(expected) == float(actual)
    return type(expected) is type(actual) and bool(expected == actual)


def _condition_matches(condition: Any, value: Any) -> bool:
    """One condition against one (non-list) value of the record, or ``_MISSING``."""
    if not isinstance(condition, dict):
        return value is not _MISSING and _same(condition, value)
    ((operator, argument),) = condition.items()
    if operator == "exists":
        return (value is not _MISSING) is argument
    if value is _MISSING:
        return False
    if operator == "prefix":
        return isinstance(value, str) and value.startswith(argument)
    if operator == "suffix":
        return isinstance(value, str) and value.endswith(argument)
    if operator == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == argument.casefold()
    # anything-but
    if isinstance(argument, dict):
        return isinstance(value, str) and not value.startswith(argument["prefix"])
    excluded = argument if isinstance(argument, list) else [argument]
    return not any(_same(item, value) for item in excluded)


def _leaf_matches(conditions: list[Any], value: Any) -> bool:
    if isinstance(value, list):
        if not value:
            return any(_condition_matches(c, _MISSING) for c in conditions if _is_exists(c))
        return any(_condition_matches(c, item) for c in conditions for item in value)
    if isinstance(value, dict):
        # An object where the pattern expects a value: only "exists" can say anything.
        return any(_condition_matches(c, value) for c in conditions if _is_exists(c))
    return any(_condition_matches(condition, value) for condition in conditions)


def _is_exists(condition: Any) -> bool:
    return isinstance(condition, dict) and "exists" in condition


def _matches(pattern: Mapping[str, Any], record: Any) -> bool:
    for key, expected in pattern.items():
        value = record.get(key, _MISSING) if isinstance(record, dict) else _MISSING
        if isinstance(expected, dict):
            if not _matches(expected, value if isinstance(value, dict) else {}):
                return False
        elif not _leaf_matches(expected, value):
            return False
    return True


def pattern_matches(pattern: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Does one (validated) pattern match the record (a Lambda event record, as JSON)?"""
    return _matches(pattern, record)


class EventFilter:
    """Compiled filter criteria: ``passes(record)`` when any pattern matches."""

    def __init__(self, patterns: Iterable[Mapping[str, Any]]) -> None:
        checked: list[dict[str, Any]] = []
        for index, pattern in enumerate(patterns):
            validate_pattern(pattern, f"filters[{index}]")
            checked.append(dict(pattern))
        self.patterns: tuple[dict[str, Any], ...] = tuple(checked)

    def passes(self, record: Mapping[str, Any]) -> bool:
        if not self.patterns:
            return True
        return any(_matches(pattern, record) for pattern in self.patterns)
