"""A batch folded into net changes does to the tables exactly what its changes do one by one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from projections.engine import ChangeRejected, Delete, Increment, Insert, MemoryTables, Table, Upsert
from projections.netting import NotNettable, as_changes, net_changes


class Counters:
    name = "counters"
    version = 1
    tables = (Table("counters", key=("k",), ddl=("CREATE TABLE {table} (k int PRIMARY KEY, a int, b int, c text)",)),)

    def apply(self, event):
        return event


TABLES = {t.name: t for t in Counters.tables}
keys = st.integers(0, 3)
columns = st.sampled_from(["a", "b"])
change = st.one_of(
    st.builds(lambda k, vals: Upsert("counters", {"k": k}, vals),
              keys, st.dictionaries(st.sampled_from(["a", "b", "c"]), st.one_of(st.none(), st.integers(-5, 5)),
                                    max_size=3).map(lambda d: {c: (str(v) if c == "c" else v) for c, v in d.items()})),
    st.builds(lambda k, vals: Increment("counters", {"k": k}, vals),
              keys, st.dictionaries(columns, st.integers(-5, 5), min_size=1, max_size=2)),
    st.builds(lambda k, a: Insert("counters", {"k": k, "a": a}), keys, st.integers(-5, 5)),
    st.builds(lambda k: Delete("counters", {"k": k}), keys),
)


def sequentially(before: list, batch: list) -> MemoryTables | None:
    tables = MemoryTables(Counters())
    tables.apply_changes(before)
    try:
        tables.apply_changes(batch)
    except ChangeRejected:
        return None
    return tables


def netted(before: list, batch: list) -> MemoryTables | None:
    tables = MemoryTables(Counters())
    tables.apply_changes(before)
    try:
        nets = net_changes(batch, TABLES)
    except NotNettable:  # the caller writes such a batch change by change
        return sequentially(before, batch)
    except ChangeRejected:
        return None
    try:
        tables.apply_changes([c for key, net in nets.get("counters", {}).items()
                              for c in as_changes("counters", ("k",), key, net)])
    except ChangeRejected:
        return None
    return tables


@settings(max_examples=400, deadline=None)
@given(before=st.lists(st.builds(lambda k, a, b: Upsert("counters", {"k": k}, {"a": a, "b": b}),
                                 keys, st.integers(-5, 5), st.integers(-5, 5)), max_size=4),
       batch=st.lists(change, max_size=12))
def test_a_netted_batch_leaves_the_same_rows_as_its_changes_applied_one_by_one(before, batch):
    one_by_one, folded = sequentially(before, batch), netted(before, batch)
    # Both refuse the same batches (a duplicate insert), and otherwise agree row for row.
    assert (one_by_one is None) == (folded is None)
    if one_by_one is not None:
        assert folded.table("counters") == one_by_one.table("counters")


def test_a_batch_nets_to_one_change_per_row():
    batch = [Upsert("counters", {"k": 1}, {"a": 1}), Increment("counters", {"k": 1}, {"a": 2, "b": 5}),
             Upsert("counters", {"k": 1}, {"c": "x"}), Upsert("counters", {"k": 2}, {"a": 7})]
    nets = net_changes(batch, TABLES)["counters"]
    assert sorted(nets) == [(1,), (2,)]
    assert nets[(1,)].upsert == {"a": 3, "c": "x"} and nets[(1,)].increment == {"b": 5}


def test_a_delete_after_an_insert_cannot_be_netted_since_the_insert_must_still_be_checked():
    with pytest.raises(NotNettable):
        net_changes([Insert("counters", {"k": 1, "a": 2}), Delete("counters", {"k": 1})], TABLES)
    # After a delete in the same batch the insert cannot collide, so the pair nets.
    nets = net_changes([Delete("counters", {"k": 1}), Insert("counters", {"k": 1, "a": 2}),
                        Delete("counters", {"k": 1})], TABLES)["counters"]
    assert nets[(1,)].deleted and nets[(1,)].insert is None


def test_an_insert_over_a_row_created_in_the_same_batch_is_refused():
    with pytest.raises(ChangeRejected, match="duplicate key"):
        net_changes([Upsert("counters", {"k": 1}, {"a": 1}), Insert("counters", {"k": 1, "a": 2})], TABLES)
