"""Limits at the door of `record`: what cannot travel is refused with its path, before anything is stored."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from hypothesis import given, settings, strategies as st

from infra.command_input import CommandInputError, InputLimits, bind, decode_input, parse_commands
from infra.tables import printable, render_table


@dataclass(frozen=True)
class Who:
    id: str
    role: str


class Toy:
    def register(self, name: str, birth_date: date, occurred_at: datetime, actor: Who, capacity: int = 1,
                 visitor_ids: tuple[uuid.UUID, ...] = (), note: str | None = None) -> None:
        pass


def payload(**overrides):
    base = {"command": "register", "name": "Adolescente Fictício", "birth_date": "2009-06-15",
            "occurred_at": "2026-03-02T09:30:00-04:00", "actor": {"id": "staff-adm-01", "role": "administrativo"}}
    base.update(overrides)
    return base


def refusal(limits: InputLimits = InputLimits(today=date(2026, 3, 2)), **overrides) -> CommandInputError:
    with pytest.raises(CommandInputError) as caught:
        bind(Toy.register, payload(**overrides), limits)
    return caught.value


# --- size ---------------------------------------------------------------------------------


def test_a_text_value_over_the_limit_is_refused_with_its_path():
    error = refusal(InputLimits(max_text_bytes=4096), name="x" * 4097)
    assert error.where == "name" and "4097 bytes" in error.message and "CASELEDGER_MAX_TEXT_BYTES" in error.message


def test_a_text_value_at_the_limit_is_accepted():
    assert bind(Toy.register, payload(name="é" * 2048), InputLimits(max_text_bytes=4096))["name"] == "é" * 2048


def test_a_megabyte_name_is_refused_before_anything_is_stored():
    error = refusal(name="A" * 1_000_000)
    assert error.where == "name"


def test_a_command_over_the_size_limit_is_refused_naming_its_biggest_argument():
    many = [str(uuid.uuid4()) for _ in range(100)]
    error = refusal(InputLimits(max_command_bytes=2048), visitor_ids=many)
    assert error.where == "visitor_ids" and "CASELEDGER_MAX_COMMAND_BYTES" in error.message


def test_an_input_over_the_size_limit_is_refused_with_what_to_do():
    with pytest.raises(CommandInputError, match="split it"):
        decode_input(b"{}" * 600, InputLimits(max_input_bytes=1000))


# --- characters that cannot travel ---------------------------------------------------------


def test_a_nul_character_in_an_actor_id_is_refused_naming_field_and_character():
    error = refusal(actor={"id": "staff\x00-01", "role": "administrativo"})
    assert error.where == "actor.id" and "U+0000 (NUL)" in error.message


def test_an_escape_sequence_in_text_is_refused():
    error = refusal(name="\x1b[2JAna")
    assert error.where == "name" and "U+001B (ESC)" in error.message


def test_tabs_and_line_breaks_are_allowed_in_text():
    assert bind(Toy.register, payload(note="linha 1\r\nlinha 2\tfim"))["note"] == "linha 1\r\nlinha 2\tfim"


def test_a_lone_surrogate_is_refused():
    error = refusal(name="Ana \ud800")
    assert error.where == "name" and "lone surrogate U+D800" in error.message


def test_a_lone_surrogate_escaped_in_json_is_refused_after_parsing():
    [raw] = parse_commands(json.dumps(payload(name="\ud800")))
    with pytest.raises(CommandInputError, match="lone surrogate"):
        bind(Toy.register, raw.payload)


def test_invalid_utf8_is_reported_with_its_line_and_byte():
    with pytest.raises(CommandInputError) as caught:
        decode_input(b'{"command": "a"}\n{"command": "b\xff"}\n')
    assert caught.value.where == "line 2, byte 32" and "must be UTF-8" in caught.value.message


def test_a_latin1_file_is_told_to_be_utf8():
    with pytest.raises(CommandInputError, match="iconv -f latin1"):
        decode_input(json.dumps({"command": "a", "name": "João"}, ensure_ascii=False).encode("latin-1"))


def test_a_utf8_byte_order_mark_is_accepted():
    assert parse_commands(decode_input(b'\xef\xbb\xbf{"command": "a"}'))[0].payload == {"command": "a"}


# --- structure -----------------------------------------------------------------------------


def test_deep_nesting_is_refused_without_recursion_error():
    with pytest.raises(CommandInputError, match="nested too deeply"):
        parse_commands('{"command": "a", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")


def test_deep_nesting_in_a_json_array_names_the_element():
    with pytest.raises(CommandInputError, match="element 2"):
        parse_commands('[{"command": "a"},\n {"command": "b", "x": ' + "[" * 100_000 + "]" * 100_000 + "}]")


def test_nesting_past_the_command_depth_is_refused_with_its_path():
    nested: list = []
    for _ in range(20):
        nested = [nested]
    error = refusal(note=nested)
    assert error.where.startswith("note[0]") and "nested more than 16 levels" in error.message


def test_an_integer_of_thousands_of_digits_is_refused_as_invalid_json():
    with pytest.raises(CommandInputError, match="invalid JSON"):
        parse_commands('{"command": "a", "capacity": ' + "9" * 5000 + "}")


def test_an_integer_beyond_32_bits_is_refused():
    assert refusal(capacity=2**40).where == "capacity"


def test_not_a_number_is_refused_as_invalid_json():
    with pytest.raises(CommandInputError, match="NaN"):
        parse_commands('{"command": "a", "capacity": NaN}')


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-04:00",
                                    "1899-12-31T10:00:00-04:00", "2036-03-03T10:00:00-04:00"])
def test_a_datetime_outside_the_plausible_window_is_refused_with_its_path(moment):
    error = refusal(occurred_at=moment)
    assert error.where == "occurred_at" and "1900-01-01 to 2036-03-02" in error.message


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_a_date_outside_the_plausible_window_is_refused_with_its_path(day):
    assert refusal(birth_date=day).where == "birth_date"


def test_dates_at_the_edges_of_the_window_are_accepted():
    limits = InputLimits(today=date(2026, 3, 2))
    kwargs = bind(Toy.register, payload(birth_date="1900-01-01", occurred_at="2036-03-02T23:59:00-04:00"), limits)
    assert kwargs["birth_date"] == date(1900, 1, 1)


def test_a_naive_datetime_is_refused():
    assert "no UTC offset" in refusal(occurred_at="2026-03-02T09:30:00").message


# --- where each command is -----------------------------------------------------------------


def test_each_element_of_a_json_array_names_its_index_and_line():
    text = '[\n  {"command": "a"},\n\n  {"command": "b",\n   "x": 1},\n  {"command": "c"}\n]\n'
    commands = parse_commands(text)
    assert [(c.element, c.line) for c in commands] == [(1, 2), (2, 4), (3, 6)]
    assert commands[2].position == "element 3 (line 6)"


def test_a_bad_element_of_a_json_array_names_its_index_and_line():
    with pytest.raises(CommandInputError) as caught:
        parse_commands('[{"command": "a"},\n 42]')
    assert caught.value.where == "element 2 (line 2)"


def test_json_lines_name_their_line():
    assert [c.position for c in parse_commands('{"command": "a"}\n\n{"command": "b"}')] == ["line 1", "line 3"]


# --- output for people ---------------------------------------------------------------------


def test_control_characters_are_escaped_in_tables():
    table = render_table([{"who": "staff\x1b[2J\nforged row", "event": "VisitHeld"}], ["event", "who"])
    assert "\x1b" not in table and "\\x1b[2J\\nforged row" in table
    assert len(table.splitlines()) == 3  # header, rule, one row: no forged row


def test_bidirectional_overrides_and_lone_surrogates_are_escaped_for_terminals():
    assert printable("a\u202eb\ud800") == "a\\u202eb\\ud800"
    assert printable("João\tda Silva") == "João\\tda Silva"


# --- any input: an input error or a binding, never a crash -----------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["name", "birth_date", "occurred_at", "actor", "capacity", "visitor_ids",
                                        "note", "other"]), _json | st.text(), max_size=6))
def test_any_arguments_either_bind_or_raise_command_input_error(arguments):
    try:
        bind(Toy.register, {"command": "register", **arguments})
    except CommandInputError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_either_parse_or_raise_command_input_error(data):
    try:
        for raw in parse_commands(decode_input(data)):
            try:
                bind(Toy.register, raw.payload)
            except CommandInputError:
                pass
    except CommandInputError:
        pass


# --- settings and machine output -------------------------------------------------------------


def test_the_limits_come_from_the_environment():
    from infra.settings import Settings

    limits = Settings.from_env({"CASELEDGER_MAX_COMMAND_BYTES": "1000", "CASELEDGER_MAX_TEXT_BYTES": "100",
                                "CASELEDGER_MAX_INPUT_BYTES": "5000"}).input_limits
    assert (limits.max_command_bytes, limits.max_text_bytes, limits.max_input_bytes) == (1000, 100, 5000)
    assert Settings.from_env({}).input_limits.max_command_bytes == 64 * 1024


def test_json_output_stays_json_when_a_refusal_echoes_a_lone_surrogate():
    from infra.commands.record import _json_line

    line = _json_line({"command": "\ud800x", "accepted": False})
    line.encode("utf-8")
    assert json.loads(line)["command"] == "\ud800x"
