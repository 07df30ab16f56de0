"""Validation before storage: refuse an event that its schema cannot carry.

The application calls `validate(event)` before saving; a failure refuses the
command, so nothing is stored that the relay could not publish.
"""

from __future__ import annotations

from typing import Any

from schemas.events import DomainEvents


def validate(event: Any, *, events: DomainEvents | None = None, store: Any = None) -> None:
    """Check `event` against the latest schema of its type.

    Raises EventValidationError naming the field path and the reason, e.g.
    `Case.IntakeRecorded: source_document.number: expected string, got None`;
    UnknownEventTypeError if the event type has no schema.
    """
    from schemas.records import to_record

    # Checking needs no key: personal values are checked against their plaintext schema, not sealed.
    to_record(event, events=events, store=store, seal=lambda path, plaintext: {})
