"""Ledger events on Kafka without the ledger: Avro-encoded and published the way the relay does it.

The projections of CaseLedger read Avro single-object encoded events with the
relay's headers. These helpers build example events of the real contract
(`schemas.examples`), let a test override the envelope (actor id, unit id) —
including values the door will refuse, such as a NUL character, to stand in for
an event that reached Kafka anyway — and publish them through a transactional
producer, one transaction per call, as the relay does; or abort it.
"""

from __future__ import annotations

import dataclasses
import uuid
from types import SimpleNamespace

from kafka import KafkaProducer

from infra.bootstrap import avro_records
from schemas.codec import default_codec
from schemas.events import domain_events
from schemas.examples import example_event

POISON_ACTOR = "staff\x00007"  # psycopg2: "A string literal cannot contain NUL (0x00) characters"


def a_ledger_event(event_type: str = "Case.PhoneCallHeld", *, stream: uuid.UUID | None = None, sequence: int = 1,
                   actor_id: str = "staff-007", **envelope):
    """An example event of `event_type` (every field filled), with its stream, sequence and actor set."""
    event = example_event(domain_events().get(event_type), sequence=sequence)
    event = dataclasses.replace(event, originator_id=stream or uuid.uuid4(),
                                actor=dataclasses.replace(event.actor, id=actor_id), **envelope)
    return event


def a_story(stream: uuid.UUID, events: int, poison_at: tuple[int, ...] = (), first: int = 1) -> list:
    """Phone calls on one stream (one partition), sequences from `first`; the ones at `poison_at` have a NUL actor id."""
    return [a_ledger_event(stream=stream, sequence=first + i, actor_id=POISON_ACTOR if i in poison_at else "staff-007")
            for i in range(events)]


def publish_ledger_events(settings, events: list, *, abort: bool = False) -> list:
    """Publish `events` in one Kafka transaction (aborted if told); returns the records' metadata.

    Each event is encoded with the project's codec and turned into a record by the relay's own
    function (`infra.bootstrap.avro_records`), so key, value and headers are what the relay sends.
    """
    to_record = avro_records(settings, mapper=None, codec=default_codec())
    records = [to_record(SimpleNamespace(id=i + 1, originator_id=e.originator_id,
                                         originator_version=e.originator_version, state=default_codec().encode(e)))
               for i, e in enumerate(events)]
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all",
                             enable_idempotence=True, transactional_id=f"test-{uuid.uuid4().hex[:12]}")
    try:
        producer.init_transactions()
        producer.begin_transaction()
        futures = [producer.send(r.topic, key=r.key, value=r.value, headers=r.headers) for r in records]
        producer.flush()
        sent = [f.get(timeout=30) for f in futures]
        if abort:
            producer.abort_transaction()
        else:
            producer.commit_transaction()
    finally:
        producer.close()
    return sent
