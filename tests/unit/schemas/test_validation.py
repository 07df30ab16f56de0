"""Validation before storage: a refusal names the field path and the reason."""

from __future__ import annotations

from datetime import date, datetime

import uuid

import pytest

from schemas.errors import EventValidationError, UnknownEventTypeError
from schemas.validation import validate
from tests.unit.schemas.toy_domain import Actor, Case, SourceDocument, Visitor, a_visit, an_intake


@pytest.fixture
def check(toy_events, toy_store):
    return lambda event: validate(event, events=toy_events, store=toy_store)


def test_a_valid_event_passes(check):
    assert check(an_intake()) is None
    assert check(a_visit()) is None


@pytest.mark.parametrize(
    "overrides,message",
    [
        (dict(source_document=SourceDocument(None, None)), "source_document.number: expected string, got None"),
        (dict(name=None), "name: expected string, got None"),
        (dict(birth_date=datetime(2008, 5, 1)), "birth_date: expected a date, got datetime"),
        (dict(occurred_at=datetime(2025, 3, 10, 9, 0)), "occurred_at: expected a timezone-aware datetime, got naive datetime"),
        (dict(timestamp=None), "timestamp: expected a timezone-aware datetime, got None"),
        (dict(days_in_police_custody=True), "days_in_police_custody: expected int, got bool"),
        (dict(days_in_police_custody=2**63), "days_in_police_custody: integer out of the range of Avro long"),
        (dict(documents_complete="yes"), "documents_complete: expected bool, got str"),
        (dict(height_m="1.7"), "height_m: expected float, got str"),
        (dict(origin="rua"), "origin: 'rua' is not one of delegacia, outra"),
        (dict(actor=Actor("x", "diretor")), "actor.role: 'diretor' is not one of gerente, agente_socioeducativo, equipe_tecnica"),
        (dict(actor=None), "actor: expected Actor, got None"),
    ],
)
def test_invalid_intake_is_refused_with_path_and_reason(check, overrides, message):
    with pytest.raises(EventValidationError) as refused:
        check(an_intake(**overrides))
    assert str(refused.value) == f"Case.IntakeRecorded: {message}" or message in str(refused.value)
    assert refused.value.path == message.split(":")[0]


def test_path_into_a_tuple_of_records_names_the_index(check):
    with pytest.raises(EventValidationError, match=r"visitors\[1\].name: expected string, got None"):
        check(a_visit(visitors=(Visitor("Ana", "mae"), Visitor(None, "pai"))))


def test_a_list_where_a_tuple_is_declared_is_accepted_but_a_string_is_not(check):
    check(a_visit(notes=["a"]))
    with pytest.raises(EventValidationError, match="notes: expected a tuple, got str"):
        check(a_visit(notes="abc"))


def test_error_message_never_contains_the_value(check):
    with pytest.raises(EventValidationError) as refused:
        check(an_intake(birth_date="2008-05-01"))
    assert "2008" not in str(refused.value)


def test_an_event_of_another_domain_is_refused(check):
    class Stranger(Case.Event):
        pass

    with pytest.raises(UnknownEventTypeError, match="is not an event of the contract's aggregates"):
        check(Stranger(originator_id=uuid.uuid4(), originator_version=1, timestamp=None, occurred_at=None,
                       actor=None, unit_id="u", source_document=None))


def test_an_event_type_without_schema_is_refused(toy_events, tmp_path):
    from schemas.store import SchemaStore

    with pytest.raises(UnknownEventTypeError, match="no schema for event type 'Case.IntakeRecorded'.*schemas generate"):
        validate(an_intake(), events=toy_events, store=SchemaStore(tmp_path))


def test_issued_on_must_be_a_date(check):
    with pytest.raises(EventValidationError, match="source_document.issued_on: expected a date, got str"):
        check(an_intake(source_document=SourceDocument("n", "2025-01-01")))
    check(an_intake(source_document=SourceDocument("n", date(2025, 1, 1))))
