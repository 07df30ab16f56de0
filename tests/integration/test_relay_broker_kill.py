"""The relay under load while the Kafka broker is SIGKILLed and restarted.

Reproduces issue 12's silent loss: with the broker killed mid-transaction, kafka-python expired
the batches in flight (`KafkaTimeoutError: Expiring N record(s)`), `commit_transaction()` still
committed what was left, and the relay moved its position past events that never reached the
topic. Commands keep being recorded during the whole test, so the broker dies while the relay
is mid-transaction, not on a quiet log. Afterwards every stored event must be on the topic
exactly once (read_committed), in per-stream order, with identical bytes.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from infra import stack
from infra.stack.kafka import KafkaServer
from infra.topics import ensure_topics
from tests.integration.relay_support import (
    Writers, assert_topic_equals_store, fill_store, read_topic, relay_settings, start_worker, store_events,
    wait_position,
)

pytestmark = pytest.mark.fault

KILLS = int(os.environ.get("CASELEDGER_TEST_BROKER_KILLS", "2"))
BROKER_AWAY_S = float(os.environ.get("CASELEDGER_TEST_BROKER_AWAY_S", "4"))


def kill_broker(stack_settings) -> None:
    pid = KafkaServer(stack_settings).running_pid()
    assert pid, "the test broker is not running"
    os.kill(pid, signal.SIGKILL)


# The loss needs a record to expire in the producer while its transaction is open. With the
# default bounds that takes a broker away for longer than the delivery timeout (30 s; 120 s in
# kafka-python's defaults, as in the report); short bounds make it happen in seconds.
SHORT_BOUNDS = {"CASELEDGER_RELAY_REQUEST_TIMEOUT_MS": "1000", "CASELEDGER_RELAY_DELIVERY_TIMEOUT_MS": "2000"}


@pytest.mark.parametrize("bounds", [pytest.param({}, id="default-bounds"),
                                    pytest.param(SHORT_BOUNDS, id="records-expire-while-the-broker-is-away")])
def test_relay_loses_nothing_when_the_broker_is_killed_mid_transaction_under_load(
        bounds, stack_settings, es_env, pg_schema, unique_topic, tmp_path):
    settings = relay_settings(stack_settings, unique_topic("relay"))
    ensure_topics(settings)
    fill_store(es_env, streams=100, events_per_stream=20)
    log = tmp_path / "relay.log"
    relay = start_worker(settings, pg_schema, "--batch", "200", log=log, env=bounds)
    recoveries = []
    try:
        wait_position(settings, lambda p: p > 0)  # the relay's start-up is done before the load begins
        with Writers(es_env) as writers:
            for _ in range(KILLS):
                before = wait_position(settings, lambda p: p > 0)
                kill_broker(stack_settings)
                time.sleep(BROKER_AWAY_S)
                stack.up(stack_settings, echo=lambda *_: None)
                back = time.monotonic()
                # The relay must move on within seconds of the broker's return, not after
                # kafka-python's 120 s delivery timeout.
                wait_position(settings, lambda p: p > before, timeout=200)
                recoveries.append(time.monotonic() - back)
            assert writers.rounds > 0, "no load was recorded while the broker was killed"
        head = store_events(es_env)[-1].id
        wait_position(settings, lambda p: p >= head, timeout=120)
    finally:
        relay.send_signal(signal.SIGTERM)
        code = relay.wait(timeout=60)
    assert code == 0, "SIGTERM should finish the batch and exit cleanly"
    assert_topic_equals_store(read_topic(settings, settings.case_events_topic), store_events(es_env))
    print(f"recovery after the broker's return: {[round(r, 1) for r in recoveries]} s")
