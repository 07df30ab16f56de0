"""The real domain and the shipped schemas agree, and every event type round-trips.

These tests run against `domain/` and `schemas/avsc/` as they are in the tree:
add or change an event class and they fail until `caseledger schemas generate`
has written the new version.
"""

from __future__ import annotations

import json

import avro.schema
import pytest

from schemas.codec import Codec
from schemas.compatibility import check_store
from schemas.drift import drift
from schemas.events import domain_events
from schemas.examples import example_event
from schemas.golden import VECTORS_PATH, read_vectors, verify_vectors
from schemas.store import default_store
from tests.unit.schemas.test_fingerprint import without_logical_types

EVENTS = domain_events()
STORE = default_store()


def test_the_domain_has_event_types():
    assert len(EVENTS) > 0


def test_every_domain_event_type_has_an_up_to_date_schema():
    problems = drift(EVENTS, STORE)
    assert not problems, "\n".join(problems)


def test_every_stored_event_type_still_exists_in_the_domain():
    # A stored type with no class can no longer be produced; removing an event type is a decision to record.
    assert set(STORE.event_types()) <= set(EVENTS.names())


def test_all_shipped_versions_are_fully_transitively_compatible():
    problems = check_store(STORE)
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("name", EVENTS.names())
@pytest.mark.parametrize("fill_optional", [True, False], ids=["all-fields", "optional-empty"])
def test_every_domain_event_type_round_trips(name, fill_optional):
    codec = Codec(STORE, EVENTS)
    event = example_event(EVENTS.get(name), sequence=7, fill_optional=fill_optional)
    assert codec.decode_event(codec.encode(event)) == event


def test_personal_data_of_the_domain_is_marked_in_the_schemas():
    marked = 0
    for version in STORE.all_versions():
        marked += json.dumps(version.schema).count('"personal": true')
    assert marked > 0
    assert EVENTS.personal_marker is not None


def test_shipped_fingerprints_agree_with_apache_avro():
    for version in STORE.all_versions():
        apache = avro.schema.parse(json.dumps(without_logical_types(version.schema)))
        assert version.fingerprint == apache.fingerprint("CRC-64-AVRO"), version.label


def test_golden_vectors_cover_every_version_and_decode():
    assert not verify_vectors(STORE), "\n".join(verify_vectors(STORE))
    covered = {(v["event_type"], v["version"]) for v in read_vectors(VECTORS_PATH)}
    assert covered == {(v.event_type, v.version) for v in STORE.all_versions()}
