"""Commands as JSON: parsing, binding to the ledger's command methods, examples.

A command is one JSON object: `{"command": "record_intake", "case_id": "…", …}`.
The other keys are the method's keyword arguments, converted by its type hints:
ISO 8601 date-times (with their UTC offset) and dates, UUIDs, enum values,
nested objects for value types, lists for tuples. A file holds one object, a
JSON array of objects, or JSON lines (one object per line).

Errors say where: the line and column of invalid JSON, the argument path of a
value that does not fit (`source_document.number: expected text, got 12`).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
import json
import types
import typing
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Callable


class CommandInputError(ValueError):
    """A command that cannot be read or bound: `where` says which line or argument."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.message = message


@dataclass(frozen=True)
class RawCommand:
    line: int  # where the command starts in the input (1-based)
    payload: dict


def parse_commands(text: str) -> list[RawCommand]:
    """One JSON object, a JSON array of objects, or JSON lines."""
    if not text.strip():
        raise CommandInputError("input", "no command given; see `caseledger record --example COMMAND`")
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as exc:
        lines = text.splitlines()
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        if not _is_json(lines[first]):
            # Not JSON lines: one (pretty-printed) document with an error in it.
            raise CommandInputError(f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}") from None
    else:
        items = whole if isinstance(whole, list) else [whole]
        return [_as_command(item, f"command {i + 1}", 1) for i, item in enumerate(items)]
    commands = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CommandInputError(f"line {number}, column {exc.colno}", f"invalid JSON: {exc.msg}") from None
        commands.append(_as_command(item, f"line {number}", number))
    return commands


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
        return True
    except json.JSONDecodeError:
        return False


def _as_command(item: Any, where: str, line: int) -> RawCommand:
    if not isinstance(item, dict):
        raise CommandInputError(where, f"expected a JSON object with a \"command\" key, got {type(item).__name__}")
    if not isinstance(item.get("command"), str):
        raise CommandInputError(where, 'missing "command": the name of the command, e.g. "record_intake"')
    return RawCommand(line, item)


