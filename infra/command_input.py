"""Commands as JSON: parsing, binding to a command's arguments (its domain method's own hints), examples.

A command is one JSON object: `{"command": "record_intake", "case_id": "…", …}`.
The other keys are the method's keyword arguments, converted by its type hints:
ISO 8601 date-times (with their UTC offset) and dates, UUIDs, enum values,
nested objects for value types, lists for tuples. A file holds one object, a
JSON array of objects, or JSON lines (one object per line).

Errors say where: the line and column of invalid JSON, the element of a JSON
array and the line it starts on, the argument path of a value that does not fit
(`source_document.number: expected text, got 12`).

Limits at the door (``InputLimits``; the numbers come from ``infra.settings``): the
input is UTF-8 and at most ``max_input_bytes``; one command is at most
``max_command_bytes`` of JSON and nests at most ``MAX_DEPTH`` levels; a text value
is at most ``max_text_bytes`` of UTF-8 and holds no control character other than
tab, line feed and carriage return, and no lone surrogate. Dates lie between
``EARLIEST_DATE`` and ``YEARS_AHEAD`` years after the day of recording. What
breaks a limit is refused with its path before anything is stored; nothing is
silently altered.

Why one module of this size: reading the input, its limits and binding share one way of
naming where a refusal is (line, element, argument path); kept together they stay consistent.
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
import math
import re
from datetime import date, datetime, time, timezone
from typing import Any, Callable, Iterator

# One command nests at most this deep (command → value object → list → value object is 4):
# deeper JSON is no command of the ledger, and refusing it keeps every reader off recursion limits.
MAX_DEPTH = 16
# Dates before this are no date of the system's life (the oldest person a case can name, a
# grandparent visitor, was born after it); earlier ones are typing slips (0001, 0202).
EARLIEST_DATE = date(1900, 1, 1)
# The latest future date any command needs: a measure ends by 21 (ECA 121 §5) and lasts at most
# 3 years (ECA 121 §3), so a deadline, a valid-until or a sanction's end is never 10 years away.
# Bounding dates here also keeps the calendar's arithmetic far from year 9999 (OverflowError).
YEARS_AHEAD = 10
# Avro `int`: every integer argument (days, capacity, ages, years) fits in 32 bits.
INT_RANGE = (-(2**31), 2**31 - 1)

# C0 controls except tab, line feed and carriage return; DEL; C1 controls. They cannot travel:
# PostgreSQL text refuses NUL, and terminals execute the rest (ESC sequences clear screens).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL_NAMES = {0: "NUL", 0x1B: "ESC", 0x7F: "DEL", 0x08: "BACKSPACE", 0x0B: "VT", 0x0C: "FORM FEED"}


@dataclass(frozen=True)
class InputLimits:
    """How much input `record` reads: settings `CASELEDGER_MAX_*` (see infra/settings.py)."""

    max_input_bytes: int = 64 * 1024 * 1024
    max_command_bytes: int = 64 * 1024
    max_text_bytes: int = 8 * 1024
    today: date | None = None  # the day of recording; None: today in UTC

    def latest_date(self) -> date:
        today = self.today or datetime.now(timezone.utc).date()
        try:
            return today.replace(year=today.year + YEARS_AHEAD)
        except ValueError:  # 29 February
            return today.replace(year=today.year + YEARS_AHEAD, day=28)


DEFAULT_LIMITS = InputLimits()


class CommandInputError(ValueError):
    """A command that cannot be read or bound: `where` says which line or argument.

    ``code`` is INPUT, or the rule the value breaks when a rule is what the input layer checks
    (D-01: a business time without its UTC offset), so the refusal names the rule and its source.
    """

    def __init__(self, where: str, message: str, code: str = "INPUT") -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.message = message
        self.code = code


@dataclass(frozen=True)
class RawCommand:
    line: int  # where the command starts in the input (1-based)
    payload: dict
    element: int | None = None  # its index (1-based) in a JSON array, if the input is one

    @property
    def position(self) -> str:
        """Where the command is, for people: `line 3`, or `element 2 (line 5)` of an array."""
        return f"line {self.line}" if self.element is None else f"element {self.element} (line {self.line})"


def decode_input(data: bytes, limits: InputLimits = DEFAULT_LIMITS) -> str:
    """The input as text: strict UTF-8 (a leading byte-order mark is allowed), within the size limit."""
    if len(data) > limits.max_input_bytes:
        raise CommandInputError("input", f"larger than {_size(limits.max_input_bytes)} "
                                         "(CASELEDGER_MAX_INPUT_BYTES); split it into smaller files")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise CommandInputError(
            f"line {line}, byte {exc.start + 1}",
            f"not UTF-8 (byte 0x{data[exc.start]:02X} at column {column}); the input must be UTF-8 — "
            "a Latin-1 or Windows-1252 file can be converted with `iconv -f latin1 -t utf-8`") from None


def _size(n: int) -> str:
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if n >= factor and n % factor == 0:
            return f"{n // factor} {unit}"
    return f"{n} bytes"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# JSON lines end at a line feed (or CR LF, or CR). Not str.splitlines(): it also splits at U+2028,
# U+2029 and U+0085, which valid JSON may hold unescaped inside a string.
_LINE_END = re.compile(r"\r\n|\r|\n")


def _loads(text: str, where: Callable[[int], str]) -> Any:
    """json.loads that reports every failure as CommandInputError at ``where(position)``."""
    try:
        value, end = _DECODER.raw_decode(text, _WHITESPACE.match(text).end())
    except json.JSONDecodeError as exc:
        raise CommandInputError(where(exc.pos), f"invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise CommandInputError(where(0), f"nested too deeply; a command nests at most {MAX_DEPTH} levels") from None
    except ValueError as exc:  # NaN/Infinity, integers of more than 4300 digits
        raise CommandInputError(where(0), f"invalid JSON: {exc}") from None
    end = _WHITESPACE.match(text, end).end()
    if end != len(text):
        raise CommandInputError(where(end), "invalid JSON: Extra data")
    return value


def parse_commands(text: str) -> list[RawCommand]:
    """One JSON object, a JSON array of objects, or JSON lines."""
    if not text.strip():
        raise CommandInputError("input", "no command given; see `caseledger record --example COMMAND`")
    start = _WHITESPACE.match(text).end()
    if text.startswith("[", start):
        return list(_array_commands(text, start))
    try:
        whole = _loads(text, lambda pos: _line_column(text, pos))
    except CommandInputError as exc:
        lines = _LINE_END.split(text)
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        if not _is_json(lines[first]):
            # Not JSON lines: one (pretty-printed) document with an error in it.
            raise exc from None
    else:
        return [_as_command(whole, "line 1", 1)]
    commands = []
    for number, line in enumerate(_LINE_END.split(text), start=1):
        if not line.strip():
            continue
        item = _loads(line, lambda pos, number=number: f"line {number}, column {pos + 1}")
        commands.append(_as_command(item, f"line {number}", number))
    return commands


def _line_column(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    return f"line {line}, column {pos - (text.rfind(chr(10), 0, pos) + 1) + 1}"


def _array_commands(text: str, start: int) -> Iterator[RawCommand]:
    """Each element of a JSON array with the line it starts on (one parse, no second pass)."""
    where = lambda pos: _line_column(text, pos)  # noqa: E731
    pos = _WHITESPACE.match(text, start + 1).end()
    line, counted = 1, 0
    element = 0
    if text.startswith("]", pos):
        pos += 1
    else:
        while True:
            line += text.count("\n", counted, pos)
            counted = pos
            try:
                item, pos = _DECODER.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise CommandInputError(where(exc.pos), f"invalid JSON: {exc.msg}") from None
            except RecursionError:
                raise CommandInputError(f"element {element + 1} ({where(pos)})",
                                        f"nested too deeply; a command nests at most {MAX_DEPTH} levels") from None
            except ValueError as exc:
                raise CommandInputError(f"element {element + 1} ({where(pos)})", f"invalid JSON: {exc}") from None
            element += 1
            yield _as_command(item, f"element {element} (line {line})", line, element)
            pos = _WHITESPACE.match(text, pos).end()
            if text.startswith(",", pos):
                pos = _WHITESPACE.match(text, pos + 1).end()
                continue
            if text.startswith("]", pos):
                pos += 1
                break
            raise CommandInputError(where(pos), "invalid JSON: Expecting ',' delimiter")
    pos = _WHITESPACE.match(text, pos).end()
    if pos != len(text):
        raise CommandInputError(where(pos), "invalid JSON: Extra data")


def _is_json(line: str) -> bool:
    try:
        _loads(line, lambda pos: "")
        return True
    except CommandInputError:
        return False


def _as_command(item: Any, where: str, line: int, element: int | None = None) -> RawCommand:
    if not isinstance(item, dict):
        raise CommandInputError(where, f"expected a JSON object with a \"command\" key, got {type(item).__name__}")
    if not isinstance(item.get("command"), str):
        raise CommandInputError(where, 'missing "command": the name of the command, e.g. "record_intake"')
    return RawCommand(line, item, element)


def check_command(payload: dict, limits: InputLimits = DEFAULT_LIMITS) -> None:
    """Refuse a command that cannot travel: too deep, too big, or text with what no store keeps.

    Walks the JSON without recursion; the first problem is raised with its path.
    """
    stack: list[tuple[Any, str, int]] = [(payload, "", 1)]
    biggest, biggest_size = "", -1
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_DEPTH:
                raise CommandInputError(path, f"nested more than {MAX_DEPTH} levels deep; no command needs that")
            for key, item in value.items():
                stack.append((item, f"{path}.{key}" if path else str(key), depth + 1))
        elif isinstance(value, list):
            if depth > MAX_DEPTH:
                raise CommandInputError(path, f"nested more than {MAX_DEPTH} levels deep; no command needs that")
            for i, item in enumerate(value):
                stack.append((item, f"{path}[{i}]", depth + 1))
        elif isinstance(value, str):
            check_text(value, path, limits)
    size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
    if size > limits.max_command_bytes:
        for key, value in payload.items():
            key_size = len(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))
            if key_size > biggest_size:
                biggest, biggest_size = key, key_size
        raise CommandInputError(biggest, f"the command is {size} bytes of JSON ({biggest} alone {biggest_size}); "
                                         f"a command may have at most {_size(limits.max_command_bytes)} "
                                         "(CASELEDGER_MAX_COMMAND_BYTES): shorten it, or keep the document "
                                         "in the case folder and record its reference")


def check_text(value: str, path: str, limits: InputLimits = DEFAULT_LIMITS) -> None:
    """Refuse text too long, or holding a control character or a lone surrogate (nothing is altered)."""
    found = _SURROGATE.search(value)
    if found:
        raise CommandInputError(path, f"holds a lone surrogate U+{ord(found.group()):04X} at character "
                                      f"{found.start() + 1}: not a character; send valid Unicode text")
    found = _CONTROL.search(value)
    if found:
        code = ord(found.group())
        name = _CONTROL_NAMES.get(code, "control character")
        raise CommandInputError(path, f"holds the control character U+{code:04X} ({name}) at character "
                                      f"{found.start() + 1}; remove it (only tab and line breaks are allowed in text)")
    if len(value) * 4 > limits.max_text_bytes:  # UTF-8 takes at most 4 bytes a character
        size = len(value.encode("utf-8"))
        if size > limits.max_text_bytes:
            raise CommandInputError(path, f"{size} bytes of text; a text value may have at most "
                                          f"{_size(limits.max_text_bytes)} (CASELEDGER_MAX_TEXT_BYTES): keep the "
                                          "full document in the case folder and record its reference")


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


def bind(method: Callable, payload: dict, limits: InputLimits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Check the command's limits, then convert its arguments to the method's parameter types."""
    check_command(payload, limits)
    hints, params = _parameters(getattr(method, "__func__", method))
    args = {k: v for k, v in payload.items() if k != "command"}
    unknown = sorted(set(args) - set(params))
    if unknown:
        raise CommandInputError(unknown[0], f"unknown argument; {payload['command']} takes: {', '.join(params)}")
    missing = [n for n, p in params.items() if p.default is inspect.Parameter.empty and n not in args]
    # What the command requires but may be absent (``X | None`` without a default: a legal document, a
    # report's conclusion) is left to the domain, which refuses under the legal rule that demands it
    # (R-01 for a transfer without court order, Reg. art. 27; R-26 for a report without a conclusion),
    # not as an input error.
    absent_documents = {n: None for n in missing if _is_optional(hints.get(n))}
    missing = [n for n in missing if n not in absent_documents]
    if missing:
        raise CommandInputError(missing[0], f"required by {payload['command']} and missing")
    return {**absent_documents,
            **{name: convert(hints.get(name, Any), value, name, limits) for name, value in args.items()}}


