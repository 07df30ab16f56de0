"""A projection runner while the Kafka broker is SIGKILLed and restarted.

Found by the chaos run (benchmarks/chaos.py): after the broker came back, the relay resumed within a
second but the read models took 25–40 s to catch up. The runners' consumers kept kafka-python's default
reconnect backoff, which doubles up to 30 s between connection attempts, so a runner noticed the broker's
return up to half a minute late (the relay had the same defect, fixed in issue 12).
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from infra import stack
from infra.stack.kafka import KafkaServer
from tests.integration.projection_support import (
    expected_rows, make_topics, publish, runner, stored_offsets, view_rows, wait_for,
)
from tests.integration.test_projection_runner import a_stream, end_offsets

pytestmark = pytest.mark.fault


def test_runner_resumes_within_seconds_of_the_broker_return(stack_settings, pg_schema, unique_topic):
    settings = make_topics(stack_settings, unique_topic)
    events = a_stream(accounts=10)
    publish(settings, events[:40])
    live = runner(settings, pg_schema)
    thread = threading.Thread(target=live.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: sum(stored_offsets(settings, pg_schema).values()) == 40, "first events applied")
        pid = KafkaServer(stack_settings).running_pid()
        os.kill(pid, signal.SIGKILL)
        time.sleep(8)  # long enough for the client's reconnect backoff to grow (it doubles after each failure)
        stack.up(stack_settings, echo=lambda *_: None)
        back = time.monotonic()
        publish(settings, events[40:])
        wait_for(lambda: stored_offsets(settings, pg_schema) == end_offsets(settings), "rest applied", timeout=120)
        resumed = time.monotonic() - back
    finally:
        live.request_stop()
        thread.join(timeout=30)
    assert view_rows(settings, pg_schema) == expected_rows(events)
    assert live.applied_total == len(events)
    assert resumed < 8, f"the runner took {resumed:.1f} s after the broker's return to apply new events"
