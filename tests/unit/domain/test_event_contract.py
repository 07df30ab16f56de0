"""Every event follows the contract: explicit classes, envelope fields, allowed field types, personal data marked."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
import uuid
from datetime import date, datetime

import pytest

from domain.case import Case
from domain.unit import Unit
from domain.values import PERSONAL
from schemas.events import event_classes_of

EVENTS = [cls for agg in (Case, Unit) for cls in event_classes_of(agg)]
ENVELOPE = {"occurred_at": datetime, "actor": None, "unit_id": str, "source_document": None}
SCALARS = (str, int, bool, float, datetime, date, uuid.UUID)
PERSONAL_FIELDS = {
    "name", "social_name", "civil_document", "filiation", "family_address", "escort_name", "escort_document",
    "presenting_officer", "photo_id_number", "relationship_proof", "parental_authorisation", "description",
    "justification", "raw_text", "reason", "items_found",
}


def test_birth_date_is_personal_data():
    hints = typing.get_type_hints(Case.AdolescentRegistered, include_extras=True)
    assert _is_personal(hints["birth_date"])


def _allowed(hint) -> bool:
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return _allowed(typing.get_args(hint)[0])
    if origin in (types.UnionType, typing.Union):
        args = typing.get_args(hint)
        return type(None) in args and len(args) == 2 and all(_allowed(a) for a in args if a is not type(None))
    if origin is tuple:
        args = typing.get_args(hint)
        return len(args) == 2 and args[1] is Ellipsis and _allowed(args[0])
    if hint in SCALARS:
        return True
    if isinstance(hint, type) and issubclass(hint, enum.StrEnum) and hint.__module__.startswith("domain."):
        return True
    if dataclasses.is_dataclass(hint) and hint.__dataclass_params__.frozen and hint.__module__ == "domain.values":
        hints = typing.get_type_hints(hint, include_extras=True)
        return all(_allowed(hints[f.name]) for f in dataclasses.fields(hint))
    return False


# A unit's official name is public, not personal data.
PUBLIC_TEXT = {("Unit.UnitCapacityDefined", "name")}


def _is_text(hint) -> bool:
    if typing.get_origin(hint) is typing.Annotated:
        return _is_text(typing.get_args(hint)[0])
    if typing.get_args(hint):
        return any(_is_text(a) for a in typing.get_args(hint))
    return hint is str


def _is_personal(hint) -> bool:
    if typing.get_origin(hint) is typing.Annotated:
        return PERSONAL in typing.get_args(hint)[1:]
    return any(_is_personal(a) for a in typing.get_args(hint))


def test_there_are_explicit_event_classes():
    assert len(EVENTS) >= 50


@pytest.mark.parametrize("cls", EVENTS, ids=lambda c: c.__qualname__)
def test_event_has_envelope_and_allowed_field_types(cls):
    hints = typing.get_type_hints(cls, include_extras=True)
    for name in ENVELOPE:
        assert name in hints, f"{cls.__qualname__} lacks {name}"
    own = [f.name for f in dataclasses.fields(cls) if f.name not in ("originator_id", "originator_version", "timestamp", "originator_topic")]
    for name in own:
        assert _allowed(hints[name]), f"{cls.__qualname__}.{name}: {hints[name]}"


@pytest.mark.parametrize("cls", EVENTS, ids=lambda c: c.__qualname__)
def test_personal_and_free_text_fields_are_marked_personal(cls):
    hints = typing.get_type_hints(cls, include_extras=True)
    for name in PERSONAL_FIELDS & set(hints):
        if not _is_text(hints[name]) or (cls.__qualname__, name) in PUBLIC_TEXT:
            continue
        assert _is_personal(hints[name]), f"{cls.__qualname__}.{name} must be Annotated[..., PERSONAL]"


def test_contract_check_would_reject_a_dict_field():
    assert not _allowed(dict[str, str]) and not _allowed(list[str]) and not _allowed(typing.Any)