UNIT_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)+$")  # MT-CGB-SL, SL-001


def _is_unit_field(path: str) -> bool:
    """Whether the argument at ``path`` names a unit (``unit_id``, ``destination_unit_id``…)."""
    return re.sub(r"\[\d+\]$", "", path.rsplit(".", 1)[-1]).endswith("unit_id")


def _is_optional(hint: Any) -> bool:
    """Whether ``hint`` admits None (``SourceDocument | None``…): an absence the domain's rule judges."""
    options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else ()
    return type(None) in options


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
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= 40 else text[:37] + "…"


def _check_date(day: date, value: Any, path: str, limits: InputLimits) -> None:
    latest = limits.latest_date()
    if not EARLIEST_DATE <= day <= latest:
        raise CommandInputError(path, f"{_got(value)} is outside the dates the ledger accepts "
                                      f"({EARLIEST_DATE.isoformat()} to {latest.isoformat()}, {YEARS_AHEAD} years "
                                      "after today); check the year")


def convert(hint: Any, value: Any, path: str, limits: InputLimits = DEFAULT_LIMITS) -> Any:
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
                return convert(option, value, path, limits)
            except CommandInputError as exc:
                errors.append(exc)
        raise errors[0]
    if origin in (tuple, list):
        item_hint = typing.get_args(hint)[0] if typing.get_args(hint) else Any
        if not isinstance(value, list):
            raise CommandInputError(path, f"expected a list, got {_got(value)}")
        return tuple(convert(item_hint, v, f"{path}[{i}]", limits) for i, v in enumerate(value))
    if value is None:
        raise CommandInputError(path, f"expected {_describe(hint)}, got null")
    if hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            if not INT_RANGE[0] <= value <= INT_RANGE[1]:
                raise CommandInputError(path, f"{_got(value)} is out of range; an integer argument lies between "
                                              f"{INT_RANGE[0]} and {INT_RANGE[1]}")
            return value
    elif hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(float(value)):
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
                if parsed.tzinfo is None or parsed.utcoffset() is None:
                    raise CommandInputError(path, f"{_got(value)} has no UTC offset; write the local "
                                                  "time with its offset, e.g. 2026-03-02T09:30:00-04:00 (Cuiabá)",
                                            code="D-01")
                _check_date(parsed.date(), value, path, limits)
                return parsed
    elif hint is date:
        if isinstance(value, str):
            try:
                parsed_day = date.fromisoformat(value)
            except ValueError:
                pass
            else:
                _check_date(parsed_day, value, path, limits)
                return parsed_day
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
            # A unit is named by its code where the reads name it (`--unit MT-CGB-SL`): its id is the
            # uuid5 of the code (``domain.unit.unit_id_for``), so a code and an id name the same unit.
            if _is_unit_field(path) and UNIT_CODE.match(value):
                from domain.unit import unit_id_for

                return unit_id_for(value)
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
                    kwargs[name] = convert(field_hints[name], value[name], f"{path}.{name}", limits)
                elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise CommandInputError(f"{path}.{name}", "required and missing")
            return hint(**kwargs)
    else:
        return value
    if hint is uuid.UUID and _is_unit_field(path):
        raise CommandInputError(path, f"expected a unit's id (a UUID) or its code (e.g. MT-CGB-SL), got {_got(value)}")
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
        if isinstance(p.default, (bool, int, str)) and not isinstance(p.default, enum.Enum):
            out[p.name] = p.default  # an optional argument's own default is a valid value (min_age 12, not 1)
    return out


