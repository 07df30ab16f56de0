"""Benchmark data: the simulated year, recorded once into its own store and reused.

`ensure_store(settings, copies)` records `copies` × the eight MT units' year into the
PostgreSQL schema `bench_<copies>` (unless it is already there) and returns the
settings that point at it. The same seed gives the same events, so figures from
different runs are comparable.
"""

from __future__ import annotations

import dataclasses
import time

import psycopg2
from psycopg2 import sql

from infra.settings import Settings

SEED = 2025


def bench_settings(settings: Settings, copies: int) -> Settings:
    schema = f"bench_{copies}"
    return dataclasses.replace(
        settings,
        case_events_topic=f"caseledger.bench{copies}.case-events",
        unit_events_topic=f"caseledger.bench{copies}.unit-events",
        dead_letter_topic=f"caseledger.bench{copies}.dead-letter",
        projection_schema=f"bench_{copies}_projections",
        eventsourcing_overrides={**settings.eventsourcing_overrides, "POSTGRES_SCHEMA": schema},
    )


def drop_schema(settings: Settings, schema: str, recreate: bool = False) -> None:
    """Drop a benchmark schema with everything in it (and create it again, empty, with `recreate`)."""
    conn = psycopg2.connect(settings.pg_dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
            if recreate:
                cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    finally:
        conn.close()


def _marker_done(settings: Settings, schema: str) -> int | None:
    conn = psycopg2.connect(settings.pg_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        cur.execute(f'CREATE TABLE IF NOT EXISTS "{schema}".bench_marker (commands int, events int, seconds float)')
        cur.execute(f'SELECT events FROM "{schema}".bench_marker')
        row = cur.fetchone()
    conn.close()
    return None if row is None else row[0]


def ensure_store(settings: Settings, copies: int, echo=print) -> tuple[Settings, int]:
    """Settings of a store holding the simulated year × copies, and its event count."""
    bench = bench_settings(settings, copies)
    schema = bench.eventsourcing_overrides["POSTGRES_SCHEMA"]
    # One recorder per store: a second process asking for the same store waits here for the
    # first to finish, then finds the marker (instead of dropping a half-recorded store).
    guard = psycopg2.connect(settings.pg_dsn)
    guard.autocommit = True
    try:
        with guard.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (f"caseledger.bench.{schema}",))
            if not cur.fetchone()[0]:
                echo(f"another process is recording schema {schema}; waiting for it to finish")
                cur.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"caseledger.bench.{schema}",))
        return _ensure_store(settings, bench, schema, copies, echo)
    finally:
        guard.close()  # releases the lock


def _ensure_store(settings: Settings, bench: Settings, schema: str, copies: int, echo) -> tuple[Settings, int]:
    from infra import bootstrap
    from infra.command_input import RawCommand
    from infra.progress import Progress
    from infra.recording import apply_command
    from infra.simulation import generate

    events = _marker_done(settings, schema)
    if events is not None:
        return bench, events
    drop_schema(settings, schema, recreate=True)  # a half-filled store from an interrupted run starts over
    plan = generate(seed=SEED, copies=copies)
    echo(f"recording the benchmark data once: {len(plan):,} commands into schema {schema}")
    ledger = bootstrap.recording_ledger(bench)
    progress = Progress("record", total=len(plan), unit="commands")
    t0 = time.monotonic()
    for i, planned in enumerate(plan, start=1):
        apply_command(ledger, RawCommand(i, planned.command))
        progress.advance()
    progress.close()
    seconds = time.monotonic() - t0
    events = len(ledger.recordings)
    ledger.close()
    _marker_done(settings, schema)  # (re)creates the marker table
    conn = psycopg2.connect(settings.pg_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'INSERT INTO "{schema}".bench_marker VALUES (%s, %s, %s)', (len(plan), events, seconds))
    conn.close()
    return bench, events
