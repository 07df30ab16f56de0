"""The composition root: builds the ledger, the relay, the projection readers and their connections from settings.

Nothing else constructs a Kafka client or a database connection for these
components; everything receives what it needs from here. The runners, the
replay and the dead-letter tools receive the read side's factories
(`consumer_factory`, `producer_factory`, `pg_connector`) as arguments:
`consumers/` builds no client of its own and reads no settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

from infra.relay import Outgoing, Relay, outgoing
from infra.settings import Settings

if TYPE_CHECKING:
    from kafka import KafkaConsumer, KafkaProducer

    from consumers.batch import Decode
    from consumers.runner import ProjectionRunner
    from projections.engine import Projection


def ensure_store_schema(settings: Settings) -> None:
    """Create the event store's PostgreSQL schema if POSTGRES_SCHEMA names one that is missing.

    Under the advisory lock the event store takes to create its tables: processes starting at
    once would otherwise collide in the catalogue (`CREATE SCHEMA IF NOT EXISTS` is not safe
    against a concurrent one).
    """
    from infra.settings import EVENT_STORE

    env = settings.eventsourcing_env()
    schema = env.get("POSTGRES_SCHEMA")
    if not schema or env.get("PERSISTENCE_MODULE") not in (EVENT_STORE, "eventsourcing.postgres"):
        return
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(settings.pg_dsn, connect_timeout=settings.pg_connect_timeout_s,
                            **settings.pg_write_options)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"caseledger.create_table.{schema}",))
            cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    finally:
        conn.close()


def prepare_store(settings: Settings) -> dict[str, str]:
    """Make the event store's tables as the owner, then return the environment the ledger's own
    sessions use: the writer role (SELECT/INSERT only, infra/stack/roles.py) when the stack made it."""
    ensure_store_schema(settings)
    env = settings.writer_env()
    if env["POSTGRES_USER"] != settings.pg_user:
        from eventsourcing.utils import Environment

        from application.ledger import CaseLedger
        from infra.persistence.event_store import PostgresStore

        from infra.persistence.keys import prepare_key_store

        owner = PostgresStore(Environment(CaseLedger.name, settings.eventsourcing_env()))
        try:
            owner.application_recorder()  # creates what is missing and grants the writer
        finally:
            owner.close()
        prepare_key_store(pg_connector(settings, "caseledger-keys-setup"), env["POSTGRES_USER"])
    return env


def ledger(settings: Settings):
    """The CaseLedger application on the configured event store, writing as the writer role."""
    from application.ledger import CaseLedger

    return CaseLedger(env=prepare_store(settings))


def codec():
    from schemas.codec import default_codec

    return default_codec()


def avro_records(settings: Settings, mapper, codec, chains=None) -> Callable[[object], Outgoing]:
    """Stored notification → Kafka record: value = the stored bytes, key = stream id.

    The store holds each event's Avro single-object encoding (`infra.persistence.mapper`), validated
    when it was written, so the value is copied as it is. The headers come from the
    fingerprint (event type) and the leading fields of the envelope, which opens every
    record (event id, occurred-at, recorded-at): only those bytes are read (`Codec.peek`).
    A row stored before the store held Avro (JSON state) is decoded and encoded first.
    With `chains` (`infra/tamper/chain.py`), each record names its stream's previous leaf (not for
    such a re-encoded row: its value is not the stored bytes its leaf commits to).
    """
    from schemas.codec import MARKER

    case_topic, unit_topic = settings.case_events_topic, settings.unit_events_topic
    topics: dict[str, str] = {}

    def topic_of(event_type: str) -> str:
        if event_type not in topics:
            aggregate = codec.events.get(event_type).aggregate.__name__
            topics[event_type] = unit_topic if aggregate == "Unit" else case_topic
        return topics[event_type]

    def make(notification) -> Outgoing:
        value = bytes(notification.state)
        stored = value[:2] == MARKER
        if not stored:
            value = codec.encode(mapper.to_domain_event(notification))
        head = codec.peek(value)
        # The head peeked once serves the leaf too (measured: a second peek was half the chain's cost).
        previous = chains.link(notification, head)[0] if chains is not None and stored else None
        return outgoing(
            topic_of(head.event_type), notification, value=value,
            event_id=head.event_id,
            event_type=head.event_type,
            fingerprint=head.writer.fingerprint_hex,
            occurred_at=head.occurred_at.isoformat(),
            recorded_at=head.recorded_at.isoformat(),
            previous_leaf=previous,
        )

    return make


def relay(settings: Settings, log, batch_size: int = 1000, app=None) -> Relay:
    from infra.tamper.chain import StreamChains, store_history

    app = app or ledger(settings)
    c = codec()
    chains = StreamChains(store_history(app.recorder), c.peek) if settings.relay_chain_headers else None
    return Relay(settings, app.recorder, avro_records(settings, app.mapper, c, chains), log, batch_size=batch_size)


def recording_ledger(settings: Settings, env: dict | None = None):
    """The ledger, keeping the recordings of each save so the CLI can report event ids."""
    from application.ledger import CaseLedger

    class RecordingLedger(CaseLedger):
        name = CaseLedger.name  # same tables as the plain ledger

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.recordings: list = []

        def save(self, *objs, **kwargs):
            recordings = super().save(*objs, **kwargs)
            self.recordings.extend(recordings)
            return recordings

    return RecordingLedger(env=prepare_store(settings) if env is None else env)


# -- the read side: projection readers ---------------------------------------------------------


def install_keys(settings: Settings) -> None:
    """The process's key service (infra/persistence/keys.py): the read side opens the few personal values
    its read models are allowed (projections/decoding.py) with the ledger's keys."""
    from infra.persistence.keys import key_service_from_env

    key_service_from_env(settings.eventsourcing_env())


