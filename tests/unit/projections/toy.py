"""A toy read model for testing the projection machinery: account balances.

Neutral on purpose (the concrete read models come with the domain events). It
uses every kind of change: Upsert (opened, labelled), Increment (deposits),
Insert (one movement row per deposit, keyed by event id, so a double
application would collide) and Delete (closed). "Boom" events cannot be
projected, to exercise dead letters and stopped rebuilds.
"""

from __future__ import annotations

import json
import uuid

from projections.engine import Delete, Increment, Insert, Table, Upsert

CREATE_ACCOUNTS = """
    CREATE TABLE {table} (
        account    text    PRIMARY KEY,
        status     text,
        label      text,
        balance    bigint  NOT NULL DEFAULT 0,
        movements  integer NOT NULL DEFAULT 0
    )"""

CREATE_MOVEMENTS = """
    CREATE TABLE {table} (
        event_id  text   PRIMARY KEY,
        account   text   NOT NULL,
        amount    bigint NOT NULL
    )"""

INDEX_MOVEMENTS_BY_ACCOUNT = "CREATE INDEX ON {table} (account)"

# What SQL fills in for columns a change never wrote (MemoryTables leaves them out).
DEFAULTS = {"accounts": {"status": None, "label": None, "balance": 0, "movements": 0}, "movements": {}}


class Accounts:
    name = "accounts"
    version = 1
    tables = (
        Table("accounts", key=("account",), ddl=(CREATE_ACCOUNTS,)),
        Table("movements", key=("event_id",), ddl=(CREATE_MOVEMENTS, INDEX_MOVEMENTS_BY_ACCOUNT)),
    )

    def apply(self, event):
        kind, account = event["type"], {"account": event["account"]}
        if kind == "Opened":
            return [Upsert("accounts", account, {"status": "open"})]
        if kind == "Labelled":
            return [Upsert("accounts", account, {"label": event["label"]})]
        if kind == "Deposited":
            return [Increment("accounts", account, {"balance": event["amount"], "movements": 1}),
                    Insert("movements", {"event_id": event["event_id"], **account, "amount": event["amount"]})]
        if kind == "Closed":
            return [Delete("accounts", account)]
        if kind == "Boom":
            raise ValueError("this event cannot be projected")
        return []


class AccountsIgnoringLabels(Accounts):
    """A second version whose rebuild differs from the live tables: labels are no longer kept."""

    version = 2

    def apply(self, event):
        return [] if event["type"] == "Labelled" else super().apply(event)


class AccountsDefusingBooms(Accounts):
    """The "fixed" projection of a re-drive: a Boom now counts as a deposit of 1000."""

    def apply(self, event):
        if event["type"] == "Boom":
            return super().apply({**event, "type": "Deposited", "amount": 1000})
        return super().apply(event)


def an_event(kind: str = "Deposited", account: str = "a1", **fields) -> dict:
    """A toy event with overridable defaults (the event id is fresh unless given)."""
    defaults = {"Deposited": {"amount": 10}, "Labelled": {"label": "L"}}.get(kind, {})
    return {"type": kind, "account": account, "event_id": str(uuid.uuid4()), **defaults, **fields}


def decode(record) -> dict:
    """JSON values with the event id from the headers (the Avro decoder comes from schemas/)."""
    event = json.loads(record.value)
    headers = dict(record.headers or [])
    if "event_id" in headers:
        event["event_id"] = headers["event_id"].decode()
    return event


def as_sql_rows(memory_table: dict, table: str) -> dict:
    """MemoryTables rows with the SQL defaults filled in, for comparing with the real table."""
    return {k: {**DEFAULTS[table], **row} for k, row in memory_table.items()}
