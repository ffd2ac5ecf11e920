"""Lambda event filtering as the local stream poller applies it (``local/filters.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from local.filters import EventFilter, FilterPatternError, pattern_matches, validate_pattern
from pellicule.config import topology


def stream_record(
    event_name: str,
    sk: str,
    *,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Lambda DynamoDB-stream record (only the fields the filters look at)."""
    keys = {"pk": {"S": "T#t1"}, "sk": {"S": sk}}
    dynamodb: dict[str, Any] = {"Keys": keys, "SequenceNumber": "1", "SizeBytes": 10}
    if new is not None:
        dynamodb["NewImage"] = {**keys, **new}
    if old is not None:
        dynamodb["OldImage"] = {**keys, **old}
    return {"eventName": event_name, "eventSource": "aws:dynamodb", "dynamodb": dynamodb}


REVOCATION = EventFilter(topology.REVOCATION_STREAM.filters)


# --- The revocation consumer's own patterns ----------------------------------------------------


def test_a_new_consent_log_entry_passes():
    assert REVOCATION.passes(stream_record("INSERT", "CONSENTLOG#2026#x", new={}))


@pytest.mark.parametrize(
    "record",
    [
        stream_record("MODIFY", "CONSENTLOG#2026#x", old={}, new={}),  # history is append-only
        stream_record("REMOVE", "CONSENTLOG#2026#x", old={}),
        stream_record("INSERT", "CONSENT#child", new={}),  # prefix, not substring
        stream_record("INSERT", "consentlog#x", new={}),  # case sensitive
        stream_record("INSERT", "MEDIA#1", new={"state": {"S": "published"}}),
    ],
)
def test_other_writes_are_filtered_out(record: dict[str, Any]):
    assert not REVOCATION.passes(record)


def test_a_change_to_a_published_media_item_passes():
    record = stream_record(
        "MODIFY", "MEDIA#1", old={"state": {"S": "published"}}, new={"state": {"S": "hidden"}}
    )
    assert REVOCATION.passes(record)


def test_a_publication_passes():
    """Publishing creates the served copies (docs/delivery.md)."""
    record = stream_record(
        "MODIFY", "MEDIA#1", old={"state": {"S": "ready"}}, new={"state": {"S": "published"}}
    )
    assert REVOCATION.passes(record)


@pytest.mark.parametrize("old", [{"state": {"S": "pending"}}, {}, {"state": {"N": "1"}}])
def test_a_change_to_an_item_never_published_is_filtered_out(old: dict[str, Any]):
    record = stream_record("MODIFY", "MEDIA#1", old=old, new={"state": {"S": "ready"}})
    assert not REVOCATION.passes(record)


def test_the_topology_patterns_are_valid():
    for pattern in topology.REVOCATION_STREAM.filters:
        validate_pattern(pattern)


# --- The matcher -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "record", "expected"),
    [
        ({"a": ["x"]}, {"a": "x"}, True),
        ({"a": ["x", "y"]}, {"a": "y"}, True),  # OR inside a list
        ({"a": ["x"]}, {"a": "xy"}, False),
        ({"a": ["x"], "b": ["y"]}, {"a": "x", "b": "z"}, False),  # AND across keys
        ({"a": ["x"]}, {}, False),  # missing field
        ({"a": {"b": ["x"]}}, {"a": {"b": "x"}}, True),  # nested
        ({"a": {"b": ["x"]}}, {"a": "x"}, False),
        ({"a": ["x"]}, {"a": ["w", "x"]}, True),  # a list field: any element
        ({"a": [5]}, {"a": 5.0}, True),  # numbers as numbers
        ({"a": ["5"]}, {"a": 5}, False),  # ...but never a string for a number
        ({"a": [True]}, {"a": 1}, False),
        ({"a": [None]}, {"a": None}, True),
        ({"a": [None]}, {}, False),
        ({"a": [{"prefix": "CON"}]}, {"a": "CONSENTLOG#1"}, True),
        ({"a": [{"prefix": "CON"}]}, {"a": "XCON"}, False),
        ({"a": [{"prefix": "1"}]}, {"a": 12}, False),  # prefix only on strings
        ({"a": [{"suffix": ".jpg"}]}, {"a": "x.jpg"}, True),
        ({"a": [{"equals-ignore-case": "Published"}]}, {"a": "PUBLISHED"}, True),
        ({"a": [{"exists": True}]}, {"a": "anything"}, True),
        ({"a": [{"exists": True}]}, {}, False),
        ({"a": [{"exists": False}]}, {}, True),
        ({"a": [{"exists": False}]}, {"a": "x"}, False),
        ({"a": {"b": [{"exists": False}]}}, {}, True),  # missing parent: child missing too
        ({"a": [{"exists": True}]}, {"a": {"S": "x"}}, True),  # exists on an object
        ({"a": [{"anything-but": ["x", "y"]}]}, {"a": "z"}, True),
        ({"a": [{"anything-but": ["x", "y"]}]}, {"a": "x"}, False),
        ({"a": [{"anything-but": "x"}]}, {"a": "y"}, True),
        ({"a": [{"anything-but": ["x"]}]}, {}, False),  # missing is not "anything"
        ({"a": [{"anything-but": {"prefix": "MEDIA#"}}]}, {"a": "CONSENT#1"}, True),
        ({"a": [{"anything-but": {"prefix": "MEDIA#"}}]}, {"a": "MEDIA#1"}, False),
        ({"a": ["x", {"prefix": "y"}]}, {"a": "yes"}, True),
    ],
)
def test_pattern_matching(pattern: dict[str, Any], record: dict[str, Any], expected: bool):
    validate_pattern(pattern)
    assert pattern_matches(pattern, record) is expected


def test_any_pattern_lets_a_record_through():
    event_filter = EventFilter([{"a": ["x"]}, {"b": ["y"]}])
    assert event_filter.passes({"b": "y"})
    assert event_filter.passes({"a": "x"})
    assert not event_filter.passes({"a": "y", "b": "x"})


def test_no_pattern_lets_everything_through():
    assert EventFilter([]).passes({"anything": 1})


@pytest.mark.parametrize(
    "pattern",
    [
        {},
        {"a": "x"},  # leaves must be lists
        {"a": []},
        {"a": [{"numeric": [">", 1]}]},  # not emulated: refused loudly
        {"a": [{"wildcard": "x*"}]},
        {"a": [{"prefix": 1}]},
        {"a": [{"exists": "yes"}]},
        {"a": [{"anything-but": []}]},
        {"a": [{"anything-but": {"suffix": "x"}}]},
        {"a": [{"prefix": "x", "suffix": "y"}]},
        {"a": [["x"]]},
        ["a"],
    ],
)
def test_invalid_or_unsupported_patterns_are_refused(pattern: Any):
    with pytest.raises(FilterPatternError):
        validate_pattern(pattern)
    with pytest.raises(FilterPatternError):
        EventFilter([pattern])
