"""Fault tests of the relay with real processes: kill -9 the relay, stop the broker.

After each, the whole topic is read back and compared with the event store:
same events, exactly once (read_committed), per-stream order preserved.
"""

from __future__ import annotations

import os
import signal

import pytest

from consumers.stream_check import StreamChecker, Verdict
from infra import stack
from infra.stack.kafka import KafkaServer
from infra.topics import ensure_topics
from tests.integration.relay_support import (
    assert_topic_equals_store, fill_store, read_topic, relay_settings, start_worker, store_events,
    wait_for_log_line, wait_position,
)

pytestmark = pytest.mark.fault


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_relay_killed_mid_batch_resumes_with_every_event_exactly_once(
        attempt, stack_settings, es_env, pg_schema, unique_topic, tmp_path):
    settings = relay_settings(stack_settings, unique_topic("relay"))
    ensure_topics(settings)
    fill_store(es_env, streams=300, events_per_stream=60)  # 18,000 events
    total = len(store_events(es_env))

    first = start_worker(settings, pg_schema, "--batch", "3000", log=tmp_path / "relay.log")
    reached = wait_position(settings, lambda p: p > 0)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert reached < total, "the relay finished before it could be killed; the test proves nothing"

    second = start_worker(settings, pg_schema, "--once", log=tmp_path / "relay.log")
    assert second.wait(timeout=180) == 0

    notifications = store_events(es_env)
    assert_topic_equals_store(read_topic(settings, settings.case_events_topic), notifications)

    # A subscriber reading uncommitted data may meet the killed batch's aborted records:
    # each is identical to its committed twin and flagged as a duplicate by event id.
    check = StreamChecker()
    uncommitted = read_topic(settings, settings.case_events_topic, isolation="read_uncommitted")
    for record in sorted(uncommitted, key=lambda r: (r.partition, r.offset)):
        check.observe(record.headers)
    assert {f.verdict for f in check.findings} <= {Verdict.DUPLICATE}
    assert check.open_gaps() == {}


def test_relay_rides_out_a_broker_restart_mid_stream(stack_settings, es_env, pg_schema, unique_topic, tmp_path):
    settings = relay_settings(stack_settings, unique_topic("relay"))
    ensure_topics(settings)
    fill_store(es_env, streams=200, events_per_stream=50)  # 10,000 events
    relay = start_worker(settings, pg_schema, "--batch", "1000", log=tmp_path / "relay.log")
    try:
        wait_position(settings, lambda p: p > 0)
        KafkaServer(stack_settings).stop()
        # Events keep being recorded while the broker is away.
        fill_store(es_env, streams=50, events_per_stream=20)
        # It waits (or backs off) with a log line, rather than dying or spinning silently.
        wait_for_log_line(tmp_path / "relay.log", "relay_waiting_for_kafka", "relay_kafka_unavailable")
        assert relay.poll() is None, "the relay died when the broker went away"
        stack.up(stack_settings)
        total = len(store_events(es_env))
        wait_position(settings, lambda p: p >= store_events(es_env)[-1].id, timeout=120)
    finally:
        relay.send_signal(signal.SIGTERM)
        code = relay.wait(timeout=60)
    assert code == 0, "SIGTERM should finish the batch and exit cleanly"
    assert_topic_equals_store(read_topic(settings, settings.case_events_topic), store_events(es_env))
    assert total == 11_000
