"""The composition root: builds the ledger, the relay and their connections from settings.

Nothing else constructs a Kafka client or a database connection for these
components; everything receives what it needs from here.
"""

from __future__ import annotations

from typing import Callable

from infra.relay import Outgoing, Relay, outgoing
from infra.settings import Settings


def ensure_store_schema(settings: Settings) -> None:
    """Create the event store's PostgreSQL schema if POSTGRES_SCHEMA names one that is missing."""
    schema = settings.eventsourcing_env().get("POSTGRES_SCHEMA")
    if not schema or settings.eventsourcing_env().get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        return
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(settings.pg_dsn, connect_timeout=5)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    finally:
        conn.close()


def ledger(settings: Settings):
    """The CaseLedger application on the configured event store."""
    from infra.ledger import CaseLedger

    ensure_store_schema(settings)
    return CaseLedger(env=settings.eventsourcing_env())


def codec():
    from schemas.codec import default_codec

    return default_codec()


def avro_records(settings: Settings, mapper, codec) -> Callable[[object], Outgoing]:
    """Stored notification → Kafka record: Avro single-object value, key = stream id."""
    from schemas.records import event_id

    def make(notification) -> Outgoing:
        event = mapper.to_domain_event(notification)
        event_type = codec.events.of(event)
        value = codec.encode(event)
        topic = settings.unit_events_topic if event_type.aggregate.__name__ == "Unit" else settings.case_events_topic
        return outgoing(
            topic, notification, value=value,
            event_id=str(event_id(notification.originator_id, notification.originator_version)),
            event_type=event_type.name,
            fingerprint=value[2:10].hex(),
            occurred_at=event.occurred_at.isoformat(),
            recorded_at=event.timestamp.isoformat(),
        )

    return make


def relay(settings: Settings, log, batch_size: int = 1000, app=None) -> Relay:
    app = app or ledger(settings)
    return Relay(settings, app.recorder, avro_records(settings, app.mapper, codec()), log, batch_size=batch_size)


def recording_ledger(settings: Settings, env: dict | None = None):
    """The ledger, keeping the recordings of each save so the CLI can report event ids."""
    from infra.ledger import CaseLedger

    class RecordingLedger(CaseLedger):
        name = CaseLedger.name  # same tables as the plain ledger

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.recordings: list = []

        def save(self, *objs, **kwargs):
            recordings = super().save(*objs, **kwargs)
            self.recordings.extend(recordings)
            return recordings

    if env is None:
        ensure_store_schema(settings)
    return RecordingLedger(env=settings.eventsourcing_env() if env is None else env)
