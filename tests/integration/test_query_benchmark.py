"""The query benchmark runs (at a tiny size): it measures, it asserts nothing about speed."""

from __future__ import annotations

import dataclasses
from uuid import UUID

import psycopg2
import pytest

from benchmarks import query
from infra import bootstrap
from projections import queries


def test_query_benchmark_times_history_of_a_case_with_the_requested_events_and_inspection_reports(
        stack_settings, pg_schema, unique_topic):
    settings = dataclasses.replace(stack_settings, eventsourcing_overrides={"POSTGRES_SCHEMA": pg_schema},
                                   case_events_topic=unique_topic("case"), unit_events_topic=unique_topic("unit"),
                                   projection_schema=f"{pg_schema}_views")
    result = query.run(settings, events_per_case=60, other_commands=400, history=20, reports=4, profiled=True)

    ledger = bootstrap.ledger(settings)
    try:
        assert len(ledger.recorder.select_events(UUID(result["case_id"]))) == 60
    finally:
        ledger.close()
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            trail = queries.stream_entries(cur, settings.projection_schema, result["case_id"])
            amended = {r["amendment"] for r in trail if r["amendment"]}
    finally:
        conn.close()
    assert len(trail) == 60
    assert amended == {"corrected", "voided"}  # the history has corrections to apply
    assert result["store_events"] > 60  # the case lives beside other cases
    for name, count in (("history", 20), ("history_as_of", 10), ("history_as_recorded_at", 10),
                        ("inspection", 4)):
        figures = result[name]
        assert figures["count"] == count
        assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    # Both calls were profiled (which of our modules lead the cumulative list changes as code moves).
    assert "× case_history(as_of=" in result["profile"] and "× inspection report" in result["profile"]
    assert "function calls in" in result["profile"] and "projections/" in result["profile"]


def test_percentiles_are_nearest_rank_in_milliseconds():
    figures = query.percentiles([i / 1000 for i in range(100, 0, -1)])  # 100 ms down to 1 ms
    assert figures == {"p50_ms": pytest.approx(50), "p99_ms": pytest.approx(99), "max_ms": pytest.approx(100),
                       "count": 100}
