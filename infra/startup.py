"""Starting a long-running process while a server it needs is down: wait, with backoff and a log line.

A deployment starts `relay` and `project` as services; PostgreSQL or Kafka may come up after them,
or be restarting at that moment. Exiting would leave every deployment needing an outside
supervisor just to try again, so the long-running modes wait instead (0.5 s doubling to 10 s),
saying what they wait for and why at each attempt. The one-shot modes (`relay --once`,
`project --until-caught-up`) still fail fast: a person is waiting for their answer.
"""

from __future__ import annotations

import threading
from typing import Callable, TypeVar

T = TypeVar("T")


def server_away(exc: BaseException) -> str | None:
    """Which server the exception says is not there ("postgres" or "kafka"); None for anything else
    (a defect or bad input). The one place that knows the drivers' ways of saying it."""
    import psycopg2
    from eventsourcing.persistence import InterfaceError, OperationalError
    from kafka.errors import KafkaConnectionError, KafkaTimeoutError, MetadataEmptyBrokerList

    from infra.relay import PositionUnreadable

    if isinstance(exc, (psycopg2.OperationalError, OperationalError, InterfaceError)):
        return "postgres"
    if isinstance(exc, (KafkaConnectionError, KafkaTimeoutError, MetadataEmptyBrokerList, PositionUnreadable)):
        return "kafka"
    return None


def wait_until_available(start: Callable[[], T], log, stop: threading.Event, what: str,
                         first_backoff: float = 0.5, max_backoff: float = 10.0) -> T | None:
    """`start()`'s result, retried while a server is unavailable. None if stopped meanwhile."""
    backoff, attempts = first_backoff, 0
    while not stop.is_set():
        try:
            result = start()
        except Exception as exc:
            if server_away(exc) is None:
                raise
            attempts += 1
            log.warning("waiting_for_servers", starting=what, attempt=attempts, error_class=type(exc).__name__,
                        error=str(exc)[:200], retry_in_s=backoff,
                        to_do="start them (`caseledger stack up` locally); this process goes on by itself")
            stop.wait(backoff)
            backoff = min(backoff * 2, max_backoff)
            continue
        if attempts:
            log.info("servers_available", starting=what, attempts=attempts + 1)
        return result
    return None
