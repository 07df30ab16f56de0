"""Applying commands given as JSON to the ledger, one at a time, in order.

Each command is validated (JSON, then argument types, then the domain's rules
and the event schemas) and either recorded whole or refused with nothing
written. The outcome of each is returned for the CLI to print.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from application.commands import COMMANDS, execute
from application.policy import check_role
from infra.command_input import DEFAULT_LIMITS, CommandInputError, InputLimits, RawCommand, bind, example


def command_names() -> list[str]:
    """The ledger's commands, in alphabetical order: the rows of the command table."""
    return sorted(COMMANDS)


def command_example(name: str) -> dict:
    """A complete example of a command, from its domain method's parameters and type hints."""
    return example(COMMANDS[name], name)


def command_fields(name: str) -> list[dict]:
    """Each argument of a command: required or optional (with its default), its kind, allowed values."""
    from infra.command_input import describe_fields

    return describe_fields(COMMANDS[name])


def field_values(field: str) -> dict[str, list[str]]:
    """The catalogue of a field, by the commands that take it: its closed list (every enum of that name
    in any command or object) or, for ``offence_code``, the offence catalogue in force. Empty if none."""
    if field == "offence_code":
        from domain.discipline import EXAMPLE_OFFENCE_CATALOGUE

        return {"open_disciplinary_procedure": [
            f"{o.code}  {o.description} ({o.severity.value}; {o.reference})" for o in EXAMPLE_OFFENCE_CATALOGUE.values()]}
    found: dict[str, list[str]] = {}
    for name in command_names():
        for row in command_fields(name):
            if row["values"] and row["field"].rsplit(".", 1)[-1] == field:
                found.setdefault(" ".join(row["values"]), []).append(name)
    return {", ".join(commands): values.split(" ") for values, commands in found.items()}


def fields_with_values() -> list[str]:
    """Every field with a catalogue (`record --values FIELD`)."""
    names = {row["field"].rsplit(".", 1)[-1] for name in command_names() for row in command_fields(name)
             if row["values"]}
    return sorted(names | {"offence_code"})


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
    command_id: str | None = None  # the id it was recorded (or refused) under, if any
    result: Any = None  # what the command returned: the id of what it created (case, unit, vacancy…)
    replayed: bool = False  # the id was already recorded with this content: nothing recorded now

    @property
    def position(self) -> str:
        return f"line {self.line}" if self.element is None else f"element {self.element} (line {self.line})"
    halts: bool = False  # the store is unreachable: the commands after this one cannot be recorded either

    def as_dict(self) -> dict:
        d = {"line": self.line, "command": self.command, "accepted": self.accepted}
        if self.element is not None:
            d["element"] = self.element
        if self.command_id is not None:
            d["command_id"] = self.command_id
        if self.accepted:
            d["events"] = self.events
            d["result"] = None if self.result is None else str(self.result)
            if self.replayed:
                d["replayed"] = True
        else:
            d.update(code=self.code, message=self.message, source=self.source, where=self.where)
        return d


