"""The Kafka topics CaseLedger owns, created with explicit configuration.

Events are kept forever (`retention.ms=-1`): the topic is the published
history that subscribers and replays read from the beginning. Partitions,
replication factor and min ISR come from settings: 1/1 locally, RF 3 and
min ISR 2 in production (so an acks=all write survives one broker loss).
"""

from __future__ import annotations

from dataclasses import dataclass

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from infra.settings import Settings


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    configs: dict[str, str]


def relay_position_topic(settings: Settings) -> str:
    """Where the relay commits its position, in the same Kafka transaction as the events."""
    return f"{settings.case_events_topic}.relay-position"


def ledger_topics(settings: Settings) -> list[TopicSpec]:
    forever = {
        "retention.ms": "-1",
        "retention.bytes": "-1",
        "min.insync.replicas": str(settings.topic_min_insync_replicas),
    }
    return [
        TopicSpec(settings.case_events_topic, settings.topic_partitions, forever),
        TopicSpec(settings.unit_events_topic, settings.topic_partitions, forever),
        TopicSpec(settings.dead_letter_topic, 1, forever),
        # One partition, compacted: only the latest position matters, and it must be totally ordered.
        TopicSpec(relay_position_topic(settings), 1,
                  {**forever, "cleanup.policy": "compact"}),
    ]


def ensure_topics(settings: Settings, specs: list[TopicSpec] | None = None) -> list[str]:
    """Create the topics that do not exist yet. Returns the names created."""
    specs = ledger_topics(settings) if specs is None else specs
    # A broker that is not there is said within 10 s (the client's default waits 30 s).
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers,
                             client_id="caseledger-topics", request_timeout_ms=15000,
                             bootstrap_timeout_ms=10_000, reconnect_backoff_max_ms=1000)
    try:
        existing = set(admin.list_topics())
        todo = [s for s in specs if s.name not in existing]
        created = []
        for spec in todo:
            try:
                admin.create_topics([NewTopic(spec.name, spec.partitions, settings.topic_replication_factor,
                                              topic_configs=spec.configs)])
                created.append(spec.name)
            except TopicAlreadyExistsError:  # created meanwhile by another process
                pass
        return created
    finally:
        admin.close()
