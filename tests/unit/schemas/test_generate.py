"""Schemas generated from domain event classes."""


import dataclasses
from datetime import datetime
from enum import StrEnum

import fastavro
import pytest
from eventsourcing.domain import Aggregate

from schemas.errors import MissingDocError, UnsupportedFieldTypeError
from schemas.events import DomainEvents
from schemas.generate import SchemaGenerator, enum_symbol, enum_symbols
from tests.unit.schemas import toy_domain


def field(schema: dict, name: str) -> dict:
    return next(f for f in schema["fields"] if f["name"] == name)


def envelope_field(schema: dict, name: str) -> dict:
    return field(field(schema, "envelope")["type"], name)


@pytest.fixture
def schemas(toy_events) -> dict[str, dict]:
    return SchemaGenerator(toy_events).all_schemas()


def test_every_event_class_of_every_aggregate_gets_a_schema(toy_events):
    assert toy_events.names() == [
        "Case.EntryCorrected", "Case.IntakeRecorded", "Case.VisitRecorded", "Unit.EntryCorrected", "Unit.UnitOpened",
    ]


def test_same_event_name_in_two_aggregates_gets_two_namespaces(schemas):
    case, unit = schemas["Case.EntryCorrected"], schemas["Unit.EntryCorrected"]
    assert case["name"] == unit["name"] == "EntryCorrected"
    assert case["namespace"] == "br.gov.mt.caseledger.events.case"
    assert unit["namespace"] == "br.gov.mt.caseledger.events.unit"


def test_generated_schemas_parse_in_fastavro(schemas):
    for name, schema in schemas.items():
        fastavro.parse_schema(schema, named_schemas={})


def test_envelope_is_a_shared_named_record_first_in_every_event(schemas):
    for schema in schemas.values():
        envelope = schema["fields"][0]
        assert envelope["name"] == "envelope"
        assert envelope["type"]["name"] == "Envelope"
        assert [f["name"] for f in envelope["type"]["fields"]] == [
            "event_id", "event_type", "stream_id", "sequence", "occurred_at", "recorded_at",
            "actor", "unit_id", "source_document",
        ]


def test_every_field_and_type_has_a_doc(schemas):
    def walk(node, where):
        if isinstance(node, list):
            for branch in node:
                walk(branch, where)
        elif isinstance(node, dict) and node.get("type") in ("record", "enum"):
            assert node.get("doc"), f"{where}: type {node['name']} without doc"
            for f in node.get("fields", []):
                assert f.get("doc"), f"{where}: field {f['name']} without doc"
                walk(f["type"], f"{where}.{f['name']}")
        elif isinstance(node, dict) and node.get("type") == "array":
            walk(node["items"], where)

    for name, schema in schemas.items():
        walk(schema, name)


def test_type_mapping_follows_the_contract(schemas):
    intake = schemas["Case.IntakeRecorded"]
    assert envelope_field(intake, "occurred_at")["type"] == {"type": "long", "logicalType": "timestamp-micros"}
    assert envelope_field(intake, "stream_id")["type"] == {"type": "string", "logicalType": "uuid"}
    assert envelope_field(intake, "source_document")["type"][0] == "null"
    assert envelope_field(intake, "source_document")["default"] is None
    # personal: each value sealed, its own type given as the plaintext schema
    assert field(intake, "birth_date")["type"] == "br.gov.mt.caseledger.events.types.Sealed"
    assert field(intake, "birth_date")["plaintext"] == {"type": "int", "logicalType": "date"}
    assert field(intake, "days_in_police_custody")["type"] == "long"
    assert field(intake, "height_m")["type"] == "double"
    assert field(intake, "documents_complete")["type"] == "boolean"
    assert field(intake, "nickname")["type"] == ["null", "br.gov.mt.caseledger.events.types.Sealed"]  # personal: sealed
    assert field(intake, "nickname")["plaintext"] == "string"
    visit = schemas["Case.VisitRecorded"]
    assert field(visit, "visitors")["type"]["type"] == "array"
    assert field(visit, "visitors")["type"]["items"]["name"] == "Visitor"
    assert field(visit, "notes") == {"name": "notes", "type": {"type": "array", "items": "string"},
                                     "doc": "Notes.", "default": []}


def test_personal_fields_are_marked_and_others_are_not(schemas):
    intake = schemas["Case.IntakeRecorded"]
    assert field(intake, "name").get("personal") is True
    assert field(intake, "birth_date").get("personal") is True
    assert field(intake, "nickname").get("personal") is True
    assert "personal" not in field(intake, "origin")
    visitor = field(schemas["Case.VisitRecorded"], "visitors")["type"]["items"]
    assert field(visitor, "name").get("personal") is True
    assert "personal" not in field(visitor, "relationship")


def test_enum_values_are_sanitised_to_avro_symbols_with_a_reversible_mapping(schemas):
    role = envelope_field(schemas["Case.IntakeRecorded"], "actor")["type"]["fields"][1]["type"]
    assert role["symbols"] == ["gerente", "agente_socioeducativo", "equipe_tecnica"]
    assert role["symbolValues"]["equipe_tecnica"] == "equipe técnica"
    assert "default" not in role


def test_enum_declaring_a_fallback_gets_an_avro_default(schemas):
    origin = field(schemas["Case.IntakeRecorded"], "origin")["type"]
    assert origin["default"] == "outra"
    assert "symbolValues" not in origin


def test_enum_symbol_of_a_value_starting_with_a_digit_is_prefixed():
    assert enum_symbol("3_anos") == "_3_anos"


def test_enum_values_that_collide_once_sanitised_are_refused():
    class Clash(StrEnum):
        A = "a-b"
        B = "a_b"

    with pytest.raises(UnsupportedFieldTypeError, match="'a-b' and 'a_b' both become Avro symbol 'a_b'"):
        enum_symbols(Clash)


def test_generation_is_deterministic(toy_events):
    assert SchemaGenerator(toy_events).all_schemas() == SchemaGenerator(toy_events).all_schemas()


def _aggregate_with(annotation, doc="A field."):
    from typing import Annotated

    class Thing(Aggregate):
        class Event(Aggregate.Event):
            occurred_at: datetime
            actor: toy_domain.Actor
            unit_id: str
            source_document: toy_domain.SourceDocument | None

        class Opened(Aggregate.Created, Event):
            """The thing exists."""

        class Happened(Event):
            """Something happened."""

            value: Annotated[annotation, doc] if doc else annotation  # type: ignore[valid-type]

    return DomainEvents([Thing])


def test_a_field_type_without_avro_mapping_is_refused_with_its_path():
    events = _aggregate_with(dict)
    with pytest.raises(UnsupportedFieldTypeError, match=r"Thing.Happened.value: type <class 'dict'> has no Avro mapping"):
        SchemaGenerator(events).all_schemas()


def test_a_wide_union_is_refused():
    events = _aggregate_with(int | str)
    with pytest.raises(UnsupportedFieldTypeError, match="only 'X | None' is supported"):
        SchemaGenerator(events).all_schemas()


def test_a_mutable_dataclass_is_refused():
    @dataclasses.dataclass
    class Loose:
        """Not frozen."""

        x: int

    with pytest.raises(UnsupportedFieldTypeError, match="must be frozen"):
        SchemaGenerator(_aggregate_with(Loose)).all_schemas()


def test_a_field_without_doc_stops_generation_and_names_the_field():
    events = _aggregate_with(int, doc=None)
    with pytest.raises(MissingDocError, match=r"Thing.Happened: no doc for Happened.value"):
        SchemaGenerator(events).all_schemas()