def apply_command(ledger, raw: RawCommand, limits: InputLimits = DEFAULT_LIMITS, attempts: int = 5,
                  backoff: float = 0.05, store_backoff: float = 0.5, principal: Any = None) -> Outcome:
    """Validate and apply one command. Never raises for a refusal or a failed write: returns it.

    A write that loses a race with another process (same case or unit, same version) is tried
    again, up to `attempts` times with a jittered backoff doubling from `backoff` seconds, from the
    state the other process left; so is a write whose connection to PostgreSQL was lost (from
    `store_backoff`: long enough for a restart), once the store says it does not hold the events
    of that write. A write that timed out is not retried: it already waited its limit.

    ``principal`` (``application.principals.Principal``) is who records: ``execute`` authorises
    it; an input without an actor records the principal as its actor. ``None`` is a trusted
    in-process caller (simulation, benchmarks, demo); ``caseledger record`` always passes one.
    """
    from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, PersistenceError

    from domain.rules import RuleViolation
    from infra.persistence.event_store import timed_out
    from schemas.errors import EventValidationError

    name = raw.payload["command"]
    outcome = Outcome(raw.line, name, accepted=False, element=raw.element)
    command = COMMANDS.get(name)
    if command is None:
        shown = name if len(name) <= 60 else name[:57] + "…"
        outcome.command, outcome.code, outcome.where = shown, "INPUT", "command"
        outcome.message = f"unknown command {shown!r}; `caseledger record --list` shows the commands"
        return outcome
    payload = raw.payload
    command_id = payload.get("command_id")
    if command_id is not None:
        from application.idempotency import valid_command_id

        payload = {k: v for k, v in payload.items() if k != "command_id"}
        problem = valid_command_id(command_id)
        if problem:
            outcome.code, outcome.where, outcome.message = "INPUT", "command_id", problem
            return outcome
        outcome.command_id = command_id
    try:
        if principal is not None:
            check_role(principal, name)  # `execute` checks it again, with the rest of the policy
            if principal.actor is not None and "actor" not in payload:
                payload = {**payload, "actor": {"id": principal.actor.id, "role": principal.actor.role.value}}
        kwargs = bind(command, payload, limits)
    except RuleViolation as exc:
        outcome.code, outcome.message, outcome.source = exc.code, exc.message, exc.source
        return outcome
    except CommandInputError as exc:
        outcome.code, outcome.where, outcome.message = exc.code, exc.where, exc.message
        if exc.code != "INPUT":
            from domain.rules import RULES

            outcome.source = RULES[exc.code].source
        return outcome
    unconfirmed: list = []  # events of a write whose connection was lost before it was confirmed
    for attempt in range(1, max(1, attempts) + 1):
        if unconfirmed:
            try:
                committed = ledger.holds(unconfirmed)
            except (OperationalError, InterfaceError):
                committed = None  # still unreachable: wait, and ask again
            if committed:  # the commit went through before the connection was lost
                outcome.accepted, outcome.code, outcome.message, outcome.halts = True, "", "", False
                outcome.events = [_describe_event(e) for e in unconfirmed]
                return outcome
            if committed is None:
                time.sleep(random.uniform(0.5, 1.5) * store_backoff * 2 ** (attempt - 1))
                continue
            unconfirmed = []
        before = len(ledger.recordings)
        ledger.attempted, ledger.last_replay = [], None
        try:
            result = execute(ledger, name, dict(kwargs), principal=principal, command_id=command_id)
        except RuleViolation as exc:
            outcome.code, outcome.message, outcome.source = exc.code, exc.message, exc.source
            return outcome
        except EventValidationError as exc:
            outcome.code, outcome.where, outcome.message = "SCHEMA", getattr(exc, "path", ""), str(exc)
            return outcome
        except IntegrityError:
            # Another process stored an event of the same case or unit first (optimistic
            # concurrency): the ledger has dropped its copies, so the next attempt reloads them
            # and checks the rules again against what the other process recorded.
            outcome.code, outcome.message = "CONFLICT", (
                f"another process kept recording on the same case or unit ({attempt} attempts); "
                "nothing was recorded for this command: record it again")
            wait = backoff
        except (OperationalError, InterfaceError) as exc:
            busy = timed_out(exc)
            if busy:  # the server rolled the write back: certainly nothing was written
                outcome.code, outcome.message = "STORE", (
                    f"the event store was busy ({busy}); nothing was recorded for this command: "
                    "record it again in a moment")
                return outcome
            # The connection was lost (PostgreSQL restarting, a network fault): try again.
            unconfirmed = list(ledger.attempted)
            outcome.code, outcome.halts = "STORE", True
            outcome.message = (f"the event store is unreachable ({_first_line(exc)}); "
                               + ("this command may or may not have been recorded: check the case before "
                                  "recording it again" if unconfirmed else
                                  "nothing was recorded for this command")
                               + "; check PostgreSQL with `caseledger status`")
            wait = store_backoff
        except PersistenceError as exc:  # anything else the store refused: say so, go on with the next
            outcome.code, outcome.message = "STORE", (
                f"the event store refused the write ({_first_line(exc)}); nothing was recorded for this command")
            return outcome
        else:
            outcome.accepted, outcome.code, outcome.message, outcome.halts = True, "", "", False
            outcome.result = result
            replay = getattr(ledger, "last_replay", None)
            if replay is not None:  # recorded before under this id: answered with that, nothing written
                outcome.replayed = True
                outcome.events = [{"event": None, "stream_id": stream, "version": version, "notification_id": None}
                                  for stream, version in replay.events]
            else:
                outcome.events = [_describe(r) for r in ledger.recordings[before:]]
            return outcome
        if attempt < attempts:
            time.sleep(random.uniform(0.5, 1.5) * wait * 2 ** (attempt - 1))
    return outcome


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _describe_event(event: Any) -> dict:
    return {"event": type(event).__qualname__, "stream_id": str(event.originator_id),
            "version": event.originator_version, "notification_id": None}


def _describe(recording: Any) -> dict:
    event = recording.domain_event
    return {
        "event": type(event).__qualname__,
        "stream_id": str(event.originator_id),
        "version": event.originator_version,
        "notification_id": recording.notification.id,
    }


def with_command_ids(commands: list[RawCommand], identity: str) -> list[RawCommand]:
    """The commands, each with a ``command_id``: its own, or one made from the input's identity
    (``identity``: the file's resolved path, or ``-``), the command's content and how many
    identical commands came before it in the input.

    Deterministic: the same file recorded again gives the same ids, so its recorded commands
    are answered with their first result and nothing is recorded twice. The id depends on the
    command's own content and its rank among identical ones — not on its line — so a line
    inserted, removed or fixed in the file changes no other command's id.
    """
    import hashlib
    import json

    seen: dict[str, int] = {}
    out = []
    for raw in commands:
        if "command_id" in raw.payload:
            out.append(raw)
            continue
        content = json.dumps(raw.payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        rank = seen[content] = seen.get(content, 0) + 1
        key = hashlib.sha256(f"{identity}\n{rank}\n{content}".encode("utf-8", "surrogatepass")).hexdigest()
        out.append(RawCommand(raw.line, {**raw.payload, "command_id": f"rec-{key[:32]}"}, raw.element))
    return out
