"""The schema catalogue on Kafka: every schema version, keyed by fingerprint.

Topic: `settings.schema_catalogue_topic` (default `caseledger.schemas`), one
partition, `cleanup.policy=compact`, `retention.ms=-1`: compaction keeps the
last record per key forever, so the topic is a complete, never-expiring map
fingerprint → schema.

Record key: the fingerprint as 16 lowercase hex characters, in wire order (the
8 bytes after `C3 01` in a message, hex-encoded). Record value: UTF-8 JSON
`{"event_type", "version", "fingerprint", "schema"}` where `schema` is the .avsc
document. Two versions that differ only in docs share a fingerprint; the later
one wins, which is harmless: they decode identically.

A consumer that meets an unknown fingerprint calls `fetch_schema`, or gives a
`CatalogueLookup` to `schemas.codec.Codec(fallback=...)`.

Nothing here reads settings or connects at import time; callers pass the
bootstrap servers and topic (from `infra.settings.Settings`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from schemas.errors import CatalogueError, UnknownSchemaError
from schemas.store import SchemaStore, SchemaVersion

CATALOGUE_CONFIGS = {
    "cleanup.policy": "compact",
    "retention.ms": "-1",
    "retention.bytes": "-1",
}


@dataclass(frozen=True)
class CatalogueEntry:
    """One record of the catalogue topic."""

    event_type: str
    version: int
    fingerprint: str
    schema: dict

    def to_value(self) -> bytes:
        return json.dumps(
            {"event_type": self.event_type, "version": self.version, "fingerprint": self.fingerprint,
             "schema": self.schema},
            ensure_ascii=False, separators=(",", ":"),
        ).encode("utf-8")

    @classmethod
    def from_version(cls, version: SchemaVersion) -> "CatalogueEntry":
        return cls(version.event_type, version.version, version.fingerprint_hex, version.schema)

    @classmethod
    def from_value(cls, value: bytes) -> "CatalogueEntry":
        doc = json.loads(value.decode("utf-8"))
        return cls(doc["event_type"], int(doc["version"]), doc["fingerprint"], doc["schema"])


def ensure_catalogue_topic(
    bootstrap_servers: str, topic: str, *, replication_factor: int = 1, min_insync_replicas: int = 1
) -> bool:
    """Create the compacted catalogue topic if missing (True if created).

    An existing topic must be compacted with infinite retention; otherwise
    CatalogueError says what to change (a deleting topic would lose schemas).
    """
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="caseledger-schemas",
                             request_timeout_ms=15000)
    try:
        configs = {**CATALOGUE_CONFIGS, "min.insync.replicas": str(min_insync_replicas)}
        try:
            admin.create_topics([NewTopic(topic, 1, replication_factor, topic_configs=configs)])
            return True
        except TopicAlreadyExistsError:
            pass
        actual = topic_configs(admin, topic, ConfigResource, ConfigResourceType)
        wrong = {k: actual.get(k) for k, v in CATALOGUE_CONFIGS.items() if actual.get(k) != v}
        if wrong:
            raise CatalogueError(
                f"topic {topic} exists with {wrong}; the schema catalogue needs {CATALOGUE_CONFIGS}. "
                f"Fix it with kafka-configs.sh --alter --entity-type topics --entity-name {topic} --add-config ..."
            )
        return False
    finally:
        admin.close()


def topic_configs(admin: Any, topic: str, ConfigResource: Any = None, ConfigResourceType: Any = None) -> dict[str, str]:
    """The effective configuration of `topic` (name → value), defaults included."""
    if ConfigResource is None:
        from kafka.admin import ConfigResource, ConfigResourceType
    result = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)], config_filter="all")
    out: dict[str, str] = {}
    for by_name in result.values():
        for name, configs in by_name.items():
            if name != topic:
                continue
            for key, data in configs.items():
                out[key] = data.get("value") if isinstance(data, dict) else data
    return out


def publish_schemas(
    store: SchemaStore, *, bootstrap_servers: str, topic: str,
    replication_factor: int = 1, min_insync_replicas: int = 1,
) -> list[CatalogueEntry]:
    """Write every schema version of `store` to the catalogue topic (idempotent producer, acks=all)."""
    from kafka import KafkaProducer

    ensure_catalogue_topic(bootstrap_servers, topic, replication_factor=replication_factor,
                           min_insync_replicas=min_insync_replicas)
    entries = [CatalogueEntry.from_version(v) for v in store.all_versions()]
    producer = KafkaProducer(bootstrap_servers=bootstrap_servers, client_id="caseledger-schemas",
                             acks="all", enable_idempotence=True, linger_ms=5)
    try:
        futures = [producer.send(topic, key=e.fingerprint.encode("ascii"), value=e.to_value()) for e in entries]
        producer.flush(timeout=30)
        for future in futures:
            future.get(timeout=30)  # raises if a write failed
    finally:
        producer.close(timeout=10)
    return entries


def read_catalogue(bootstrap_servers: str, topic: str, *, timeout_s: float = 15.0) -> dict[str, CatalogueEntry]:
    """Every entry of the catalogue topic, fingerprint hex → entry (the last record per key wins)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap_servers, client_id="caseledger-schemas-reader",
                             enable_auto_commit=False, request_timeout_ms=int(max(timeout_s, 1) * 1000) + 1000)
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise CatalogueError(f"schema catalogue topic {topic} does not exist; run `caseledger schemas publish`")
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        entries: dict[str, CatalogueEntry] = {}
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise CatalogueError(f"timed out after {timeout_s}s reading schema catalogue topic {topic}")
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    if record.key is None:
                        continue
                    key = record.key.decode("ascii")
                    if record.value is None:  # tombstone
                        entries.pop(key, None)
                    else:
                        entries[key] = CatalogueEntry.from_value(record.value)
        return entries
    finally:
        consumer.close()


def fetch_schema(fingerprint: bytes, *, bootstrap_servers: str, topic: str, timeout_s: float = 15.0) -> CatalogueEntry:
    """The catalogue entry for `fingerprint`; UnknownSchemaError if the topic does not hold it."""
    entry = read_catalogue(bootstrap_servers, topic, timeout_s=timeout_s).get(fingerprint.hex())
    if entry is None:
        raise UnknownSchemaError(fingerprint, f"not in the schema catalogue topic {topic} either")
    return entry


class CatalogueLookup:
    """A `Codec` fallback that fetches unknown fingerprints from the catalogue topic.

    `Codec(store, fallback=CatalogueLookup(servers, topic))`: the codec calls it
    only for a fingerprint its store does not hold, and caches the answer.
    """

    def __init__(self, bootstrap_servers: str, topic: str, *, timeout_s: float = 15.0) -> None:
        self.bootstrap_servers, self.topic, self.timeout_s = bootstrap_servers, topic, timeout_s

    def __call__(self, fingerprint: bytes) -> tuple[str, dict] | None:
        try:
            entry = fetch_schema(fingerprint, bootstrap_servers=self.bootstrap_servers, topic=self.topic,
                                 timeout_s=self.timeout_s)
        except UnknownSchemaError:
            return None
        return entry.event_type, entry.schema
