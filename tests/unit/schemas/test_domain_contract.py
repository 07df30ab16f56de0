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
from schemas.errors import EventValidationError
from schemas.golden import GoldenSealer, VECTORS_PATH, read_vectors, verify_vectors
from schemas.sealing import SealingError
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
    codec = Codec(STORE, EVENTS, sealer=GoldenSealer())
    event = example_event(EVENTS.get(name), sequence=7, fill_optional=fill_optional)
    assert codec.decode_event(codec.encode(event)) == event


def test_a_personal_value_is_never_in_clear_in_the_bytes_and_a_reader_without_the_key_sees_it_sealed():
    codec = Codec(STORE, EVENTS, sealer=GoldenSealer())
    event = example_event(EVENTS.get("Case.AdolescentRegistered"), sequence=1)
    data = codec.encode(event)
    assert event.name.encode() not in data and event.civil_document.encode() not in data
    keyless = Codec(STORE, EVENTS).decode(data).datum
    assert set(keyless["name"]) == {"key_id", "nonce", "ciphertext"}
    assert keyless["name"]["key_id"] == f"{event.originator_id}/1"


def test_a_personal_value_cannot_be_written_without_a_key_service():
    event = example_event(EVENTS.get("Case.AdolescentRegistered"), sequence=1)
    with pytest.raises(EventValidationError, match="no key service"):
        Codec(STORE, EVENTS).encode(event)


def test_a_sealed_value_moved_to_another_field_does_not_open():
    codec = Codec(STORE, EVENTS, sealer=GoldenSealer())
    event = example_event(EVENTS.get("Case.AdolescentRegistered"), sequence=1)
    decoded = codec.decode(codec.encode(event))
    decoded.datum["filiation"] = decoded.datum["name"]
    with pytest.raises(SealingError, match="does not authenticate"):
        codec.opened(decoded)


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
