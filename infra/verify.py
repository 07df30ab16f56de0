"""Verification: every read model equals the fold of the event store.

The projections are built from Kafka; this folds the event store's own
notification log — encoded exactly as the relay encodes it, decoded exactly as
a subscriber decodes it — through the same pure projections in memory, and
compares the result with the live PostgreSQL tables, row by row. Equal tables
prove that nothing was lost, duplicated or reordered between the store, the
relay, the topics and the runners.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg2

from infra import bootstrap
from infra.settings import Settings


@dataclass
class ModelCheck:
    name: str
    rows: int = 0
    missing: list = field(default_factory=list)  # keys in the fold, not in PostgreSQL
    extra: list = field(default_factory=list)  # keys in PostgreSQL, not in the fold
    different: list = field(default_factory=list)  # (table, key, column, fold, postgres)

    @property
    def equal(self) -> bool:
        return not (self.missing or self.extra or self.different)


def _unwritten(value: Any) -> bool:
    # A column the fold never wrote holds its SQL default in PostgreSQL.
    return value in (None, False, 0)


def verify_projections(settings: Settings, names: list[str] | None = None, sample: int = 5) -> list[ModelCheck]:
    from projections import registry, tablesets
    from projections.decoding import make_decoder
    from projections.engine import MemoryTables

    app = bootstrap.ledger(settings)
    try:
        make = bootstrap.avro_records(settings, app.mapper, bootstrap.codec())
        values = [make(n).value for n in app.recorder.select_notifications(start=None, limit=10**9)]
    finally:
        app.close()
    decoder = make_decoder()
    events = [decoder.decode_value(v) for v in values]
    checks = []
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        for name in names or registry.names():
            projection, _decode = registry.build(name, settings)
            memory = MemoryTables(projection).apply_events(events)
            check = ModelCheck(name)
            with conn.cursor() as cur:
                for table in projection.tables:
                    live = tablesets.read_rows(cur, settings.projection_schema, table)
                    folded = memory.rows[table.name]
                    check.rows += len(live)
                    check.missing += [(table.name, k) for k in folded.keys() - live.keys()][:sample]
                    check.extra += [(table.name, k) for k in live.keys() - folded.keys()][:sample]
                    for key in folded.keys() & live.keys():
                        for column, value in live[key].items():
                            want = folded[key].get(column)
                            if column not in folded[key] and _unwritten(value):
                                continue
                            if want != value and len(check.different) < sample:
                                check.different.append((table.name, key, column, want, value))
            checks.append(check)
    finally:
        conn.close()
    return checks
