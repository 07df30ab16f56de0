"""The errors of the event contract.

Every error names what is wrong and where (event type, version, field path) so a
person can act on it. Messages never include field *values*: events carry
minors' personal data (ECA art. 143), and error text ends up in logs.
"""

from __future__ import annotations


class SchemaError(Exception):
    """Base class of every error raised by `schemas`."""


class UnsupportedFieldTypeError(SchemaError):
    """A domain event declares a field whose type has no Avro mapping."""


class MissingDocError(SchemaError):
    """A field or type has no documentation; every field of the contract needs a `doc`."""


class UnknownEventTypeError(SchemaError):
    """An event type (or event class) has no schema in the store."""


class UnknownSchemaError(SchemaError):
    """A message names a writer schema (by fingerprint) that nobody here knows.

    The consumer should fetch it from the schema catalogue topic
    (`schemas.catalogue.fetch_schema`) and retry; it must never guess.
    """

    def __init__(self, fingerprint: bytes, hint: str = "") -> None:
        self.fingerprint = fingerprint
        message = f"no schema with fingerprint {fingerprint.hex()} (CRC-64-AVRO, wire byte order)"
        if hint:
            message += f"; {hint}"
        super().__init__(message)


class CorruptMessageError(SchemaError):
    """The bytes are not a well-formed Avro single-object encoded message."""


class EventValidationError(SchemaError):
    """An event does not fit its schema.

    `path` is the dotted field path in domain terms (`source_document.number`,
    `visitors[2].name`); `reason` says what was expected and what was found.
    """

    def __init__(self, event_type: str, path: str, reason: str) -> None:
        self.event_type = event_type
        self.path = path
        self.reason = reason
        super().__init__(f"{event_type}: {path}: {reason}" if path else f"{event_type}: {reason}")


class IncompatibleSchemaError(SchemaError):
    """A schema version cannot read, or cannot be read by, an earlier version.

    `problems` lists every `Incompatibility` found, each naming the event type,
    the versions, the direction, the field path and the reason.
    """

    def __init__(self, problems: list) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} incompatible schema change(s):\n{lines}")


class SchemaStoreError(SchemaError):
    """The .avsc files on disk are malformed, misnamed or were edited after release."""


class CatalogueError(SchemaError):
    """The schema catalogue topic is missing, misconfigured or unreadable."""
