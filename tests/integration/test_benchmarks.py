"""The benchmarks run (at a tiny size): they measure, they assert nothing about speed."""

from __future__ import annotations

import dataclasses

from benchmarks import append, relay
from infra import bootstrap
from infra.command_input import RawCommand
from infra.recording import apply_command
from infra.simulation import generate


def test_append_benchmark_stores_the_same_events_in_both_arms(stack_settings):
    result = append.run(stack_settings, commands=150)
    assert result["commands"] == 150
    assert result["events"] >= 150
    assert result["ledger_events_per_s"] > 0 and result["baseline_events_per_s"] > 0
    assert "profile" not in result


def test_append_benchmark_profiles_the_ledger_arm_on_request(stack_settings):
    result = append.run(stack_settings, commands=20, profile=True)
    assert "function calls" in result["profile"] and "Ordered by: internal time" in result["profile"]
    assert result["ledger_cpu_ms_per_event"] > 0 and result["baseline_cpu_ms_per_event"] > 0


def test_relay_benchmark_publishes_every_stored_event_in_both_arms(stack_settings, es_env, pg_schema, unique_topic):
    settings = dataclasses.replace(stack_settings, eventsourcing_overrides={"POSTGRES_SCHEMA": pg_schema})
    ledger = bootstrap.recording_ledger(settings)
    for i, planned in enumerate(generate(seed=2025)[:120], start=1):
        apply_command(ledger, RawCommand(i, planned.command))
    stored = len(ledger.recordings)
    ledger.close()
    result = relay.run(settings, batch=50)
    assert result["events"] == stored > 0
    assert result["relay_events_per_s"] > 0 and result["baseline_events_per_s"] > 0


def test_replay_benchmark_rebuilds_every_read_model_from_the_events_it_published(stack_settings, pg_schema,
                                                                                  unique_topic):
    from benchmarks import replay

    settings = dataclasses.replace(stack_settings, eventsourcing_overrides={"POSTGRES_SCHEMA": pg_schema},
                                   case_events_topic=unique_topic("case"), unit_events_topic=unique_topic("unit"),
                                   projection_schema=f"{pg_schema}_views")
    ledger = bootstrap.recording_ledger(settings)
    for i, planned in enumerate(generate(seed=2025)[:80], start=1):
        apply_command(ledger, RawCommand(i, planned.command))
    stored = len(ledger.recordings)
    ledger.close()
    result = replay.run(settings, workers=2)
    assert result["events"] == stored > 0
    assert result["read_models"] >= 3 and result["rebuild_events_per_s"] > 0
    assert result["rows"]["audit_entries"] == stored  # one audit row per event: every event was rebuilt
    # The library's own mechanism ran on the same log (all of it, at this size).
    assert result["library_events"] == stored and result["library_events_per_s"] > 0
