"""The DynamoDB unit arithmetic of the scale simulation (bench/scale/units.py)."""

from __future__ import annotations

import pytest

from bench.scale import units


def test_item_size_counts_names_and_values() -> None:
    # "pk" (2) + "TENANT#t1" (9) + "n" (1) + 12345 (3 digits pairs -> 3 + 1) ... by the rules
    item = {"pk": {"S": "TENANT#t1"}, "n": {"N": "12345"}, "ok": {"BOOL": True}}
    assert units.item_size(item) == 2 + 9 + 1 + (3 + 1) + 2 + 1


def test_strings_count_utf8_bytes() -> None:
    assert units.item_size({"s": {"S": "été"}}) == 1 + 5


def test_numbers_take_a_byte_per_two_significant_digits_plus_one() -> None:
    assert units.number_size("1") == 2
    assert units.number_size("100") == 2  # one significant digit
    assert units.number_size("-12.34") == 3
    assert units.number_size("1700000000") == 2


def test_lists_and_maps_take_three_bytes_plus_one_per_element() -> None:
    nested = {"m": {"M": {"a": {"S": "xy"}, "l": {"L": [{"S": "z"}, {"NULL": True}]}}}}
    inner_list = 3 + (1 + 1) + (1 + 1)
    assert units.item_size(nested) == 1 + 3 + (1 + 1 + 2) + (1 + 1 + inner_list)


def test_write_units_round_up_per_kilobyte_and_double_in_transactions() -> None:
    assert units.write_units(0) == 1
    assert units.write_units(1024) == 1
    assert units.write_units(1025) == 2
    assert units.write_units(1025, transactional=True) == 4


def test_read_units_round_up_per_4kb_halved_when_eventually_consistent() -> None:
    assert units.read_units(4096, consistent=True) == 1
    assert units.read_units(4097, consistent=True) == 2
    assert units.read_units(4097, consistent=False) == 1
    assert units.read_units(100, consistent=False) == 0.5
    assert units.read_units(100, consistent=True, transactional=True) == 2


@pytest.mark.parametrize(
    ("before", "after", "writes"),
    [
        (None, {"gsi1pk": "a", "gsi1sk": "b"}, 1),  # put of an indexed item
        ({"gsi1pk": "a", "gsi1sk": "b"}, None, 1),  # its delete
        ({"gsi1pk": "a", "gsi1sk": "b"}, {"gsi1pk": "a", "gsi1sk": "b", "x": 1}, 1),
        ({"gsi1pk": "a", "gsi1sk": "b"}, {"gsi1pk": "a", "gsi1sk": "c"}, 2),  # key moved
        ({"x": 1}, {"x": 2}, 0),  # not in the index
        (None, {"gsi1pk": "a"}, 0),  # half a key: not indexed
    ],
)
def test_index_writes(before: dict | None, after: dict | None, writes: int) -> None:
    assert units.index_writes(before, after, ("gsi1pk", "gsi1sk")) == writes
