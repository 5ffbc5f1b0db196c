"""The import's maps of integers: the latest entries in memory, the others in a private table
on disk, read back as one map in the order their keys were first given."""

from __future__ import annotations

import pytest

from editorial.seen_keys import SeenKeys, SpillingMap


@pytest.fixture
def spilling(monkeypatch, tmp_path):
    monkeypatch.setattr("editorial.seen_keys.IN_MEMORY", 3)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    mapping = SpillingMap()
    yield mapping
    mapping.close()


def test_a_map_past_its_memory_is_one_map_in_the_order_keys_came(spilling, tmp_path):
    for key in (50, 10, 40, 20, 30, 60, 70):  # the first six go to the table in two writes
        spilling.add(key, key + 1)
    assert spilling.table is not None and len(spilling.recent) == 1
    assert list(tmp_path.iterdir()) == []  # the table's file is deleted once opened
    spilling.add(10, 99)  # in the table: the first value stays, no second entry
    spilling.add(70, 99)  # in memory: the same
    assert len(spilling) == 7
    assert list(spilling.items()) == [(k, k + 1) for k in (50, 10, 40, 20, 30, 60, 70)]
    assert list(spilling) == [50, 10, 40, 20, 30, 60, 70]
    assert spilling[20] == 21 and spilling.get(80) is None
    assert 20 in spilling and 70 in spilling and 80 not in spilling and "20" not in spilling
    with pytest.raises(KeyError):
        spilling[80]
    spilling.close()
    assert len(spilling) == 0 and spilling.get(20) is None


def test_seen_keys_name_the_row_that_gave_a_key_first(spilling):
    seen = SeenKeys()
    for row, key in enumerate(["a", "b", "c", "d", "e"], start=2):
        assert seen.row_of(key) is None
        seen.add(key, row)
    seen.add("a", 9)
    assert [seen.row_of(key) for key in "abcdef"] == [2, 3, 4, 5, 6, None]
    seen.close()
