"""Single-object encoding: header, round trips, evolution, and refusals."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.codec import MARKER, Codec, split_message
from schemas.golden import GoldenSealer
from schemas.errors import CorruptMessageError, EventValidationError, UnknownSchemaError
from schemas.records import event_id
from schemas.store import SchemaStore
from tests.unit.schemas.toy_domain import STREAM, Origin, Visitor, a_visit, an_intake


def test_message_starts_with_marker_and_the_writer_schema_fingerprint(toy_codec, toy_store):
    data = toy_codec.encode(an_intake())
    assert data[:2] == MARKER == b"\xc3\x01"
    assert data[2:10] == toy_store.latest("Case.IntakeRecorded").fingerprint


def test_event_round_trips_to_an_equal_domain_event(toy_codec):
    for event in (an_intake(), an_intake(nickname="Zé", source_document=None), a_visit(), a_visit(notes=())):
        assert toy_codec.decode_event(toy_codec.encode(event)) == event


def test_decoded_datum_carries_the_envelope(toy_codec):
    decoded = toy_codec.decode(toy_codec.encode(a_visit()))
    envelope = decoded.datum["envelope"]
    assert decoded.event_type == "Case.VisitRecorded"
    assert envelope["event_type"] == "Case.VisitRecorded"
    assert envelope["stream_id"] == STREAM
    assert envelope["sequence"] == 2
    assert envelope["event_id"] == uuid.uuid5(STREAM, "2") == event_id(STREAM, 2)
    assert envelope["actor"] == {"id": "staff-17", "role": "equipe_tecnica"}


def test_enum_value_with_accents_survives_the_trip(toy_codec):
    event = toy_codec.decode_event(toy_codec.encode(an_intake()))
    assert event.actor.role.value == "equipe técnica"


def test_unknown_fingerprint_raises_unknown_schema_error(toy_codec):
    data = bytearray(toy_codec.encode(an_intake()))
    data[2:10] = b"\x00" * 8
    with pytest.raises(UnknownSchemaError, match="no schema with fingerprint 0000000000000000"):
        toy_codec.decode(bytes(data))


def test_unknown_fingerprint_is_fetched_from_the_fallback(toy_codec, toy_store, toy_events, tmp_path):
    version = toy_store.latest("Case.IntakeRecorded")
    asked = []

    def fallback(fp):
        asked.append(fp)
        return (version.event_type, version.schema) if fp == version.fingerprint else None

    consumer = Codec(SchemaStore(tmp_path / "empty"), toy_events, fallback=fallback)
    decoded = consumer.decode(toy_codec.encode(an_intake()))
    assert decoded.event_type == "Case.IntakeRecorded"
    assert asked == [version.fingerprint]


def test_fallback_returning_a_different_schema_is_refused(toy_codec, toy_store, toy_events, tmp_path):
    other = toy_store.latest("Case.VisitRecorded")
    consumer = Codec(SchemaStore(tmp_path / "empty"), toy_events, fallback=lambda fp: (other.event_type, other.schema))
    with pytest.raises(UnknownSchemaError, match="returned a schema with fingerprint"):
        consumer.decode(toy_codec.encode(an_intake()))


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "shorter than the 10-byte single-object header"),
        (b"\xc3\x01\x00", "shorter than the 10-byte"),
        (b"\x00\x01" + b"\x00" * 20, "bad marker 0001"),
        (b"Obj\x01" + b"\x00" * 20, "bad marker 4f62"),
    ],
)
def test_malformed_header_raises_corrupt_message_error(toy_codec, data, message):
    with pytest.raises(CorruptMessageError, match=message):
        toy_codec.decode(data)


def test_truncated_body_raises_corrupt_message_error(toy_codec):
    data = toy_codec.encode(an_intake())
    with pytest.raises(CorruptMessageError, match="Case.IntakeRecorded v1: body does not decode"):
        toy_codec.decode(data[:-5])


def test_trailing_bytes_raise_corrupt_message_error(toy_codec):
    data = toy_codec.encode(an_intake())
    with pytest.raises(CorruptMessageError, match="1 byte\\(s\\) left after the body"):
        toy_codec.decode(data + b"\x00")


def test_garbage_body_never_decodes_silently(toy_codec):
    header = toy_codec.encode(an_intake())[:10]
    with pytest.raises(CorruptMessageError):
        toy_codec.decode(header + b"\xff" * 40)


def test_split_message_refuses_text(toy_codec):
    with pytest.raises(CorruptMessageError, match="expected bytes, got str"):
        split_message("c301")  # type: ignore[arg-type]


def test_encoding_an_invalid_event_raises_validation_error_with_the_path(toy_codec):
    with pytest.raises(EventValidationError, match="days_in_police_custody: expected int, got str"):
        toy_codec.encode(an_intake(days_in_police_custody="2"))


def test_old_event_decodes_into_the_evolved_schema(toy_codec, toy_store, toy_events):
    old = toy_codec.encode(an_intake())
    v1 = toy_store.latest("Case.IntakeRecorded").schema
    v2 = {**v1, "fields": [*v1["fields"], {"name": "school", "type": ["null", "string"], "default": None, "doc": "School."}]}
    toy_store.write_new_version("Case.IntakeRecorded", v2)
    reader = Codec(toy_store, toy_events, sealer=GoldenSealer())
    decoded = reader.opened(reader.decode(old))
    assert decoded.writer.version == 1 and decoded.reader.version == 2
    assert decoded.datum["school"] is None
    assert decoded.datum["name"] == "Fulano de Tal"


names = st.text(min_size=0, max_size=30)


# The store is only read, so sharing one across examples is safe.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=names,
    nickname=st.none() | names,
    days=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    height=st.floats(allow_nan=False),
    origin=st.sampled_from(list(Origin)),
    visitors=st.lists(st.builds(Visitor, names, names), max_size=4).map(tuple),
)
def test_any_valid_event_round_trips(toy_store, toy_events, name, nickname, days, height, origin, visitors):
    codec = Codec(toy_store, toy_events, sealer=GoldenSealer())
    intake = an_intake(name=name, nickname=nickname, days_in_police_custody=days, height_m=height, origin=origin)
    assert codec.decode_event(codec.encode(intake)) == intake
    visit = a_visit(visitors=visitors)
    assert codec.decode_event(codec.encode(visit)) == visit