@functools.lru_cache(maxsize=None)
def _parameters(function: Callable) -> tuple[dict[str, Any], dict[str, inspect.Parameter]]:
    # Read once per method: resolving the annotations compiles each one, and bind runs per command.
    hints = typing.get_type_hints(function, include_extras=True)
    params = {name: p for name, p in inspect.signature(function).parameters.items()
              if name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    return hints, params


@functools.lru_cache(maxsize=None)
def _dataclass_fields(cls: type) -> tuple[dict[str, dataclasses.Field], dict[str, Any]]:
    return {f.name: f for f in dataclasses.fields(cls) if f.init}, typing.get_type_hints(cls, include_extras=True)


def bind(method: Callable, payload: dict) -> dict[str, Any]:
    """Convert the payload's arguments to the method's parameter types."""
    hints, params = _parameters(getattr(method, "__func__", method))
    args = {k: v for k, v in payload.items() if k != "command"}
    unknown = sorted(set(args) - set(params))
    if unknown:
        raise CommandInputError(unknown[0], f"unknown argument; {payload['command']} takes: {', '.join(params)}")
    missing = [n for n, p in params.items() if p.default is inspect.Parameter.empty and n not in args]
    if missing:
        raise CommandInputError(missing[0], f"required by {payload['command']} and missing")
    return {name: convert(hints.get(name, Any), value, name) for name, value in args.items()}


def _describe(hint: Any) -> str:
    hint = _unannotated(hint)
    names = {str: "text", int: "an integer", float: "a number", bool: "true or false",
             datetime: "a date-time with offset, e.g. 2026-03-02T09:30:00-04:00",
             date: "a date, e.g. 2026-03-02", uuid.UUID: "a UUID", time: "a time, e.g. 19:30"}
    if hint in names:
        return names[hint]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return "one of " + ", ".join(repr(m.value) for m in hint)
    if dataclasses.is_dataclass(hint):
        return f"an object ({', '.join(f.name for f in dataclasses.fields(hint))})"
    return str(hint)


def _unannotated(hint: Any) -> Any:
    while typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    return hint


def _got(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"


def convert(hint: Any, value: Any, path: str) -> Any:
    """A JSON value as the Python type the hint names; CommandInputError(path) if it does not fit."""
    hint = _unannotated(hint)
    origin = typing.get_origin(hint)
    if hint is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None:
            if type(None) in typing.get_args(hint):
                return None
            raise CommandInputError(path, f"expected {_describe(options[0])}, got null")
        errors = []
        for option in options:
            try:
                return convert(option, value, path)
            except CommandInputError as exc:
                errors.append(exc)
        raise errors[0]
    if origin in (tuple, list):
        item_hint = typing.get_args(hint)[0] if typing.get_args(hint) else Any
        if not isinstance(value, list):
            raise CommandInputError(path, f"expected a list, got {_got(value)}")
        return tuple(convert(item_hint, v, f"{path}[{i}]") for i, v in enumerate(value))
    if value is None:
        raise CommandInputError(path, f"expected {_describe(hint)}, got null")
    if hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif hint is str:
        if isinstance(value, str):
            return value
    elif hint is datetime:
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                parsed = None
            if parsed is not None:
                if parsed.tzinfo is None:
                    raise CommandInputError(path, f"{_got(value)} has no UTC offset; write the local "
                                                  "time with its offset, e.g. 2026-03-02T09:30:00-04:00 (Cuiabá)")
                return parsed
    elif hint is date:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
    elif hint is time:
        if isinstance(value, str):
            try:
                return time.fromisoformat(value)
            except ValueError:
                pass
    elif hint is uuid.UUID:
        if isinstance(value, str):
            try:
                return uuid.UUID(value)
            except ValueError:
                pass
    elif isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(value)
        except ValueError:
            pass
    elif dataclasses.is_dataclass(hint):
        if isinstance(value, dict):
            fields, field_hints = _dataclass_fields(hint)
            unknown = sorted(set(value) - set(fields))
            if unknown:
                raise CommandInputError(f"{path}.{unknown[0]}", f"unknown field; expected: {', '.join(fields)}")
            kwargs = {}
            for name, f in fields.items():
                if name in value:
                    kwargs[name] = convert(field_hints[name], value[name], f"{path}.{name}")
                elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise CommandInputError(f"{path}.{name}", "required and missing")
            return hint(**kwargs)
    else:
        return value
    raise CommandInputError(path, f"expected {_describe(hint)}, got {_got(value)}")


def example_value(hint: Any, name: str = "") -> Any:
    """A plausible JSON value for a parameter, for `record --example` and the command docs."""
    hint = _unannotated(hint)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return example_value(options[0], name) if options else None
    if origin in (tuple, list):
        args = typing.get_args(hint)
        return [example_value(args[0], name)] if args else []
    if hint is bool:
        return True
    if hint is int:
        return 1
    if hint is float:
        return 1.0
    if hint is datetime:
        return "2026-03-02T09:30:00-04:00"
    if hint is date:
        return "2026-03-02"
    if hint is time:
        return "19:30"
    if hint is uuid.UUID:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"caseledger-example:{name}"))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return next(iter(hint)).value
    if dataclasses.is_dataclass(hint):
        field_hints = typing.get_type_hints(hint, include_extras=True)
        return {f.name: example_value(field_hints[f.name], f.name) for f in dataclasses.fields(hint) if f.init}
    return f"<{name}>" if name else "<text>"


def example(method: Callable, command: str) -> dict:
    """A complete example command for a method (every parameter, required ones first)."""
    hints = typing.get_type_hints(method, include_extras=True)
    out: dict[str, Any] = {"command": command}
    params = [p for n, p in inspect.signature(method).parameters.items() if n != "self"]
    for p in sorted(params, key=lambda p: p.default is not inspect.Parameter.empty):
        out[p.name] = example_value(hints.get(p.name, str), p.name)
    return out
