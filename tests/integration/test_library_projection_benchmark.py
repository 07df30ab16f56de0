"""The library-runner baseline of the replay benchmark projects exactly what our read models do.

The reference is `MemoryTables` folding the events as a Kafka subscriber decodes them:
the record values the relay would publish for the same notifications.
"""

from __future__ import annotations

import dataclasses

import psycopg2
import pytest
from psycopg2 import sql

from benchmarks import library_projection
from infra import bootstrap
from infra.command_input import RawCommand
from infra.recording import apply_command
from infra.simulation import generate
from projections import registry, tablesets
from projections.decoding import Decoder
from projections.engine import MemoryTables

# SQL defaults of columns a projection may leave unwritten (MemoryTables leaves them absent).
DEFAULTS = {"corrected": False, "voided": False}


@pytest.fixture
def recorded(stack_settings, pg_schema):
    """A store holding the first 400 commands of the simulated year (past the units' opening rosters); the
    Kafka values of its events."""
    settings = dataclasses.replace(stack_settings, eventsourcing_overrides={"POSTGRES_SCHEMA": pg_schema})
    ledger = bootstrap.recording_ledger(settings)
    for i, planned in enumerate(generate(seed=2025)[:400], start=1):
        apply_command(ledger, RawCommand(i, planned.command))
    to_record = bootstrap.avro_records(settings, ledger.mapper, bootstrap.codec())
    values = [to_record(n).value for n in ledger.recorder.select_notifications(start=1, limit=1_000_000)]
    last = ledger.recorder.max_notification_id()
    ledger.close()
    yield settings, values, last
    conn = psycopg2.connect(settings.pg_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
            sql.Identifier(library_projection.library_schema(settings))))
    conn.close()


def test_library_runner_applies_every_stored_event_once_into_tables_equal_to_the_memory_fold(recorded):
    settings, values, last = recorded
    result = library_projection.measure(settings)
    assert result["events"] == len(values) > 100
    assert result["read_models"] == len(registry.names()) >= 3
    assert result["events_per_s"] > 0

    schema = result["schema"]
    decoder = Decoder()
    events = [decoder.decode_value(v) for v in values]
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            for name in registry.names():
                read_model, _ = registry.build(name, settings)
                cur.execute(sql.SQL("SELECT notification_id FROM {} WHERE application_name = 'CaseLedger'").format(
                    sql.Identifier(schema, f"library_{name}_tracking")))
                assert cur.fetchone() == (last,), name
                reference = MemoryTables(read_model).apply_events(events).rows
                if name in ("audit_trail", "case_view", "unit_occupancy"):  # fed by every first command (not
                    assert any(reference.values()), name                    # January's schooling, yet)
                for table in read_model.tables:
                    actual = tablesets.read_rows(cur, schema, table)
                    expected = reference[table.name]
                    assert set(actual) == set(expected), (name, table.name)
                    for key, row in actual.items():
                        want = {col: expected[key].get(col, DEFAULTS.get(col)) for col in row}
                        assert row == want, (name, table.name, key)
    finally:
        conn.close()


def test_a_second_measurement_starts_from_scratch(recorded):
    settings, values, _ = recorded
    first = library_projection.measure(settings, limit=30)
    second = library_projection.measure(settings, limit=30)
    assert first["events"] == second["events"] == 30
    assert first["schema"] == second["schema"]