def _closed_list(hint: Any) -> type[enum.Enum] | None:
    """The enum a hint takes (through ``X | None``, ``tuple[X, ...]``, ``X | str``), if any."""
    hint = _unannotated(hint)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    for arg in typing.get_args(hint):
        found = _closed_list(arg)
        if found is not None:
            return found
    return None


def _kind(hint: Any) -> str:
    hint = _unannotated(hint)
    options = [a for a in typing.get_args(hint) if a is not type(None)] \
        if typing.get_origin(hint) in (typing.Union, types.UnionType) else [hint]
    if len(options) == 1 and typing.get_origin(options[0]) in (tuple, list):
        return "a list of " + _kind(typing.get_args(options[0])[0] if typing.get_args(options[0]) else str)
    enums = [o for o in options if isinstance(o, type) and issubclass(o, enum.Enum)]
    if enums:
        return "one of the list below" if str not in options else "one of the list below (another value is refused by its rule)"
    return _describe(options[0]) if options else "null"


def describe_fields(method: Callable, prefix: str = "") -> list[dict[str, Any]]:
    """Each argument of a command (and of its objects), for `record --example`: its path, whether it is
    required, its default, its kind, and the allowed values of a closed list."""
    hints = typing.get_type_hints(method, include_extras=True)
    params = [p for n, p in inspect.signature(method).parameters.items() if n != "self"]
    rows = []
    for p in params:
        hint = hints.get(p.name, str)
        required = p.default is inspect.Parameter.empty
        nullable = _is_optional(hint)
        listed = _closed_list(hint)
        kind = _kind(hint)
        if _unannotated(hint) is uuid.UUID and _is_unit_field(p.name):
            kind = "a unit's id (a UUID) or its code (e.g. MT-CGB-SL)"
        row = {"field": prefix + p.name, "required": required and not nullable,
               "kind": kind, "values": [m.value for m in listed] if listed else []}
        if not required and p.default is not None:
            default = p.default
            row["default"] = ([d.value if isinstance(d, enum.Enum) else d for d in default]
                              if isinstance(default, (tuple, list, frozenset)) else
                              default.value if isinstance(default, enum.Enum) else default)
        if required and nullable:
            row["note"] = "may be null or left out: the rule that needs it then refuses"
        rows.append(row)
        inner = _unannotated(hint)
        inner = next((a for a in typing.get_args(inner) if dataclasses.is_dataclass(a)), inner) \
            if typing.get_origin(inner) in (typing.Union, types.UnionType, tuple) else inner
        if dataclasses.is_dataclass(inner) and isinstance(inner, type):
            fields = {f.name: f for f in dataclasses.fields(inner) if f.init}
            field_hints = typing.get_type_hints(inner, include_extras=True)
            for name, f in fields.items():
                listed = _closed_list(field_hints[name])
                optional = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
                rows.append({"field": f"{prefix}{p.name}.{name}", "required": not optional,
                             "kind": _kind(field_hints[name]), "values": [m.value for m in listed] if listed else []})
    return rows
