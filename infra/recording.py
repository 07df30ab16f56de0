"""Applying commands given as JSON to the ledger, one at a time, in order.

Each command is validated (JSON, then argument types, then the domain's rules
and the event schemas) and either recorded whole or refused with nothing
written. The outcome of each is returned for the CLI to print.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import Any

from infra.command_input import DEFAULT_LIMITS, CommandInputError, InputLimits, RawCommand, bind, example

# Ledger methods that are not commands: they read, close, or give the recording moment.
QUERIES = frozenset({"case", "unit", "close", "clock"})


@functools.lru_cache(maxsize=None)
def command_names(ledger_cls: type) -> tuple[str, ...]:
    """The public command methods of the ledger (not the library's, not the queries)."""
    from eventsourcing.application import Application

    names = []
    for name, member in inspect.getmembers(ledger_cls, inspect.isfunction):
        if name.startswith("_") or name in QUERIES or hasattr(Application, name):
            continue
        if member.__module__.startswith("eventsourcing"):
            continue
        names.append(name)
    return tuple(sorted(names))


def command_example(ledger_cls: type, name: str) -> dict:
    return example(getattr(ledger_cls, name), name)


@dataclass
class Outcome:
    line: int
    command: str
    accepted: bool
    events: list[dict] = field(default_factory=list)  # type, stream id, version, notification id
    code: str = ""
    message: str = ""
    source: str = ""
    where: str = ""
    element: int | None = None  # index (1-based) in a JSON array input

    @property
    def position(self) -> str:
        return f"line {self.line}" if self.element is None else f"element {self.element} (line {self.line})"

    def as_dict(self) -> dict:
        d = {"line": self.line, "command": self.command, "accepted": self.accepted}
        if self.element is not None:
            d["element"] = self.element
        if self.accepted:
            d["events"] = self.events
        else:
            d.update(code=self.code, message=self.message, source=self.source, where=self.where)
        return d


def apply_command(ledger, raw: RawCommand, limits: InputLimits = DEFAULT_LIMITS) -> Outcome:
    """Validate and apply one command. Never raises for a refusal: returns it."""
    from domain.rules import RuleViolation
    from schemas.errors import EventValidationError

    name = raw.payload["command"]
    outcome = Outcome(raw.line, name, accepted=False, element=raw.element)
    if name not in command_names(type(ledger)):
        shown = name if len(name) <= 60 else name[:57] + "…"
        outcome.command, outcome.code, outcome.where = shown, "INPUT", "command"
        outcome.message = f"unknown command {shown!r}; `caseledger record --list` shows the commands"
        return outcome
    method = getattr(ledger, name)
    try:
        kwargs = bind(method, raw.payload, limits)
    except CommandInputError as exc:
        outcome.code, outcome.where, outcome.message = "INPUT", exc.where, exc.message
        return outcome
    before = len(ledger.recordings)
    try:
        method(**kwargs)
    except RuleViolation as exc:
        outcome.code, outcome.message, outcome.source = exc.code, exc.message, exc.source
        return outcome
    except EventValidationError as exc:
        outcome.code, outcome.where, outcome.message = "SCHEMA", getattr(exc, "path", ""), str(exc)
        return outcome
    outcome.accepted = True
    outcome.events = [_describe(r) for r in ledger.recordings[before:]]
    return outcome


def _describe(recording: Any) -> dict:
    event = recording.domain_event
    return {
        "event": type(event).__qualname__,
        "stream_id": str(event.originator_id),
        "version": event.originator_version,
        "notification_id": recording.notification.id,
    }
