"""The schema catalogue on the real Kafka broker of the test stack."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest
from kafka import KafkaAdminClient

from infra.settings import REPO_ROOT
from schemas.catalogue import CatalogueLookup, fetch_schema, publish_schemas, read_catalogue, topic_configs
from schemas.golden import GoldenSealer
from schemas.codec import Codec
from schemas.errors import UnknownSchemaError
from schemas.events import domain_events
from schemas.examples import example_event
from schemas.store import SchemaStore, default_store


@pytest.fixture
def catalogue(stack_settings, unique_topic):
    """Settings whose schema catalogue topic is fresh for this test."""
    return dataclasses.replace(stack_settings, schema_catalogue_topic=unique_topic("schemas"))


def publish(settings):
    return publish_schemas(default_store(), bootstrap_servers=settings.kafka_bootstrap_servers,
                           topic=settings.schema_catalogue_topic)


def test_publish_writes_every_schema_version_keyed_by_fingerprint(catalogue):
    publish(catalogue)
    entries = read_catalogue(catalogue.kafka_bootstrap_servers, catalogue.schema_catalogue_topic)
    store = default_store()
    assert set(entries) == {v.fingerprint_hex for v in store.all_versions()}
    for version in store.all_versions():
        entry = entries[version.fingerprint_hex]
        assert (entry.event_type, entry.schema) == (version.event_type, version.schema)


def test_catalogue_topic_is_compacted_and_kept_forever(catalogue):
    publish(catalogue)
    admin = KafkaAdminClient(bootstrap_servers=catalogue.kafka_bootstrap_servers)
    try:
        configs = topic_configs(admin, catalogue.schema_catalogue_topic)
    finally:
        admin.close()
    assert configs["cleanup.policy"] == "compact"
    assert configs["retention.ms"] == "-1"


def test_publishing_twice_keeps_one_entry_per_fingerprint(catalogue):
    publish(catalogue)
    publish(catalogue)
    entries = read_catalogue(catalogue.kafka_bootstrap_servers, catalogue.schema_catalogue_topic)
    assert len(entries) == len({v.fingerprint for v in default_store().all_versions()})


def test_consumer_without_local_schemas_fetches_the_writer_schema_from_the_topic(catalogue, tmp_path):
    publish(catalogue)
    events = domain_events()
    message = Codec(default_store(), events, sealer=GoldenSealer()).encode(example_event(next(iter(events))))  # sealed
    consumer = Codec(SchemaStore(tmp_path / "nothing-here"), events,
                     fallback=CatalogueLookup(catalogue.kafka_bootstrap_servers, catalogue.schema_catalogue_topic))
    assert consumer.decode(message).event_type == next(iter(events)).name


def test_fingerprint_absent_from_the_topic_raises_unknown_schema_error(catalogue):
    publish(catalogue)
    with pytest.raises(UnknownSchemaError, match="not in the schema catalogue topic"):
        fetch_schema(b"\x00" * 8, bootstrap_servers=catalogue.kafka_bootstrap_servers,
                     topic=catalogue.schema_catalogue_topic)


def test_cli_publish_then_list_from_topic_shows_every_version(catalogue):
    env = {"CASELEDGER_KAFKA_BOOTSTRAP": catalogue.kafka_bootstrap_servers,
           "CASELEDGER_SCHEMA_TOPIC": catalogue.schema_catalogue_topic, "PATH": "/usr/bin:/bin"}
    run = lambda *args: subprocess.run([sys.executable, "-m", "infra.cli", "schemas", *args],
                                       capture_output=True, text=True, env=env, timeout=120,
                                       cwd=REPO_ROOT)
    published = run("publish")
    assert published.returncode == 0, published.stderr
    assert "published" in published.stdout
    listed = run("list", "--from-topic", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {(r["event_type"], r["version"]) for r in rows} == {
        (v.event_type, v.version) for v in default_store().all_versions()
    }
