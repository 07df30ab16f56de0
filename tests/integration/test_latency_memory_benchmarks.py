"""The latency and memory benchmarks run the real processes (at a tiny size); they assert nothing about speed."""

from __future__ import annotations

import dataclasses

import psycopg2
import pytest

from benchmarks import latency, memory
from infra import bootstrap
from infra.command_input import RawCommand
from infra.recording import apply_command
from infra.simulation import generate
from projections import registry


def schemas_named(settings, pattern: str) -> set[str]:
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE %s", (pattern,))
            return {name for name, in cur.fetchall()}
    finally:
        conn.close()


def test_latency_benchmark_sees_every_accepted_command_in_the_case_view(stack_settings):
    before = schemas_named(stack_settings, "benchrun_latency_%")
    result = latency.run(stack_settings, rate=5, seconds=4)
    assert result["commands"] == 20 == result["accepted"] + result["refused"]
    # Every accepted command that reaches the case view (all but the unit-only ones) was seen there.
    assert result["visible"] == result["count"] == result["timed"] == result["accepted"] - result["unit_only"] > 0
    assert result["not_visible"] == 0
    assert result["changing_rows"]["count"] + result["changing_no_row"]["count"] == result["visible"]
    assert result["changing_rows"]["count"] > 0 and result["changing_no_row"]["count"] > 0
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"] <= result["max_ms"]
    # The relay's and the subscriber's steps are found for every command seen.
    assert result["stages"]["sent_by_relay"]["count"] == result["stages"]["read_by_subscriber"]["count"] \
        == result["visible"]
    assert result["achieved_rate_per_s"] > 0
    for process in ("relay", "runner"):
        assert result[process]["exit_code"] == 0  # SIGTERM: the batch in flight finished, a clean exit
        assert 0 < result[process]["steady_vmhwm_mib"] <= result[process]["peak_mib"]
    assert result["relay"]["batch"] == 1000 and result["runner"]["batch_size"] > 0
    assert schemas_named(stack_settings, "benchrun_latency_%") == before  # its store and view are dropped
    assert "p99" in latency.row(result)


@pytest.fixture
def small_store(stack_settings, pg_schema, unique_topic):
    """A store of the simulated year's first 300 commands, with topics no other test uses."""
    settings = dataclasses.replace(stack_settings, eventsourcing_overrides={"POSTGRES_SCHEMA": pg_schema},
                                   case_events_topic=unique_topic("case"), unit_events_topic=unique_topic("unit"))
    ledger = bootstrap.recording_ledger(settings)
    for i, planned in enumerate(generate(seed=2025)[:300], start=1):
        apply_command(ledger, RawCommand(i, planned.command))
    case_events = sum(1 for r in ledger.recordings if type(r.domain_event).__qualname__.startswith("Case."))
    stored = len(ledger.recordings)
    ledger.close()
    return settings, stored, case_events


def test_memory_benchmark_measures_the_relay_the_runners_and_a_rebuild_over_the_whole_store(small_store):
    settings, stored, case_events = small_store
    result = memory.run(settings)
    assert result["events"] == result["relay"]["events"] == stored > 0
    for process in ("relay", "project", "replay"):
        assert result[process]["exit_code"] == 0 and result[process]["peak_mib"] > 0, process
    # One process ran every read model to the end, each over the events of the streams it reads
    # (the case view the Case events; the others every event).
    streams = [getattr(registry.build(name, settings)[0], "streams", ("Case", "Unit")) for name in registry.names()]
    expected = sum((case_events if "Case" in s else 0) + (stored - case_events if "Unit" in s else 0) for s in streams)
    assert result["project"]["caught_up"] and result["project"]["events"] == expected
    assert result["replay"]["read_models"] == registry.names() and result["replay"]["events"] == stored
    assert result["replay"]["identical_to_runners"]  # the rebuild equals what the runners built
    assert "relay --once" in memory.row(result)
