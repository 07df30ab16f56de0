"""An event Kafka refuses for what it is parks its stream only; the operator's fix releases it.

Before, a 1 MB event made the relay loop forever on MessageSizeTooLargeError, holding back every
good event behind it ("published 0 events; position 0 of 38"). The door now refuses such input,
but an event stored before a limit was lowered, or under a misconfigured topic, must still not
stop the log: the relay parks it with the later events of its stream (their order kept), goes on
with every other stream, and publishes the parked ones, in order, once the topic accepts them.
"""

from __future__ import annotations

import signal

import pytest
from eventsourcing.application import Application
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from infra.relay import read_state
from infra.topics import ensure_topics, relay_position_topic
from tests.integration.relay_support import (
    Ward, assert_topic_equals_store, as_event, fill_store, read_topic, relay_settings, start_worker,
    store_events, wait_position,
)

pytestmark = pytest.mark.fault

TOO_LARGE = 1_500_000  # over the broker's default max.message.bytes (1 MiB), under the client's 4 MiB


def add_notes(es_env: dict, ward_id, *texts: str) -> None:
    app = Application(env=es_env)
    ward = app.repository.get(ward_id)
    for text in texts:
        ward.note(text=text)
    app.save(ward)
    app.close()


def wait_state(settings, predicate, timeout: float = 60.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = read_state(settings, relay_position_topic(settings), timeout=5)
        if predicate(state):
            return state
        time.sleep(0.2)
    raise AssertionError(f"the relay state did not reach the expected value within {timeout} s")


def test_an_event_too_large_for_kafka_parks_its_stream_and_blocks_no_other(
        stack_settings, es_env, pg_schema, unique_topic, tmp_path):
    settings = relay_settings(stack_settings, unique_topic("relay"))
    ensure_topics(settings)
    fill_store(es_env, streams=50, events_per_stream=4)
    app = Application(env=es_env)
    big = Ward(number=999)
    app.save(big)
    app.close()
    add_notes(es_env, big.id, "before", "x" * TOO_LARGE, "after")
    fill_store(es_env, streams=50, events_per_stream=4)  # good events behind the bad one

    log = tmp_path / "relay.log"
    relay = start_worker(settings, pg_schema, "--batch", "100", log=log,
                         env={"CASELEDGER_RELAY_PARKED_RETRY_S": "2"})
    try:
        head = store_events(es_env)[-1].id
        wait_position(settings, lambda p: p >= head)
        state = read_state(settings, relay_position_topic(settings))
        stored = store_events(es_env)
        big_events = [n for n in stored if n.originator_id == big.id]
        assert [n.originator_version for n in big_events] == [1, 2, 3, 4]
        # The large note (version 3) and the one after it wait; the stream's first two went out.
        assert state.parked == {str(big.id): [n.id for n in big_events[2:]]}
        published = {as_event(r) for r in read_topic(settings, settings.case_events_topic)}
        assert published == {(str(n.originator_id), n.originator_version) for n in stored} - {
            (str(big.id), 3), (str(big.id), 4)}

        # The stream goes on: its new events are held back behind the parked one, in order.
        add_notes(es_env, big.id, "later")
        head = store_events(es_env)[-1].id
        state = wait_state(settings, lambda s: s.position >= head)
        assert len(state.parked[str(big.id)]) == 3

        # The operator's fix: the topic takes larger messages. The next retry publishes the stream.
        admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
        try:
            admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, settings.case_events_topic,
                                                configs={"max.message.bytes": str(4 * 1024 * 1024)})])
        finally:
            admin.close()
        wait_state(settings, lambda s: not s.parked, timeout=90)
    finally:
        relay.send_signal(signal.SIGTERM)
        code = relay.wait(timeout=60)
    assert code == 0
    assert_topic_equals_store(read_topic(settings, settings.case_events_topic), store_events(es_env))
    text = log.read_text()
    assert "relay_event_unpublishable" in text and "relay_parked_published" in text
