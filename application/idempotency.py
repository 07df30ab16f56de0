"""Commands that are safe to retry: a command id names one command, recorded once.

A client that times out and sends its command again (the HTTP API makes that common; so does
re-running a ``caseledger record`` file) must not record the fact twice. Each command may carry
a ``command_id``. The ledger stores the id, a digest of the command's content and the command's
result in the SAME transaction as its events (``infra.persistence.event_store`` keeps them in a
table of the event store's schema, keyed by the id), so a crash between the two cannot leave a
fact without its id or an id without its fact. Asked again:

- same id, same content: answered with the first result (the id it returned), nothing recorded;
- same id, other content: refused under D-17 — the client reused an id for another command.

The digest is of the command as ``execute`` runs it: its name and its bound arguments after
authorisation (so the actor taken from the principal counts), in a canonical JSON form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping
from uuid import UUID

# A command id is what a client chooses: bounded, printable, so it can be shown and indexed.
MAX_COMMAND_ID = 200


@dataclass(frozen=True)
class CommandRecord:
    """A command recorded under an id: the digest of its content, its result, the events it stored."""

    command_id: str
    command: str
    digest: str
    result: Any = None  # the command's return value as JSON (``encode_result``)
    events: tuple[tuple[str, int], ...] = ()  # (stream id, version) of each event it stored


def valid_command_id(value: Any) -> str | None:
    """Why ``value`` cannot be a command id, or None when it can."""
    if not isinstance(value, str) or not value.strip():
        return "a command id is a non-empty string"
    if len(value) > MAX_COMMAND_ID:
        return f"a command id has at most {MAX_COMMAND_ID} characters"
    if not value.isprintable():
        return "a command id holds printable characters only"
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, (UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def digest(name: str, arguments: Mapping[str, Any]) -> str:
    """The SHA-256 of a command's name and arguments in canonical JSON: equal for equal content."""
    text = json.dumps({"command": name, "arguments": _plain(arguments)}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def encode_result(result: Any) -> Any:
    """A command's return value as JSON: the id of what it created (case, unit, vacancy…) or None."""
    if result is None:
        return None
    if hasattr(result, "collect_events") and hasattr(result, "id"):  # a new aggregate: its id
        result = result.id
    if isinstance(result, UUID):
        return {"uuid": str(result)}
    return _plain(result)


def decode_result(stored: Any) -> Any:
    """The inverse of ``encode_result``: the id a retried command answers with."""
    if isinstance(stored, dict) and set(stored) == {"uuid"}:
        return UUID(stored["uuid"])
    return stored
