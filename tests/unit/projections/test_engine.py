"""The pure projection engine: change semantics, checks, and the in-memory reference."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from projections.engine import (
    ChangeRejected, Delete, Increment, Insert, MemoryTables, Table, Upsert, check_change, project, table_map,
)
from tests.unit.projections.toy import Accounts, an_event


def tables() -> MemoryTables:
    return MemoryTables(Accounts())


def test_upsert_creates_the_row_then_overwrites_only_the_named_columns():
    t = tables()
    t.apply_changes([Upsert("accounts", {"account": "a"}, {"status": "open", "label": "x"}),
                     Upsert("accounts", {"account": "a"}, {"label": "y"})])
    assert t.table("accounts") == {("a",): {"account": "a", "status": "open", "label": "y"}}


def test_increment_creates_the_row_with_the_deltas_then_adds_treating_null_as_zero():
    t = tables()
    t.apply_changes([Increment("accounts", {"account": "a"}, {"balance": 5}),
                     Upsert("accounts", {"account": "a"}, {"movements": None}),
                     Increment("accounts", {"account": "a"}, {"balance": 7, "movements": 1})])
    assert t.table("accounts")[("a",)] == {"account": "a", "balance": 12, "movements": 1}


def test_deleting_a_missing_row_changes_nothing():
    t = tables()
    t.apply_changes([Upsert("accounts", {"account": "a"}, {"status": "open"}), Delete("accounts", {"account": "b"})])
    assert list(t.table("accounts")) == [("a",)]


def test_an_event_whose_insert_collides_leaves_none_of_its_changes():
    t = tables()
    first = an_event("Deposited", "a", amount=5)
    t.apply_event(first)
    with pytest.raises(ChangeRejected):
        t.apply_event({**first, "amount": 99})  # same event id: the movement row collides
    assert t.table("accounts")[("a",)]["balance"] == 5, "the increment before the failed insert was kept"
    assert len(t.table("movements")) == 1


def test_a_change_on_an_undeclared_table_is_rejected():
    with pytest.raises(ChangeRejected, match="not one of"):
        check_change(Upsert("nope", {"account": "a"}), table_map(Accounts()))


def test_a_change_keyed_by_other_columns_than_the_table_is_rejected():
    with pytest.raises(ChangeRejected, match="keyed by"):
        check_change(Delete("accounts", {"label": "x"}), table_map(Accounts()))


def test_a_change_that_sets_its_own_key_column_is_rejected():
    with pytest.raises(ChangeRejected, match="sets key columns"):
        check_change(Upsert("accounts", {"account": "a"}, {"account": "b"}), table_map(Accounts()))


def test_an_insert_without_its_key_column_is_rejected():
    with pytest.raises(ChangeRejected, match="lacks key"):
        check_change(Insert("movements", {"account": "a", "amount": 1}), table_map(Accounts()))


def test_a_table_whose_ddl_does_not_create_the_versioned_table_is_refused():
    with pytest.raises(ValueError, match=r"\{table\}"):
        Table("t", key=("id",), ddl=("CREATE TABLE t (id text)",))


def test_project_checks_every_change_the_projection_returns():
    class Sloppy(Accounts):
        def apply(self, event):
            return [Upsert("accounts", {"acct": event["account"]}, {})]

    with pytest.raises(ChangeRejected):
        project(Sloppy(), an_event())


def test_a_projection_error_propagates_to_the_caller():
    with pytest.raises(ValueError, match="cannot be projected"):
        project(Accounts(), an_event("Boom"))


accounts = st.sampled_from(["a", "b", "c"])
events = st.lists(st.one_of(
    st.builds(lambda a: an_event("Opened", a), accounts),
    st.builds(lambda a, n: an_event("Deposited", a, amount=n), accounts, st.integers(-50, 50)),
    st.builds(lambda a: an_event("Closed", a), accounts),
), max_size=40)


@given(events)
def test_the_balance_is_the_sum_of_deposits_since_the_account_was_last_closed(evs):
    t = tables().apply_events(evs)
    expected: dict[str, int] = {}
    for e in evs:
        if e["type"] == "Closed":
            expected.pop(e["account"], None)
        elif e["type"] == "Deposited":
            expected[e["account"]] = expected.get(e["account"], 0) + e["amount"]
    assert {k[0]: r.get("balance", 0) for k, r in t.table("accounts").items() if "balance" in r} == expected
    assert len(t.table("movements")) == sum(e["type"] == "Deposited" for e in evs)