def consumer_factory(settings: Settings, client_id: str = "caseledger-projection", max_poll_records: int = 2000):
    """KafkaConsumers as every projection reader needs them: read_committed, no auto-commit."""
    install_keys(settings)  # every read-side process makes its consumers here
    from kafka import KafkaConsumer

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
    from kafka import KafkaProducer

    def make() -> KafkaProducer:
        return KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, client_id=client_id,
                             acks="all", enable_idempotence=True, linger_ms=5,
                             request_timeout_ms=15000, max_block_ms=15000, reconnect_backoff_max_ms=1000)

    return make


def pg_connector(settings: Settings, application_name: str = "caseledger-projection"):
    """Connections to the read models' database."""
    import psycopg2

    def connect():
        # Keepalives: a database that vanishes without closing the socket is noticed in seconds.
        return psycopg2.connect(settings.pg_dsn, connect_timeout=5, application_name=application_name,
                                keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3)

    return connect


def reader_connector(settings: Settings, units, application_name: str = "caseledger-query"):
    """Connections of a query acting for a principal: the reader role (SELECT only, not the tables'
    owner), its row-level security scoped to `units` — the principal's unit ids, or "*" for a
    state-wide reader (projections/row_security.py). The scope is set once per connection, so a
    connection serves one principal."""
    import psycopg2

    from projections.row_security import UNITS_SETTING, units_setting

    scope = units_setting(units)
    role = settings.pg_role("reader")

    def connect():
        conn = psycopg2.connect(settings.pg_dsn_for(role), connect_timeout=5, application_name=application_name)
        with conn, conn.cursor() as cur:
            cur.execute("SELECT set_config(%s, %s, false)", (UNITS_SETTING, scope))
        return conn

    return connect


def projection_runner(settings: Settings, projection: Projection, decode: Decode, topics: Sequence[str],
                      schema: str = "projections", **kwargs) -> ProjectionRunner:
    """A runner wired to the settings' Kafka, PostgreSQL and dead-letter topic."""
    from consumers.runner import ProjectionRunner

    from infra.tamper.chain import consumer_chain_check

    kwargs.setdefault("chain", consumer_chain_check())
    return ProjectionRunner(projection, decode, topics, schema=schema, connect_pg=pg_connector(settings),
                            make_consumer=consumer_factory(settings), make_producer=producer_factory(settings),
                            dead_letter_topic=settings.dead_letter_topic, **kwargs)
