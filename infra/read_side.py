"""The composition root's read side: Kafka clients and database connections of the projection readers.

The runners, the replay and the dead-letter tools receive these factories as
arguments (`consumers/` builds no client of its own and reads no settings);
`infra/bootstrap.py` builds the write side, the ledger and the relay.
"""

from __future__ import annotations

from typing import Sequence

import psycopg2
from kafka import KafkaConsumer, KafkaProducer

from consumers.batch import Decode
from consumers.runner import ProjectionRunner
from infra.settings import Settings
from projections.engine import Projection


def consumer_factory(settings: Settings, client_id: str = "caseledger-projection", max_poll_records: int = 2000):
    """KafkaConsumers as every projection reader needs them: read_committed, no auto-commit."""

    def make(group_id: str | None = None) -> KafkaConsumer:
        return KafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=group_id,
            client_id=client_id,
            enable_auto_commit=False,
            isolation_level="read_committed",
            # Only used when the listener could not seek yet; the offset check makes it safe.
            auto_offset_reset="earliest",
            max_poll_records=max_poll_records,
            request_timeout_ms=15000,
            session_timeout_ms=10000,
            heartbeat_interval_ms=3000,
            # The client's default backs off up to 30 s between connection attempts: a runner noticed a
            # restarted broker up to half a minute late (found by the chaos run; the relay had the same).
            reconnect_backoff_max_ms=1000,
        )

    return make


def producer_factory(settings: Settings, client_id: str = "caseledger-dead-letter"):
    """KafkaProducers for the dead-letter topic: acknowledged by every in-sync replica, idempotent."""

    def make() -> KafkaProducer:
        return KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, client_id=client_id,
                             acks="all", enable_idempotence=True, linger_ms=5,
                             request_timeout_ms=15000, max_block_ms=15000, reconnect_backoff_max_ms=1000)

    return make


def pg_connector(settings: Settings, application_name: str = "caseledger-projection"):
    """Connections to the read models' database."""

    def connect():
        # Keepalives: a database that vanishes without closing the socket is noticed in seconds.
        return psycopg2.connect(settings.pg_dsn, connect_timeout=5, application_name=application_name,
                                keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3)

    return connect


def projection_runner(settings: Settings, projection: Projection, decode: Decode, topics: Sequence[str],
                      schema: str = "projections", **kwargs) -> ProjectionRunner:
    """A runner wired to the settings' Kafka, PostgreSQL and dead-letter topic."""
    return ProjectionRunner(projection, decode, topics, schema=schema, connect_pg=pg_connector(settings),
                            make_consumer=consumer_factory(settings), make_producer=producer_factory(settings),
                            dead_letter_topic=settings.dead_letter_topic, **kwargs)
