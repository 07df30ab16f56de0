"""JSON transcodings: library snapshots, and events stored before the store held Avro.

Events themselves are stored as Avro (``infra.persistence.mapper``); what is still JSON must
come back as it went in, so tuples and the domain's enums are tagged (JSON would flatten them
to lists and plain strings), dates travel as ISO text and value objects as their fields.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

import domain.values as values
from domain.case import CaseStatus


def _value_types() -> tuple[list[type], list[type]]:
    enums, dataclass_types = [], []
    for value in [*vars(values).values(), CaseStatus]:
        if isinstance(value, type) and value.__module__.startswith("domain."):
            if issubclass(value, enum.Enum):
                enums.append(value)
            elif dataclasses.is_dataclass(value):
                dataclass_types.append(value)
    return enums, dataclass_types


_ENUMS, _DATACLASSES = _value_types()
_ENUM_NAMES = {cls: f"enum:{cls.__name__}" for cls in _ENUMS}


def _tag(obj: Any) -> Any:
    """Mark what JSON would flatten: tuples (→ lists) and StrEnums (→ plain strings)."""
    if isinstance(obj, enum.Enum) and type(obj) in _ENUM_NAMES:
        return {"_type_": _ENUM_NAMES[type(obj)], "_data_": obj.value}
    if isinstance(obj, tuple):
        return {"_type_": "tuple", "_data_": [_tag(x) for x in obj]}
    if isinstance(obj, list):
        return [_tag(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _tag(v) for k, v in obj.items()}
    return obj


class _TupleAsList(Transcoding):
    type = tuple
    name = "tuple"

    def encode(self, obj: tuple) -> list:
        return [_tag(x) for x in obj]

    def decode(self, data: list) -> tuple:
        return tuple(data)


class _DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def _enum_transcoding(cls: type[enum.Enum]) -> Transcoding:
    class EnumTranscoding(Transcoding):
        type = cls
        name = _ENUM_NAMES[cls]

        def encode(self, obj: enum.Enum) -> Any:
            return obj.value

        def decode(self, data: Any) -> enum.Enum:
            return cls(data)

    return EnumTranscoding()


def _dataclass_transcoding(cls: type) -> Transcoding:
    class DataclassTranscoding(Transcoding):
        type = cls
        name = f"value:{cls.__name__}"

        def encode(self, obj: Any) -> dict[str, Any]:
            return _tag({f.name: getattr(obj, f.name) for f in dataclasses.fields(cls)})

        def decode(self, data: dict[str, Any]) -> Any:
            return cls(**data)

    return DataclassTranscoding()


class ExactJSONTranscoder(JSONTranscoder):
    """The library's JSON transcoder, keeping tuples and the domain's enums apart from lists and text."""

    def encode(self, obj: Any) -> bytes:
        return super().encode(_tag(obj))


def register_value_transcodings(transcoder: JSONTranscoder) -> None:
    """Teach the transcoder the domain's tuples, dates, enums and value objects."""
    transcoder.register(_TupleAsList())
    transcoder.register(_DateAsISO())
    for cls in _ENUMS:
        transcoder.register(_enum_transcoding(cls))
    for cls in _DATACLASSES:
        transcoder.register(_dataclass_transcoding(cls))
