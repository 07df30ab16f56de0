"""Pure pieces around the runner: dead-letter headers, their parsing, progress for people."""

from __future__ import annotations

from collections import namedtuple

from types import SimpleNamespace

from consumers.dead_letter import Failure, dead_letter_headers, parse_dead_letter, unique_by_origin
from consumers.batch import is_data_error

Record = namedtuple("Record", "topic partition offset key value headers")


def a_record(offset: int = 7, headers=None) -> Record:
    return Record("case-events", 2, offset, b"case-1", b"{not json",
                  headers if headers is not None else [("event_id", b"e-1"), ("event_type", b"Opened")])


def test_a_dead_letter_keeps_the_original_headers_and_says_why_and_where_from():
    h = dict(dead_letter_headers(Failure(a_record(), "decode_failed", "JSONDecodeError", "bad"), "accounts", 3))
    assert h["event_id"] == b"e-1"
    assert (h["dlq_reason"], h["dlq_error_class"], h["dlq_error_message"]) == (b"decode_failed", b"JSONDecodeError", b"bad")
    assert (h["dlq_origin_topic"], h["dlq_origin_partition"], h["dlq_origin_offset"]) == (b"case-events", b"2", b"7")
    assert (h["dlq_projection"], h["dlq_generation"]) == (b"accounts", b"3")


def test_a_dead_letter_dead_lettered_again_replaces_its_old_reason_rather_than_stacking_it():
    once = dead_letter_headers(Failure(a_record(), "decode_failed", "E", "m"), "accounts", 1)
    twice = dead_letter_headers(Failure(a_record(headers=once), "apply_failed", "E2", "m2"), "accounts", 1)
    assert [v for k, v in twice if k == "dlq_reason"] == [b"apply_failed"]


def test_a_dead_letter_read_back_gives_the_original_record_for_a_redrive():
    headers = dead_letter_headers(Failure(a_record(), "apply_failed", "ValueError", "x"), "accounts", 1)
    letter = parse_dead_letter(Record("dlq", 0, 41, b"case-1", b"{not json", headers))
    assert letter.origin == ("case-events", 2, 7)
    assert letter.original.value == b"{not json" and letter.original.key == b"case-1"
    assert all(not k.startswith("dlq_") for k, _ in letter.original.headers)
    assert (letter.reason, letter.event_type, letter.dlq_offset) == ("apply_failed", "Opened", 41)
    assert "value" not in letter.as_row() and letter.as_row()["origin"] == "case-events[2]@7"


def test_the_same_origin_dead_lettered_twice_is_listed_once():
    h = dead_letter_headers(Failure(a_record(), "apply_failed", "E", "m"), "accounts", 1)
    letters = [parse_dead_letter(Record("dlq", 0, n, b"k", b"v", h)) for n in (1, 2)]
    assert [d.dlq_offset for d in unique_by_origin(letters)] == [1]


def test_row_errors_are_the_events_fault_and_set_up_errors_are_not():
    # As raised by the server: the SQLSTATE is on the exception (a bare instance has none).
    err = lambda code: SimpleNamespace(pgcode=code)
    assert is_data_error(err("22P02"))  # invalid input syntax
    assert is_data_error(err("23505"))  # unique violation
    assert not is_data_error(err("42501"))  # permission denied
    assert not is_data_error(err("42P01"))  # undefined table
