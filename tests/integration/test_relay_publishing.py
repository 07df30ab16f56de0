"""The relay in process, over many batches: every event once, in order, where its key says."""

from __future__ import annotations

import pytest
from eventsourcing.application import Application
from kafka.partitioner.default import murmur2

from infra import logs
from infra.relay import Relay, read_position
from infra.topics import ensure_topics, relay_position_topic
from tests.integration.relay_support import (
    assert_topic_equals_store, fill_store, plain_records, read_topic, relay_settings, store_events,
)


def run_relay(settings, es_env: dict, batch: int) -> int:
    app = Application(env=es_env)
    try:
        relay = Relay(settings, app.recorder, plain_records(settings), logs.get_logger("relay"), batch_size=batch)
        return relay.run(once=True)
    finally:
        app.close()


def test_relay_publishes_many_batches_once_each_and_resumes_after_its_position(
        stack_settings, es_env, unique_topic):
    settings = relay_settings(stack_settings, unique_topic("relay"))
    ensure_topics(settings)
    fill_store(es_env, streams=40, events_per_stream=25)  # 1,000 events: 15 full batches and a part

    assert run_relay(settings, es_env, batch=64) == 1000

    fill_store(es_env, streams=10, events_per_stream=5)
    # A new relay starts from the committed position: only the 50 new events go out.
    assert run_relay(settings, es_env, batch=64) == 50

    notifications = store_events(es_env)
    records = read_topic(settings, settings.case_events_topic)
    assert_topic_equals_store(records, notifications)
    assert read_position(settings, relay_position_topic(settings)) == notifications[-1].id
    # Each stream is in the partition any Kafka client would choose for its key.
    for r in records:
        assert r.partition == (murmur2(r.key) & 0x7FFFFFFF) % settings.topic_partitions


def test_the_relay_does_not_resume_from_a_position_read_while_a_transaction_is_completing(
        stack_settings, unique_topic):
    """Seen once under load: a commit's markers landed after the next relay had read its position,
    so it resumed one batch early and published that batch twice. A transaction still open on the
    position topic makes the relay's read fail (and retry) instead of returning the older position."""
    from kafka import KafkaProducer

    from infra.relay import POSITION_KEY, PositionUnreadable, encode_position, read_state

    settings = relay_settings(stack_settings, unique_topic("relay"))
    ensure_topics(settings)
    topic = relay_position_topic(settings)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, transactional_id=topic + ".test",
                             enable_idempotence=True, acks="all")
    producer.init_transactions()
    producer.begin_transaction()
    producer.send(topic, key=POSITION_KEY, value=encode_position(100, 100))
    producer.commit_transaction()
    producer.begin_transaction()
    producer.send(topic, key=POSITION_KEY, value=encode_position(200, 100))
    producer.flush()
    try:
        # Status may show what is committed so far; the relay must not resume from it.
        assert read_state(settings, topic, timeout=5).position == 100
        with pytest.raises(PositionUnreadable, match="still completing"):
            read_state(settings, topic, timeout=3, stable=True)
    finally:
        producer.commit_transaction()
        producer.close()
    assert read_state(settings, topic, stable=True).position == 200
